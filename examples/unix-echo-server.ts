// unix-echo-server: a Unix-domain stream socket (AF_UNIX): the stream calls of TCP, with a path
// in the file system as the address and no network in between. Each client's bytes are echoed
// until it closes. The C twin is c/unix-echo-server.c; its clients are unix-echo-client and
// flags-client.
//
//   node dist/unix-echo-server.js [path] [--clients N]     path /tmp/unix-echo.sock
import { lstatSync, unlinkSync } from 'node:fs';

import { AF_UNIX, SOCK_STREAM, Socket } from 'sockcall';

import { parseCommandLine } from './cli';

const SERVER_PATH = '/tmp/unix-echo.sock'; //                         #define SERVER_PATH "/tmp/unix-echo.sock"
const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'unix-echo-server [path] [--clients N]';

const cl = parseCommandLine(1, true, USAGE);
const path = cl.arg[0] ?? SERVER_PATH;

const sd = new Socket(AF_UNIX, SOCK_STREAM); //                       sd = socket(AF_UNIX, SOCK_STREAM, 0)
// bind() creates the socket file and fails with EADDRINUSE if the path exists, as it does after a
// server that was killed: remove a socket left there, and nothing else.
if (lstatSync(path, { throwIfNoEntry: false })?.isSocket()) unlinkSync(path); // if (lstat(...) == 0 && S_ISSOCK(...)) unlink(path)
sd.bind({ path }); //                                                 bind(sd, &addr, sizeof(addr))
sd.listen(10); //                                                     listen(sd, 10)
console.log(`listening on ${path}`); //                               printf("listening on %s\n", path)

for (let served = 0; served < cl.clients; served++) {
  // A Unix client is usually unnamed (it never called bind): there is no address to print.
  const sd2 = sd.accept(); //                                         sd2 = accept(sd, NULL, NULL)
  console.log('accepted a client'); //                                printf("accepted a client\n")
  for (;;) {
    const buf = sd2.recv(BUFSIZ); //                                  n = recv(sd2, buf, sizeof(buf), 0)
    if (buf.length === 0) break; //                                   while (n > 0)
    // A send() on a stream socket may take less than it is given: sendAll() calls it until all has gone.
    sd2.sendAll(buf); //                                              for (...) sent = send(sd2, buf + off, n - off, MSG_NOSIGNAL)
    console.log(`echoed ${buf.length} bytes`); //                     printf("echoed %zd bytes\n", n)
  }
  sd2.close(); //                                                     close(sd2)
  console.log('client closed'); //                                    printf("client closed\n")
}
sd.close(); //                                                        close(sd)
// The socket file outlives the socket: remove it.
unlinkSync(path); //                                                  unlink(path)
