// flags-client: three recv() flags of the classic list, each where it earns its keep, against
// unix-echo-server (which echoes each piece it receives as it comes):
//
//   MSG_DONTWAIT  this one call does not block: with nothing to read it fails at once with EAGAIN;
//   MSG_PEEK      look at what has arrived without taking it: the next recv() gets it again;
//   MSG_WAITALL   wait until the whole length asked for is in, even when it comes in pieces.
//
// The C twin is c/flags-client.c.
//
//   node dist/flags-client.js path
import { AF_UNIX, MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, SOCK_STREAM, Socket, SocketError } from 'sockcall';

import { fail, parseCommandLine, usage, withoutNewline } from './cli';

const FIRST = 'hello, '; //                                           #define FIRST "hello, "
const SECOND = 'world\n'; //                                          #define SECOND "world\n"
const USAGE = 'flags-client path';

const cl = parseCommandLine(1, false, USAGE);
if (cl.arg[0] === undefined) usage(USAGE);
const path = cl.arg[0];

const sd = new Socket(AF_UNIX, SOCK_STREAM); //                       sd = socket(AF_UNIX, SOCK_STREAM, 0)
sd.connect({ path }); //                                              connect(sd, &addr, sizeof(addr))
console.log(`connected to ${path}`); //                               printf("connected to %s\n", path)

// The server sends nothing first: a plain recv() would wait here for ever.
try {
  sd.recv(1, MSG_DONTWAIT); //                                        n = recv(sd, buf, 1, MSG_DONTWAIT)
  fail('MSG_DONTWAIT: data before anything was sent'); //             if (n >= 0) fail(...)
} catch (error) {
  if (!(error instanceof SocketError && error.code === 'EAGAIN')) throw error; // if (errno != EAGAIN) die("recv")
}
console.log('MSG_DONTWAIT: recv() = -1 EAGAIN: nothing to read yet');

sd.send(FIRST); //                                                    send(sd, FIRST, strlen(FIRST), MSG_NOSIGNAL)
// Waits for the echo of the first piece, and leaves it in the queue.
const peeked = sd.recv(5, MSG_PEEK); //                               n = recv(sd, buf, 5, MSG_PEEK)
console.log(`MSG_PEEK: recv() = ${peeked.length}: ${peeked.toString()} (left in the queue)`);

sd.send(SECOND); //                                                   send(sd, SECOND, strlen(SECOND), MSG_NOSIGNAL)
// Both echoes in one call, the peeked bytes first. The server echoes the second piece on its own,
// maybe after this call began: without MSG_WAITALL it could return the first 7 bytes.
const both = sd.recv(FIRST.length + SECOND.length, MSG_WAITALL); //   n = recv(sd, buf, strlen(FIRST SECOND), MSG_WAITALL)
console.log(`MSG_WAITALL: recv() = ${both.length}: ${withoutNewline(both.toString())}`);
sd.close(); //                                                        close(sd)
