/*
 * The command line and output every example shares, so that each program shows only its socket
 * calls. The TypeScript twin is ../cli.ts; keep the two in step.
 *
 *   servers:  [port] [host] [--clients N]      the Unix server:  [path] [--clients N]
 *   clients:  port [host]                      the Unix clients: path
 *   static-server:  dir [port] [host] [--clients N]
 *
 * --clients N makes a server stop after N clients (udp-echo-server: N datagrams), so that it can be
 * run from a script; without it a server runs for ever, as the originals' servers do.
 *
 * Servers bind 0.0.0.0 (INADDR_ANY) by default, as the originals do: every interface, so any host
 * that reaches this one can connect. They say so under "listening on"; a host of 127.0.0.1 keeps
 * them on loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS_ARG 1000000L

struct command_line {
  const char *arg[3]; /* the positional arguments, NULL when not given (static-server takes 3) */
  long clients;       /* --clients N, or -1: for ever */
};

static inline _Noreturn void usage(const char *text) {
  fprintf(stderr, "usage: %s\n", text);
  exit(2);
}

/* A failed call: perror's "what: strerror(errno)" on stderr, exit status 1. */
static inline _Noreturn void die(const char *what) {
  perror(what);
  exit(1);
}

/* Anything else that ends a run: the message on stderr, exit status 1. */
static inline _Noreturn void fail(const char *message) {
  fprintf(stderr, "%s\n", message);
  exit(1);
}

static inline long number_arg(const char *text, long min, long max, const char *usage_text) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) usage(usage_text);
  return value;
}

/* Up to `positional` arguments, and --clients N when `takes_clients`. */
static inline struct command_line parse_command_line(int argc, char **argv, int positional, int takes_clients,
                                                     const char *usage_text) {
  struct command_line cl = {{NULL, NULL, NULL}, -1};
  int given = 0;
  /* stdout is a pipe when a script runs the example, and C would then hold lines back until exit;
     a line at a time is what Node's console.log does, and lets "listening on" out at once. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i < argc; i++) {
    if (takes_clients && strcmp(argv[i], "--clients") == 0 && i + 1 < argc)
      cl.clients = number_arg(argv[++i], 1, MAX_CLIENTS_ARG, usage_text);
    else if (strncmp(argv[i], "--", 2) == 0 || given == positional)
      usage(usage_text);
    else
      cl.arg[given++] = argv[i];
  }
  return cl;
}

static inline int port_arg(const char *text, const char *usage_text) {
  return (int)number_arg(text, 0, 65535, usage_text);
}

/* A count from 1 to `max` (tcp-info's rounds). */
static inline long count_arg(const char *text, long max, const char *usage_text) {
  return number_arg(text, 1, max, usage_text);
}

/* "127.0.0.1:3005", as the TypeScript twins print an address that getsockname() and friends return. */
static inline const char *address_name(const struct sockaddr_in *sin) {
  static char name[INET_ADDRSTRLEN + sizeof(":65535")];
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
  snprintf(name, sizeof(name), "%s:%d", host, ntohs(sin->sin_port));
  return name;
}

/* A server's first line, "listening on ADDRESS" with the port it really got; bound to INADDR_ANY
   (the default, as the originals bind), a second line says that it is open to the network and how
   to stay on loopback. */
static inline void print_listening(const struct sockaddr_in *sin) {
  printf("listening on %s\n", address_name(sin));
  if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
    printf("0.0.0.0 is INADDR_ANY, as the original binds: every interface, open to the network; "
           "give the host 127.0.0.1 to stay on loopback\n");
}

/* A line read by fgets() without its '\n'. */
static inline void strip_newline(char *line) {
  line[strcspn(line, "\n")] = '\0';
}

/* The length of `len` bytes of text without one trailing '\n', for printing a line received. */
static inline int without_newline(const char *text, size_t len) {
  return (int)(len > 0 && text[len - 1] == '\n' ? len - 1 : len);
}
