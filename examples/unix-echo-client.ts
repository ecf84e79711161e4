// unix-echo-client: the Unix-domain socket, client side: connect to the server's path,
// send each line of stdin and print its echo. The C twin is c/unix-echo-client.c.
//
//   node dist/unix-echo-client.js path
import { AF_UNIX, SOCK_STREAM, Socket } from 'sockcall';

import { fail, parseCommandLine, stdinLines, usage, withoutNewline } from './cli';

const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'unix-echo-client path';

const cl = parseCommandLine(1, false, USAGE);
if (cl.arg[0] === undefined) usage(USAGE);
const path = cl.arg[0];

const sd = new Socket(AF_UNIX, SOCK_STREAM); //                       sd = socket(AF_UNIX, SOCK_STREAM, 0)
sd.connect({ path }); //                                              connect(sd, &addr, sizeof(addr))
console.log(`connected to ${path}`); //                               printf("connected to %s\n", path)

const buf = Buffer.alloc(BUFSIZ); //                                  char buf[BUFSIZ]
for (const line of stdinLines()) { //                                 while (fgets(buf, sizeof(buf) - 1, stdin) != NULL)
  const sent = buf.write(`${line}\n`); //                             strcat(buf, "\n"); sent = strlen(buf)
  sd.send(buf.subarray(0, sent)); //                                  send(sd, buf, sent, MSG_NOSIGNAL)
  // A stream, as TCP: the echo may come back in pieces.
  let len = 0;
  while (len < sent) {
    const n = sd.recvInto(buf.subarray(len, sent)); //                n = recv(sd, buf + len, sent - len, 0)
    if (n === 0) fail('the server closed the connection');
    len += n;
  }
  console.log(`received: ${withoutNewline(buf.toString('utf8', 0, len))}`); // printf("received: %.*s\n", ...)
}
sd.close(); //                                                        close(sd)
