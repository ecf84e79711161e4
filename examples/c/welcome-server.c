/*
 * welcome-server: the classic welcome server: greet each client with a welcome line,
 * then echo what it sends until it closes the connection. The TypeScript twin is
 * ../welcome-server.ts; its client is welcome-client.
 *
 *   welcome-server [port] [host] [--clients N]     port 8000, host 0.0.0.0 (INADDR_ANY)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define SERVER_PORT 8000
#define WELCOME "Welcome to my server\n"
#define USAGE "welcome-server [port] [host] [--clients N]"

int main(int argc, char *argv[]) {
  struct command_line cl = parse_command_line(argc, argv, 2, 1, USAGE);
  int port = cl.arg[0] ? port_arg(cl.arg[0], USAGE) : SERVER_PORT;
  const char *host = cl.arg[1] ? cl.arg[1] : "0.0.0.0";
  struct sockaddr_in my_addr, remote_addr;
  socklen_t sin_size;
  char buf[BUFSIZ];
  ssize_t len;

  int server_sockfd = socket(PF_INET, SOCK_STREAM, 0);
  if (server_sockfd < 0) die("socket");
  memset(&my_addr, 0, sizeof(my_addr));
  my_addr.sin_family = AF_INET;
  my_addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &my_addr.sin_addr) != 1) usage(USAGE);
  if (bind(server_sockfd, (struct sockaddr *)&my_addr, sizeof(my_addr)) < 0) die("bind");
  if (listen(server_sockfd, 5) < 0) die("listen");
  sin_size = sizeof(my_addr);
  if (getsockname(server_sockfd, (struct sockaddr *)&my_addr, &sin_size) < 0) die("getsockname");
  print_listening(&my_addr);

  for (long served = 0; cl.clients < 0 || served < cl.clients; served++) {
    /* sockcall's accept() returns the new socket alone; getpeername() asks who it is. */
    int client_sockfd = accept(server_sockfd, NULL, NULL);
    if (client_sockfd < 0) die("accept");
    sin_size = sizeof(remote_addr);
    if (getpeername(client_sockfd, (struct sockaddr *)&remote_addr, &sin_size) < 0) die("getpeername");
    printf("accepted %s\n", address_name(&remote_addr));

    if (send(client_sockfd, WELCOME, strlen(WELCOME), MSG_NOSIGNAL) < 0) die("send");
    /* recv() returns 0 once the client has closed its end: the end of this conversation. */
    while ((len = recv(client_sockfd, buf, BUFSIZ, 0)) > 0) {
      printf("received: %.*s\n", without_newline(buf, len), buf);
      if (send(client_sockfd, buf, len, MSG_NOSIGNAL) < 0) die("send");
    }
    if (len < 0) die("recv");
    close(client_sockfd);
    printf("closed %s\n", address_name(&remote_addr));
  }
  close(server_sockfd);
  return 0;
}
