// udp-echo-server: a datagram socket (SOCK_DGRAM). No listen, no accept, no connection:
// each recvfrom() takes one whole datagram and says who sent it, and sendto() answers that address.
// The C twin is c/udp-echo-server.c; its client is udp-echo-client.
//
//   node dist/udp-echo-server.js [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY);
//                                                                N counts datagrams: each is its own client
import { AF_INET, SOCK_DGRAM, Socket } from 'sockcall';

import { addressName, parseCommandLine, portArg, printListening, usage } from './cli';

const SERVER_PORT = 3005; //                                          #define SERVER_PORT 3005
// The largest datagram UDP carries over IPv4 is 65507 bytes; a smaller buffer cuts longer ones.
const DATAGRAM_MAX = 65536; //                                        #define DATAGRAM_MAX 65536
const USAGE = 'udp-echo-server [port] [host] [--clients N]';

const cl = parseCommandLine(2, true, USAGE);
const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '0.0.0.0';
if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE); //              inet_pton(AF_INET, host, ...) != 1

const sd = new Socket(AF_INET, SOCK_DGRAM); //                        sd = socket(AF_INET, SOCK_DGRAM, 0)
sd.bind({ address: host, port }); //                                  bind(sd, &addr, sizeof(addr))
printListening(sd.getsockname()); //                                  getsockname(sd, ...); print_listening(...)

for (let served = 0; served < cl.clients; served++) {
  const { data, address: from } = sd.recvfrom(DATAGRAM_MAX); //       n = recvfrom(sd, buf, sizeof(buf), 0, &from, &fromlen)
  sd.sendto(data, from!); //                                          sendto(sd, buf, n, MSG_NOSIGNAL, &from, fromlen)
  console.log(`echoed ${data.length} bytes to ${addressName(from!)}`); // printf("echoed %zd bytes to %s\n", ...)
}
sd.close(); //                                                        close(sd)
