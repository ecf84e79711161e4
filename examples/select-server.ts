// select-server: the classic select() server. One thread serves every client at once: select() says
// which sockets are ready (the listener readable: a connection to accept; a client readable: data,
// or its end; a client writable: room to send its echo), and each ready socket gets one call that
// will not block. The C twin is c/select-server.c; its client is tcp-echo-client (the
// model's client is IBM's client).
//
//   node dist/select-server.js [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY)
import { AF_INET, select, SO_REUSEADDR, SOCK_STREAM, Socket, SocketError, SOL_SOCKET } from 'sockcall';

import { addressName, parseCommandLine, portArg, printListening, usage } from './cli';

const SERVER_PORT = 3005; //                                          #define SERVER_PORT 3005
// Far below FD_SETSIZE (1024), the highest fd select() can watch.
const MAX_CLIENTS = 64; //                                            #define MAX_CLIENTS 64
const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'select-server [port] [host] [--clients N]';

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
  const rd: Socket[] = []; //                                         fd_set rd; FD_ZERO(&rd)
  const wr: Socket[] = []; //                                         fd_set wr; FD_ZERO(&wr)
  if (sd !== null) rd.push(sd); //                                    if (sd != -1) FD_SET(sd, &rd)
  for (const c of clients.values()) {
    // A client is read again only once its echo has gone back, so one that does not read its echo
    // is not read either: TCP's flow control then slows it down, not the server's memory.
    (c.off < c.len ? wr : rd).push(c.sd); //                          FD_SET(c->fd, c->off < c->len ? &wr : &rd)
  }
  // No timeout: wait until something is ready. select() returns the very Socket objects it was given.
  const ready = select(rd, wr, [], null); //                          select(maxfd + 1, &rd, &wr, NULL, NULL)
  const readable = new Set(ready.read);
  const writable = new Set(ready.write);

  // 2. The listener readable: a new connection, which accept() takes without waiting.
  if (sd !== null && readable.has(sd)) { //                           if (sd != -1 && FD_ISSET(sd, &rd))
    const conn = sd.accept(); //                                      int fd = accept(sd, NULL, NULL)
    const peer = addressName(conn.getpeername()); //                  getpeername(fd, &addr, &addrlen)
    if (clients.size === MAX_CLIENTS) { //                            if (i == MAX_CLIENTS)
      console.error(`too many clients: closing ${peer}`);
      conn.close(); //                                                close(fd)
    } else {
      clients.set(conn, { sd: conn, peer, buf: Buffer.alloc(BUFSIZ), len: 0, off: 0, echoed: 0 });
      console.log(`accepted ${peer}`); //                             printf("accepted %s\n", c->peer)
    }
    if (++accepted === cl.clients) { //                               if (++accepted == cl.clients)
      sd.close(); //                                                  close(sd): enough clients, stop listening
      sd = null; //                                                   sd = -1
    }
  }

  // 3. Clients readable (data, or the end of it) or writable (room for their echo).
  for (const c of clients.values()) {
    if (readable.has(c.sd)) { //                                      if (FD_ISSET(c->fd, &rd))
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
    } else if (writable.has(c.sd)) { //                               else if (FD_ISSET(c->fd, &wr))
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
