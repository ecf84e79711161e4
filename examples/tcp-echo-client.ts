// tcp-echo-client: IBM's connection-oriented client example: connect, send 250 bytes, recv over
// and over until all 250 are back, close. The C twin is c/tcp-echo-client.c. It is also the client
// of select-server and tcp-echo-promises-server.
//
//   node dist/tcp-echo-client.js port [host]     host 127.0.0.1; a name such as localhost is resolved
import { AF_INET, getaddrinfo, SOCK_STREAM, Socket } from 'sockcall';

import { addressName, fail, parseCommandLine, portArg, usage } from './cli';

const BUFFER_LENGTH = 250; //                                         #define BUFFER_LENGTH 250
const USAGE = 'tcp-echo-client port [host]';

const cl = parseCommandLine(2, false, USAGE);
if (cl.arg[0] === undefined) usage(USAGE);
const port = portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '127.0.0.1';

// IBM tries inet_addr() and falls back to gethostbyname() for a name: getaddrinfo() does both
// in one call (and throws a SocketError, code 'EAI_NONAME' and the like, when it fails).
const [res] = getaddrinfo(host, port, { family: AF_INET, type: SOCK_STREAM }); // getaddrinfo(host, port, &hints, &res)

const sd = new Socket(AF_INET, SOCK_STREAM); //                       sd = socket(AF_INET, SOCK_STREAM, 0)
sd.connect(res!.address); //                                          connect(sd, res->ai_addr, res->ai_addrlen)
console.log(`connected to ${addressName(res!.address)}`); //          printf("connected to %s\n", ...)

// IBM's client memsets 'a'; the alphabet over and over also shows a piece lost or out of order.
const buffer = Buffer.alloc(BUFFER_LENGTH); //                        char buffer[BUFFER_LENGTH]
for (let i = 0; i < BUFFER_LENGTH; i++) buffer[i] = 0x61 + (i % 26); // buffer[i] = 'a' + i % 26
const sent = sd.send(buffer); //                                      n = send(sd, buffer, sizeof(buffer), MSG_NOSIGNAL)
console.log(`sent ${sent} bytes`); //                                 printf("sent %zd bytes\n", n)

// TCP is a byte stream: the echo may come back in several pieces, so recv() until all are in.
let totalcnt = 0;
while (totalcnt < BUFFER_LENGTH) {
  const n = sd.recvInto(buffer.subarray(totalcnt)); //                n = recv(sd, &buffer[totalcnt], BUFFER_LENGTH - totalcnt, 0)
  if (n === 0) fail('the server closed the connection'); //           if (n == 0) fail(...)
  totalcnt += n;
}
console.log(`received ${totalcnt} bytes: ${buffer.toString('latin1', 0, totalcnt)}`); // printf("received %zu bytes: %.*s\n", ...)
sd.close(); //                                                        close(sd)
