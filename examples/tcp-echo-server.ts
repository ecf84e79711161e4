// tcp-echo-server: IBM's connection-oriented server example. For each client: accept, wait in
// select() (30 s) until its 250 bytes are in, take them with one recv() (SO_RCVLOWAT), echo them,
// close. The C twin is c/tcp-echo-server.c; its client is tcp-echo-client.
//
//   node dist/tcp-echo-server.js [port] [host] [--clients N]     port 3005, host 0.0.0.0 (INADDR_ANY)
import { AF_INET, select, SO_RCVLOWAT, SO_REUSEADDR, SOCK_STREAM, Socket, SOL_SOCKET } from 'sockcall';

import { addressName, fail, parseCommandLine, portArg, printListening, usage } from './cli';

const SERVER_PORT = 3005; //                                          #define SERVER_PORT 3005
const BUFFER_LENGTH = 250; //                                         #define BUFFER_LENGTH 250
const USAGE = 'tcp-echo-server [port] [host] [--clients N]';

const cl = parseCommandLine(2, true, USAGE);
const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '0.0.0.0';
if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE); //              inet_pton(AF_INET, host, ...) != 1

const sd = new Socket(AF_INET, SOCK_STREAM); //                       sd = socket(AF_INET, SOCK_STREAM, 0)
// A restarted server can bind its port again at once, TIME_WAIT or not.
sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); //                        setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, ...)
sd.bind({ address: host, port }); //                                  bind(sd, &serveraddr, sizeof(serveraddr))
sd.listen(10); //                                                     listen(sd, 10)
// Port 0 asks the kernel for a free port: getsockname() says which one.
printListening(sd.getsockname()); //                                  getsockname(sd, ...); print_listening(...)

for (let served = 0; served < cl.clients; served++) {
  const sd2 = sd.accept(); //                                         sd2 = accept(sd, NULL, NULL)
  console.log(`accepted ${addressName(sd2.getpeername())}`); //       getpeername(sd2, &peer, ...); printf("accepted %s\n", ...)

  // Before select(), not after, as IBM's example has it: then select() itself waits until
  // all 250 bytes are in. Set after it, Linux can leave a recv() that copied a first piece asleep
  // when the rest arrives (../docs/from-c.md, "SO_RCVLOWAT and select, measured").
  sd2.setsockopt(SOL_SOCKET, SO_RCVLOWAT, BUFFER_LENGTH); //          setsockopt(sd2, SOL_SOCKET, SO_RCVLOWAT, &length, ...)

  const ready = select([sd2], [], [], 30_000); //                     rc = select(sd2 + 1, &read_fd, NULL, NULL, &timeout)
  if (ready.read.length === 0) fail('select() timed out'); //         if (rc == 0) fail("select() timed out")

  const buffer = sd2.recv(BUFFER_LENGTH); //                          n = recv(sd2, buffer, sizeof(buffer), 0)
  console.log(`received ${buffer.length} bytes`); //                  printf("received %zd bytes\n", n)
  if (buffer.length < BUFFER_LENGTH) fail('the client closed the connection before all of the data was sent');

  const n = sd2.send(buffer); //                                      n = send(sd2, buffer, n, MSG_NOSIGNAL)
  console.log(`echoed ${n} bytes`); //                                printf("echoed %zd bytes\n", n)
  sd2.close(); //                                                     close(sd2)
}
sd.close(); //                                                        close(sd)
