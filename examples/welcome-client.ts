// welcome-client: the welcome server's client: print the server's welcome line, then
// send each line of stdin and print its echo, until "quit" or the end of stdin. The C twin is
// c/welcome-client.c.
//
//   node dist/welcome-client.js port [host]     host 127.0.0.1; a name such as localhost is resolved
import { AF_INET, getaddrinfo, SOCK_STREAM, Socket } from 'sockcall';

import { addressName, fail, parseCommandLine, portArg, stdinLines, usage, withoutNewline } from './cli';

const BUFSIZ = 8192; //                                               BUFSIZ in glibc's <stdio.h>
const USAGE = 'welcome-client port [host]';

const cl = parseCommandLine(2, false, USAGE);
if (cl.arg[0] === undefined) usage(USAGE);
const port = portArg(cl.arg[0], USAGE);
const host = cl.arg[1] ?? '127.0.0.1';

const [res] = getaddrinfo(host, port, { family: AF_INET, type: SOCK_STREAM }); // getaddrinfo(host, port, &hints, &res)
const clientSockfd = new Socket(AF_INET, SOCK_STREAM); //             client_sockfd = socket(PF_INET, SOCK_STREAM, 0)
clientSockfd.connect(res!.address); //                                connect(client_sockfd, res->ai_addr, res->ai_addrlen)
console.log(`connected to ${addressName(res!.address)}`); //          printf("connected to %s\n", ...)

// The welcome line: the original takes one recv() as all of it, but TCP may deliver it in pieces.
const buf = Buffer.alloc(BUFSIZ); //                                  char buf[BUFSIZ]
let len = 0;
do {
  const n = clientSockfd.recvInto(buf.subarray(len)); //              n = recv(client_sockfd, buf + len, sizeof(buf) - len, 0)
  if (n === 0) fail('the server closed the connection');
  len += n;
} while (buf[len - 1] !== 0x0a && len < BUFSIZ); //                   while (buf[len - 1] != '\n' && len < sizeof(buf))
process.stdout.write(buf.subarray(0, len)); //                        printf("%.*s", (int)len, buf)

for (const line of stdinLines()) { //                                 while (fgets(buf, sizeof(buf) - 1, stdin) != NULL)
  if (line === 'quit') break; //                                      if (strcmp(buf, "quit") == 0) break
  const sent = buf.write(`${line}\n`); //                             strcat(buf, "\n"); sent = strlen(buf)
  clientSockfd.send(buf.subarray(0, sent)); //                        send(client_sockfd, buf, sent, MSG_NOSIGNAL)
  // The echo is as long as what went out; it too may come back in pieces.
  for (len = 0; len < sent; ) {
    const n = clientSockfd.recvInto(buf.subarray(len, sent)); //      n = recv(client_sockfd, buf + len, sent - len, 0)
    if (n === 0) fail('the server closed the connection');
    len += n;
  }
  console.log(`received: ${withoutNewline(buf.toString('utf8', 0, len))}`); // printf("received: %.*s\n", ...)
}
clientSockfd.close(); //                                              close(client_sockfd)
