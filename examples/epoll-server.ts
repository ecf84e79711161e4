// epoll-server: the select() server (select-server.ts) on epoll(7). The kernel keeps the list of
// fds watched (ctl() changes it), and wait() returns only the ready ones, each with the fd it was
// added with: no list rebuilt and scanned on every turn. Level-triggered by default: a client is
// watched for EPOLLIN, then for EPOLLOUT while its echo goes back, and each event gets one call.
// With --edge (EPOLLET) each fd is added once for both, sockets are non-blocking, and each event
// gets calls until EAGAIN, since the next event comes only when something changes. The C twin is
// c/epoll-server.c; its client is tcp-echo-client.
//
//   node dist/epoll-server.js [port] [host] [--clients N] [--edge]     port 3005, host 0.0.0.0 (INADDR_ANY)
import {
  AF_INET,
  Epoll,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_CTL_MOD,
  EPOLLET,
  EPOLLIN,
  EPOLLOUT,
  SO_REUSEADDR,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  Socket,
  SocketError,
  SOL_SOCKET,
} from 'sockcall';

import { addressName, parseCommandLine, portArg, usage } from './cli';

const SERVER_PORT = 3005; //                                          #define SERVER_PORT 3005
const MAX_EVENTS = 64; //                                             #define MAX_EVENTS 64
// The clients are found by fd: no fd_set, but a table, and this is its size.
const MAX_FDS = 65536; //                                             #define MAX_FDS 65536
const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'epoll-server [port] [host] [--clients N] [--edge]';

interface Client { //                                                 struct client
  sd: Socket; //                                                      int fd
  peer: string; //                                                    char peer[32]
  buf: Buffer; //                                                     char buf[BUFSIZ]: received, and being echoed
  len: number; //                                                     size_t len: bytes in buf
  off: number; //                                                     size_t off: bytes of them sent back
  echoed: number; //                                                  long echoed
  watched: number; //                                                 uint32_t watched: level-triggered, EPOLLIN or EPOLLOUT
}

const clients = new Map<number, Client>(); //                         static struct client *clients[MAX_FDS]

/** A call on a non-blocking socket that would have had to wait. */
function wouldBlock(error: unknown): boolean {
  return error instanceof SocketError && error.code === 'EAGAIN';
}

function closeClient(c: Client): void {
  const fd = c.sd.fd; //                                              (the number, read before close() lets it go)
  // Closing the fd would remove it from the interest list only if no duplicate of it were open.
  ep.ctl(EPOLL_CTL_DEL, c.sd); //                                     epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL)
  c.sd.close(); //                                                    close(c->fd)
  clients.delete(fd); //                                              clients[c->fd] = NULL; open_clients--
  console.log(`closed ${c.peer} after echoing ${c.echoed} bytes`); // printf("closed %s after echoing %ld bytes\n", ...)
}

/** A client ready: level-triggered, one call; edge-triggered, calls until one would block. */
function serve(c: Client): void {
  do {
    if (c.off < c.len) {
      // Writable means some room, maybe not for all of it: send() says how much it took.
      let n: number;
      try {
        n = c.sd.send(c.buf.subarray(c.off, c.len)); //               n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL)
      } catch (error) {
        if (edge && wouldBlock(error)) return; //                     full: the next EPOLLOUT edge resumes it
        if (!(error instanceof SocketError)) throw error;
        console.error(error.message); //                              perror("send")
        closeClient(c);
        return;
      }
      c.off += n;
      c.echoed += n;
    } else {
      let n = -1;
      try {
        n = c.sd.recvInto(c.buf); //                                  n = recv(c->fd, c->buf, sizeof(c->buf), 0)
      } catch (error) {
        if (edge && wouldBlock(error)) return; //                     all read: the next EPOLLIN edge resumes it
        if (!(error instanceof SocketError)) throw error;
        console.error(error.message); //                              if (n < 0) perror("recv")
      }
      if (n <= 0) {
        closeClient(c);
        return;
      }
      c.len = n;
      c.off = 0;
    }
    if (!edge) {
      // A client is read again only once its echo has gone back, as in select-server.
      const want = c.off < c.len ? EPOLLOUT : EPOLLIN;
      if (want !== c.watched) {
        ep.ctl(EPOLL_CTL_MOD, c.sd, want); //                         epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev)
        c.watched = want;
      }
    }
  } while (edge);
}

// --edge is taken out before the common options are parsed.
const edgeAt = process.argv.indexOf('--edge', 2);
const edge = edgeAt >= 0;
if (edge) process.argv.splice(edgeAt, 1);
const cl = parseCommandLine(2, true, USAGE);
const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '0.0.0.0';
if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE); //              inet_pton(AF_INET, host, ...) != 1

// 1. Initialise the socket for listening (non-blocking when edge-triggered).
let sd: Socket | null = new Socket(AF_INET, SOCK_STREAM | (edge ? SOCK_NONBLOCK : 0)); // socket(AF_INET, SOCK_STREAM | ..., 0)
sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); //                        setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, ...)
sd.bind({ address: host, port }); //                                  bind(sd, &addr, sizeof(addr))
sd.listen(10); //                                                     listen(sd, 10)
console.log(`listening on ${addressName(sd.getsockname())}`); //      getsockname(sd, ...); printf("listening on %s\n", ...)

// 2. The epoll instance, watching the listener.
const ep = new Epoll(); //                                            ep = epoll_create1(EPOLL_CLOEXEC)
ep.ctl(EPOLL_CTL_ADD, sd, EPOLLIN | (edge ? EPOLLET : 0)); //         epoll_ctl(ep, EPOLL_CTL_ADD, sd, &ev)

let accepted = 0;
// Until the listener is closed (--clients reached) and the last client has gone.
while (sd !== null || clients.size > 0) { //                          while (sd != -1 || open_clients > 0)
  // No timeout: wait until something is ready.
  const events = ep.wait(MAX_EVENTS, null); //                        n = epoll_wait(ep, events, MAX_EVENTS, -1)
  for (const { fd } of events) { //                                   int fd = events[i].data.fd
    if (sd !== null && fd === sd.fd) { //                             if (fd == sd)
      // 3. The listener readable: a connection (edge-triggered: every one waiting, until EAGAIN).
      do {
        let conn: Socket;
        try {
          conn = sd.accept(edge ? SOCK_NONBLOCK : 0); //              conn = accept4(sd, NULL, NULL, edge ? SOCK_NONBLOCK : 0)
        } catch (error) {
          if (edge && wouldBlock(error)) break;
          throw error; //                                             die("accept4")
        }
        const peer = addressName(conn.getpeername()); //              getpeername(conn, &addr, &addrlen)
        if (conn.fd >= MAX_FDS) { //                                  if (conn >= MAX_FDS)
          console.error(`too many clients: closing ${peer}`);
          conn.close(); //                                            close(conn)
        } else {
          clients.set(conn.fd, { sd: conn, peer, buf: Buffer.alloc(BUFSIZ), len: 0, off: 0, echoed: 0, watched: EPOLLIN });
          console.log(`accepted ${peer}`); //                         printf("accepted %s\n", c->peer)
          // Edge-triggered: both directions at once, for good; level-triggered: reading first.
          ep.ctl(EPOLL_CTL_ADD, conn, edge ? EPOLLIN | EPOLLOUT | EPOLLET : EPOLLIN); // epoll_ctl(ep, EPOLL_CTL_ADD, conn, &cev)
        }
        if (++accepted === cl.clients) { //                           if (++accepted == cl.clients)
          // Enough clients: stop listening.
          ep.ctl(EPOLL_CTL_DEL, sd); //                               epoll_ctl(ep, EPOLL_CTL_DEL, sd, NULL)
          sd.close(); //                                              close(sd)
          sd = null; //                                               sd = -1
        }
      } while (edge && sd !== null);
    } else {
      // 4. A client readable (data, or its end) or writable (room for its echo).
      const c = clients.get(fd); //                                   else if (clients[fd] != NULL)
      if (c !== undefined) serve(c); //                               serve(clients[fd])
    }
  }
}
ep.close(); //                                                        close(ep)
