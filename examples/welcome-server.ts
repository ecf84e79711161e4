// welcome-server: the classic welcome server: greet each client with a welcome line,
// then echo what it sends until it closes the connection. The C twin is c/welcome-server.c; its
// client is welcome-client.
//
//   node dist/welcome-server.js [port] [host] [--clients N]     port 8000, host 0.0.0.0 (INADDR_ANY)
import { AF_INET, SOCK_STREAM, Socket } from 'sockcall';

import { addressName, parseCommandLine, portArg, printListening, usage, withoutNewline } from './cli';

const SERVER_PORT = 8000; //                                          #define SERVER_PORT 8000
const WELCOME = 'Welcome to my server\n'; //                          #define WELCOME "Welcome to my server\n"
const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'welcome-server [port] [host] [--clients N]';

const cl = parseCommandLine(2, true, USAGE);
const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '0.0.0.0';
if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE); //              inet_pton(AF_INET, host, ...) != 1

const serverSockfd = new Socket(AF_INET, SOCK_STREAM); //             server_sockfd = socket(PF_INET, SOCK_STREAM, 0)
serverSockfd.bind({ address: host, port }); //                        bind(server_sockfd, &my_addr, sizeof(my_addr))
serverSockfd.listen(5); //                                            listen(server_sockfd, 5)
printListening(serverSockfd.getsockname()); //                             getsockname(...); print_listening(...)

for (let served = 0; served < cl.clients; served++) {
  const clientSockfd = serverSockfd.accept(); //                      client_sockfd = accept(server_sockfd, NULL, NULL)
  const remoteAddr = addressName(clientSockfd.getpeername()); //      getpeername(client_sockfd, &remote_addr, &sin_size)
  console.log(`accepted ${remoteAddr}`); //                           printf("accepted %s\n", ...)

  clientSockfd.send(WELCOME); //                                      send(client_sockfd, WELCOME, strlen(WELCOME), MSG_NOSIGNAL)
  // recv() returns 0 bytes once the client has closed its end: the end of this conversation.
  for (;;) {
    const buf = clientSockfd.recv(BUFSIZ); //                         len = recv(client_sockfd, buf, BUFSIZ, 0)
    if (buf.length === 0) break; //                                   while (len > 0)
    console.log(`received: ${withoutNewline(buf.toString())}`); //    printf("received: %.*s\n", ...)
    clientSockfd.send(buf); //                                        send(client_sockfd, buf, len, MSG_NOSIGNAL)
  }
  clientSockfd.close(); //                                            close(client_sockfd)
  console.log(`closed ${remoteAddr}`); //                             printf("closed %s\n", ...)
}
serverSockfd.close(); //                                              close(server_sockfd)
