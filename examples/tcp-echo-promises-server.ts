// tcp-echo-promises-server: the classic concurrent server with the promise flavour. One thread
// serves every client at once: an accept loop, and one async echo loop per client, each waiting on
// Node's event loop instead of blocking the thread. Its client is tcp-echo-client.
//
// The C twin, c/tcp-echo-promises-server.c, is C's classic concurrent server instead: it fork()s a
// process per client. Same command line, same output, same behaviour seen from the network.
//
//   node dist/tcp-echo-promises-server.js [port] [host] [--clients N]     port 3005, host 0.0.0.0
import { AF_INET, SO_REUSEADDR, SOCK_STREAM, Socket, SocketError, SOL_SOCKET } from 'sockcall/promises';

import { addressName, parseCommandLine, portArg, printListening, usage } from './cli';

const SERVER_PORT = 3005; //                                          #define SERVER_PORT 3005
const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'tcp-echo-promises-server [port] [host] [--clients N]';

// One client, echoed until it closes (the C child's echo()).
async function echo(conn: Socket, peer: string): Promise<void> {
  let echoed = 0;
  try {
    for (;;) {
      const buf = await conn.recv(BUFSIZ); //                         n = recv(fd, buf, sizeof(buf), 0)
      if (buf.length === 0) break; //                                 if (n == 0) break: the client closed its end
      await conn.sendAll(buf); //                                     send_all(fd, buf, n)
      echoed += buf.length;
    }
  } catch (error) {
    if (!(error instanceof SocketError)) throw error;
    console.error(error.message); //                                  perror("recv") / perror("send")
    process.exitCode = 1; //                                          status = 1
  }
  conn.close(); //                                                    close(fd)
  console.log(`closed ${peer} after echoing ${echoed} bytes`); //     printf("closed %s after echoing %ld bytes\n", ...)
}

async function main(): Promise<void> {
  const cl = parseCommandLine(2, true, USAGE);
  const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
  const host = cl.arg[1] ?? '0.0.0.0';
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE); //            inet_pton(AF_INET, host, ...) != 1

  const sd = new Socket(AF_INET, SOCK_STREAM); //                     sd = socket(AF_INET, SOCK_STREAM, 0), non-blocking
  sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); //                      setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, ...)
  sd.bind({ address: host, port }); //                                bind(sd, &addr, sizeof(addr))
  sd.listen(10); //                                                   listen(sd, 10)
  printListening(sd.getsockname()); //                                getsockname(sd, ...); print_listening(...)

  const serving = new Set<Promise<void>>(); //                        the children, reaped by reap()
  for (let served = 0; served < cl.clients; served++) {
    const conn = await sd.accept(); //                                fd = accept(sd, NULL, NULL)
    const peer = addressName(conn.getpeername()); //                  getpeername(fd, &addr, &addrlen)
    console.log(`accepted ${peer}`); //                               printf("accepted %s\n", ...)
    // Not awaited: the next accept() waits while this client is served.
    const client = echo(conn, peer).finally(() => serving.delete(client)); // if (fork() == 0) exit(echo(fd, ...))
    serving.add(client);
  }
  sd.close(); //                                                      close(sd)
  await Promise.all(serving); //                                      reap(1): wait for every child
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
