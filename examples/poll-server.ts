// poll-server: the select() server on poll(). The same one thread and the same calls, but the list
// of what to watch is an array of { fd, events } with no FD_SETSIZE ceiling and no highest-fd
// argument, and each entry comes back with its own revents. The C twin is c/poll-server.c; the
// next step is epoll-server (the list kept in the kernel). Its client is tcp-echo-client.
//
//   node dist/poll-server.js [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY)
import { AF_INET, poll, POLLIN, POLLOUT, SO_REUSEADDR, SOCK_STREAM, Socket, SocketError, SOL_SOCKET } from 'sockcall';

import { addressName, parseCommandLine, portArg, printListening, usage } from './cli';

const SERVER_PORT = 3005; //                                          #define SERVER_PORT 3005
const MAX_CLIENTS = 64; //                                            #define MAX_CLIENTS 64
const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'poll-server [port] [host] [--clients N]';

interface Client { //                                                 struct client
  sd: Socket; //                                                      int fd
  peer: string; //                                                    char peer[32]
  buf: Buffer; //                                                     char buf[BUFSIZ]: received, and being echoed
  len: number; //                                                     size_t len: bytes in buf
  off: number; //                                                     size_t off: bytes of them sent back
  echoed: number; //                                                  long echoed
}

const clients = new Map<Socket, Client>(); //                         static struct client clients[MAX_CLIENTS]

function closeClient(c: Client): void {
  c.sd.close(); //                                                    close(c->fd)
  clients.delete(c.sd); //                                            c->fd = -1; (*open)--
  console.log(`closed ${c.peer} after echoing ${c.echoed} bytes`); // printf("closed %s after echoing %ld bytes\n", ...)
}

const cl = parseCommandLine(2, true, USAGE);
const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '0.0.0.0';
if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE); //              inet_pton(AF_INET, host, ...) != 1

// 1. Initialise the socket for listening.
let sd: Socket | null = new Socket(AF_INET, SOCK_STREAM); //          int sd = socket(AF_INET, SOCK_STREAM, 0)
sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); //                        setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, ...)
sd.bind({ address: host, port }); //                                  bind(sd, &addr, sizeof(addr))
sd.listen(10); //                                                     listen(sd, 10)
printListening(sd.getsockname()); //                                  getsockname(sd, ...); print_listening(...)

let accepted = 0;
// Until the listener is closed (--clients reached) and the last client has gone.
while (sd !== null || clients.size > 0) { //                          while (sd != -1 || open > 0)
  const fds: { fd: Socket; events: number }[] = []; //                struct pollfd fds[1 + MAX_CLIENTS]; nfds_t n = 0
  if (sd !== null) fds.push({ fd: sd, events: POLLIN }); //           if (sd != -1) fds[n++] = (struct pollfd){sd, POLLIN, 0}
  for (const c of clients.values()) {
    // A client is read again only once its echo has gone back, so one that does not read its echo
    // is not read either: TCP's flow control then slows it down, not the server's memory.
    fds.push({ fd: c.sd, events: c.off < c.len ? POLLOUT : POLLIN }); // fds[n++] = (struct pollfd){c->fd, c->off < c->len ? POLLOUT : POLLIN, 0}
  }
  // No timeout: wait until something is ready. poll() returns the ready entries, each with its revents.
  const ready = poll(fds, null); //                                   poll(fds, n, -1)

  for (const { fd: s } of ready) { //                                 for (i = 0; i < n; i++) if (fds[i].revents)
    // 2. The listener readable: a new connection, which accept() takes without waiting.
    if (s === sd) { //                                                if (fds[i].fd == sd)
      const conn = sd.accept(); //                                    int fd = accept(sd, NULL, NULL)
      const peer = addressName(conn.getpeername()); //                getpeername(fd, &addr, &addrlen)
      if (clients.size === MAX_CLIENTS) { //                          if (j == MAX_CLIENTS)
        console.error(`too many clients: closing ${peer}`);
        conn.close(); //                                              close(fd)
      } else {
        clients.set(conn, { sd: conn, peer, buf: Buffer.alloc(BUFSIZ), len: 0, off: 0, echoed: 0 });
        console.log(`accepted ${peer}`); //                           printf("accepted %s\n", c->peer)
      }
      if (++accepted === cl.clients) { //                             if (++accepted == cl.clients)
        sd.close(); //                                                close(sd): enough clients, stop listening
        sd = null; //                                                 sd = -1
      }
      continue;
    }

    // 3. A client readable (data, its end, or an error: POLLHUP and POLLERR come unasked) or
    // writable (room for its echo).
    const c = clients.get(s)!; //                                     struct client *c = client_of(fds[i].fd)
    if (c.off === c.len) { //                                         if (c->off == c->len)
      let n = -1;
      try {
        n = c.sd.recvInto(c.buf); //                                  n = recv(c->fd, c->buf, sizeof(c->buf), 0)
      } catch (error) {
        if (!(error instanceof SocketError)) throw error;
        console.error(error.message); //                              if (n < 0) perror("recv")
      }
      if (n <= 0) {
        closeClient(c); //                                            if (n <= 0) close_client(c, &open)
      } else {
        c.len = n;
        c.off = 0;
      }
    } else { //                                                      else
      // Writable means some room, maybe not for all of it: send() says how much it took.
      try {
        const n = c.sd.send(c.buf.subarray(c.off, c.len)); //         n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL)
        c.off += n;
        c.echoed += n;
      } catch (error) {
        if (!(error instanceof SocketError)) throw error;
        console.error(error.message); //                              perror("send")
        closeClient(c); //                                            close_client(c, &open)
      }
    }
  }
}
