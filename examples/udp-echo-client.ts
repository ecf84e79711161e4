// udp-echo-client: the datagram socket, client side: send each line of stdin as one
// datagram with sendto(), and print the echo recvfrom() gets back, and from whom. The C twin is
// c/udp-echo-client.c.
//
//   node dist/udp-echo-client.js port [host]     host 127.0.0.1; a name such as localhost is resolved
import { AF_INET, getaddrinfo, SO_RCVTIMEO, SOCK_DGRAM, Socket, SOL_SOCKET } from 'sockcall';

import { addressName, parseCommandLine, portArg, stdinLines, usage } from './cli';

const DATAGRAM_MAX = 65536; //                                        #define DATAGRAM_MAX 65536
const USAGE = 'udp-echo-client port [host]';

const cl = parseCommandLine(2, false, USAGE);
if (cl.arg[0] === undefined) usage(USAGE);
const port = portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '127.0.0.1';

const [res] = getaddrinfo(host, port, { family: AF_INET, type: SOCK_DGRAM }); // getaddrinfo(host, port, &hints, &res)
const sd = new Socket(AF_INET, SOCK_DGRAM); //                        sd = socket(AF_INET, SOCK_DGRAM, 0)
// UDP never sends a lost datagram again: without a timeout, a lost echo would leave recvfrom()
// waiting for ever. With it, recvfrom() fails with EAGAIN after 5 s.
sd.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5_000); //                     setsockopt(sd, SOL_SOCKET, SO_RCVTIMEO, &timeout, ...)
console.log(`sending to ${addressName(res!.address)}`); //            printf("sending to %s\n", ...)

for (const line of stdinLines()) { //                                 while (fgets(line, sizeof(line), stdin) != NULL)
  // A datagram keeps its bounds: the line goes without its '\n' and comes back whole.
  sd.sendto(line, res!.address); //                                   sendto(sd, line, strlen(line), MSG_NOSIGNAL, res->ai_addr, ...)
  const { data, address: from } = sd.recvfrom(DATAGRAM_MAX); //       n = recvfrom(sd, buf, sizeof(buf), 0, &from, &fromlen)
  console.log(`received from ${addressName(from!)}: ${data.toString()}`); // printf("received from %s: %.*s\n", ...)
}
sd.close(); //                                                        close(sd)
