// static-server: the files of a directory over HTTP/1.1, each body sent with sendfile(2): the
// kernel copies it from the page cache to the socket, and the program never holds a byte of it.
// One connection at a time, as tcp-echo-server: each request read up to its blank line; GET or
// HEAD of a regular file under DIR is 200 with Content-Length, the header sent with MSG_MORE so
// that it leaves in one segment with the body's start, then the body by sendfileAll (C's sendfile()
// loop); a missing file is 404, a path with a ".." segment 403 (it would leave DIR), another method
// 405, a malformed request 400. Keep-alive as HTTP/1.1 has it: the connection serves requests until
// the client says "Connection: close" (or speaks HTTP/1.0 without keep-alive), closes, or is
// silent for 5 s (SO_RCVTIMEO). Symbolic links under DIR are followed.
// The C twin is c/static-server.c; its client is any HTTP client (curl).
//
//   node dist/static-server.js dir [port] [host] [--clients N]     port 8080, host 127.0.0.1 (loopback only);
//                                                                  N counts connections
import { closeSync, fstatSync, openSync } from 'node:fs';

import { AF_INET, MSG_MORE, SO_RCVTIMEO, SO_REUSEADDR, SOCK_STREAM, Socket, SocketError, SOL_SOCKET } from 'sockcall';

import { addressName, parseCommandLine, portArg, printListening, usage } from './cli';

const SERVER_PORT = 8080; //                                          #define SERVER_PORT 8080
const HEAD_MAX = 8192; //                                             #define HEAD_MAX 8192: a longer head is 400
const IDLE_MS = 5000; //                                              #define IDLE_SECONDS 5
const USAGE = 'static-server dir [port] [host] [--clients N]';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

/** The Content-Type for a file name, by its extension. */
function contentType(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && TYPES[name.slice(dot)]) || 'application/octet-stream';
}

/** The status line and headers, with MSG_MORE when a body follows them. */
function sendHead(sd: Socket, status: number, reason: string, length: number, type: string, keepAlive: boolean, more: boolean): void {
  const head =
    `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${length}\r\nContent-Type: ${type}\r\n` +
    `${status === 405 ? 'Allow: GET, HEAD\r\n' : ''}${keepAlive ? '' : 'Connection: close\r\n'}\r\n`;
  sd.sendAll(head, more ? MSG_MORE : 0); //                           send_all(sd, head, n, MSG_MORE | MSG_NOSIGNAL)
}

/** An error page: its status line as the body, in text. */
function sendError(sd: Socket, status: number, reason: string, headOnly: boolean, keepAlive: boolean): void {
  const body = `${status} ${reason}\n`;
  sendHead(sd, status, reason, body.length, 'text/plain; charset=utf-8', keepAlive, !headOnly);
  if (!headOnly) sd.sendAll(body);
}

/** The request target as a path: the query cut off, %XX decoded; or 400 / 403 for one refused. */
function targetPath(target: string): string | 400 | 403 {
  if (!target.startsWith('/')) return 400;
  const bytes: number[] = [];
  const raw = Buffer.from(target.split(/[?#]/, 1)[0]!, 'latin1');
  for (let i = 0; i < raw.length; i++) {
    let c = raw[i]!;
    if (c === 0x25) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return 400;
      c = parseInt(hex, 16);
      if (c === 0) return 400; //                                      a NUL would cut the path short
      i += 2;
    }
    bytes.push(c);
  }
  const path = Buffer.from(bytes).toString('latin1');
  // A ".." segment would climb out of DIR.
  if (path.split('/').includes('..')) return 403;
  return path;
}

/** One request, its head without the blank line. True: keep the connection; false: close it. */
function serveRequest(sd2: Socket, dir: string, head: string): boolean {
  const [requestLine = '', ...headers] = head.split('\r\n');
  const [method, target, version] = requestLine.split(' ').filter((word) => word !== ''); // sscanf(head, "%15s %8191s %15s", ...)
  if (method === undefined || target === undefined || version === undefined || !version.startsWith('HTTP/1.')) {
    console.log('? ? 400');
    sendError(sd2, 400, 'Bad Request', false, false);
    return false;
  }
  // HTTP/1.1 keeps the connection open unless told to close; HTTP/1.0 closes unless told not to.
  let keepAlive = version === 'HTTP/1.1';
  for (const line of headers) {
    if (line.slice(0, 11).toLowerCase() !== 'connection:') continue;
    const value = line.slice(11).toLowerCase();
    if (value.includes('close')) keepAlive = false;
    else if (value.includes('keep-alive')) keepAlive = true;
  }
  const headOnly = method === 'HEAD';
  if (!headOnly && method !== 'GET') {
    console.log(`${method} ${target} 405`);
    sendError(sd2, 405, 'Method Not Allowed', false, keepAlive);
    return keepAlive;
  }
  const path = targetPath(target);
  if (path === 400) {
    console.log(`${method} ${target} 400`);
    sendError(sd2, 400, 'Bad Request', headOnly, false);
    return false;
  }
  if (path === 403) {
    console.log(`${method} ${target} 403`);
    sendError(sd2, 403, 'Forbidden', headOnly, keepAlive);
    return keepAlive;
  }
  const file = `${dir}${path}${path.endsWith('/') ? 'index.html' : ''}`;

  let fd = -1;
  let size = 0;
  let forbidden = false;
  try {
    fd = openSync(file, 'r'); //                                      fd = open(file, O_RDONLY | O_CLOEXEC)
    const st = fstatSync(fd); //                                      fstat(fd, &st)
    if (!st.isFile()) {
      closeSync(fd);
      fd = -1;
    }
    size = st.size;
  } catch (error) {
    forbidden = (error as NodeJS.ErrnoException).code === 'EACCES';
  }
  if (fd < 0) {
    console.log(`${method} ${target} ${forbidden ? 403 : 404}`);
    if (forbidden) sendError(sd2, 403, 'Forbidden', headOnly, keepAlive);
    else sendError(sd2, 404, 'Not Found', headOnly, keepAlive);
    return keepAlive;
  }
  let sent = 0;
  try {
    sendHead(sd2, 200, 'OK', size, contentType(file), keepAlive, !headOnly);
    // The C loop: while (offset < size) sendfile(sd2, fd, &offset, size - offset), until 0 at the
    // end of a file that shrank since fstat() (the body is short then, so the connection ends).
    if (!headOnly) sent = sd2.sendfileAll(fd, 0, size);
  } finally {
    closeSync(fd); //                                                 close(fd)
  }
  console.log(`${method} ${target} 200 ${sent}`);
  return sent === (headOnly ? 0 : size) && keepAlive;
}

/** A connection's requests, until it closes, goes idle, or asks to close. */
function serveConnection(sd2: Socket, dir: string): void {
  let buf = Buffer.alloc(0);
  for (;;) {
    let end: number;
    while ((end = buf.indexOf('\r\n\r\n')) < 0) {
      if (buf.length >= HEAD_MAX) {
        console.log('? ? 400');
        sendError(sd2, 400, 'Bad Request', false, false);
        return;
      }
      let chunk: Buffer;
      try {
        chunk = sd2.recv(HEAD_MAX - buf.length); //                   n = recv(sd2, buf + used, HEAD_MAX - used, 0)
      } catch (error) {
        if (error instanceof SocketError && error.code === 'EAGAIN') return; // silent for IDLE_SECONDS
        throw error;
      }
      if (chunk.length === 0) return; //                              the client closed
      buf = Buffer.concat([buf, chunk]);
    }
    const keep = serveRequest(sd2, dir, buf.subarray(0, end).toString('latin1'));
    // Pipelined requests: what came after this one's head is the next one's start.
    buf = buf.subarray(end + 4);
    if (!keep) return;
  }
}

const cl = parseCommandLine(3, true, USAGE);
if (cl.arg[0] === undefined) usage(USAGE);
const dir = cl.arg[0];
const port = cl.arg[1] === undefined ? SERVER_PORT : portArg(cl.arg[1], USAGE);
const host = cl.arg[2] ?? '127.0.0.1';
if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE); //              inet_pton(AF_INET, host, ...) != 1

// sendfile() has no MSG_NOSIGNAL, but Node ignores SIGPIPE in every process (the C twin does so
// itself): a client gone mid-body is an EPIPE error, not a signal that kills the server.
const sd = new Socket(AF_INET, SOCK_STREAM); //                       sd = socket(AF_INET, SOCK_STREAM, 0)
sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1); //                        setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, ...)
sd.bind({ address: host, port }); //                                  bind(sd, &serveraddr, sizeof(serveraddr))
sd.listen(10); //                                                     listen(sd, 10)
printListening(sd.getsockname()); //                                  getsockname(sd, ...); print_listening(...)

for (let served = 0; served < cl.clients; served++) {
  const sd2 = sd.accept(); //                                         sd2 = accept(sd, NULL, NULL)
  console.log(`accepted ${addressName(sd2.getpeername())}`); //       printf("accepted %s\n", ...)
  sd2.setsockopt(SOL_SOCKET, SO_RCVTIMEO, IDLE_MS); //                setsockopt(sd2, SOL_SOCKET, SO_RCVTIMEO, &idle, ...)
  try {
    serveConnection(sd2, dir);
  } catch (error) {
    if (!(error instanceof SocketError)) throw error;
    console.error(error.message); //                                  perror("send"), perror("sendfile"), perror("recv")
  }
  sd2.close(); //                                                     close(sd2)
}
sd.close(); //                                                        close(sd)
