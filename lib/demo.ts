// `npm run demo`: IBM's connection-oriented server and client example end to end. The server runs on
// the main thread, blocking exactly as the C does; the client runs in a worker thread, so the two
// really are concurrent. Every step is printed as it happens.
//
//   node dist/demo.js [port] [host]     (default port 3005, as in IBM's example; host 127.0.0.1)
import { writeSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import {
  AF_INET,
  getaddrinfo,
  select,
  SO_RCVLOWAT,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SOCK_STREAM,
  Socket,
  SocketError,
  SOL_SOCKET,
} from './index';

const BUFFER_LENGTH = 250;

// Written straight to fd 1 from either thread: process.stdout in a worker is relayed through the
// main thread, which is blocked in accept/select/recv, so the steps would come out of order.
function log(who: string, text: string): void {
  writeSync(1, `${who.padEnd(6)} ${text}\n`);
}

function server(requestedPort: number, host: string): void {
  const sd = new Socket(AF_INET, SOCK_STREAM);
  log('server', `socket(AF_INET, SOCK_STREAM, 0) = ${sd.fd}`);
  sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  log('server', `setsockopt(${sd.fd}, SOL_SOCKET, SO_REUSEADDR, 1)`);
  try {
    sd.bind({ address: '0.0.0.0', port: requestedPort });
  } catch (error) {
    if (!(error instanceof SocketError && error.code === 'EADDRINUSE')) throw error;
    log('server', `bind: ${error.message}; taking a free port instead (port 0)`);
    sd.bind({ address: '0.0.0.0', port: 0 });
  }
  const { port } = sd.getsockname() as { port: number };
  log('server', `bind(${sd.fd}, 0.0.0.0:${port})`);
  sd.listen(10);
  log('server', `listen(${sd.fd}, 10)`);

  const client = new Worker(__filename, { workerData: { port, host } });
  client.on('error', (error) => {
    log('client', `failed: ${error.message}`);
    process.exitCode = 1;
  });

  // Not in IBM's example: if the client thread fails, accept() would wait forever (a JS thread blocked in
  // a syscall cannot be interrupted). SO_RCVTIMEO bounds it, accept honours it.
  sd.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 30_000);
  log('server', 'accept(): waiting for the client (at most 30 s) ...');
  const sd2 = sd.accept();
  const peer = sd2.getpeername() as { address: string; port: number };
  log('server', `accept(${sd.fd}) = ${sd2.fd}, from ${peer.address}:${peer.port}`);

  // SO_RCVLOWAT goes on before select(), not after it as IBM's prose orders the steps: then
  // select() itself waits until all 250 bytes are there, and the one recv() takes them at once.
  // Set after select(), Linux lets a blocking recv() that has copied the first piece sleep until its
  // timeout even when the rest arrives, because the wake-up test counts only bytes not yet copied
  // (seen on 6.x kernels; the same C program shows it).
  sd2.setsockopt(SOL_SOCKET, SO_RCVLOWAT, BUFFER_LENGTH);
  log('server', `setsockopt(${sd2.fd}, SOL_SOCKET, SO_RCVLOWAT, ${BUFFER_LENGTH})`);
  const ready = select([sd2], [], [], 30_000);
  if (ready.read.length === 0) throw new Error('select() timed out after 30 s');
  log('server', `select([${sd2.fd}], [], [], 30 s): ${sd2.fd} is readable (${BUFFER_LENGTH} bytes are in)`);
  const data = sd2.recv(BUFFER_LENGTH);
  log('server', `recv(${sd2.fd}, ${BUFFER_LENGTH}) = ${data.length} bytes in one call (SO_RCVLOWAT)`);
  const sent = sd2.send(data);
  log('server', `send(${sd2.fd}, ${data.length} bytes) = ${sent}`);
  sd2.close();
  sd.close();
  log('server', 'close() both sockets');
}

function clientMain(port: number, host: string): void {
  // "If the server string is not dotted decimal, resolve it by name": getaddrinfo does both.
  const [first] = getaddrinfo(host, port, { family: AF_INET, type: SOCK_STREAM });
  if (!first) throw new Error(`no address for ${host}`);
  const address = first.address as { address: string; port: number };
  log('client', `getaddrinfo("${host}", ${port}) = ${address.address}:${address.port}`);
  const sd = new Socket(AF_INET, SOCK_STREAM);
  log('client', `socket(AF_INET, SOCK_STREAM, 0) = ${sd.fd}`);
  sd.connect(address);
  log('client', `connect(${sd.fd}, ${address.address}:${address.port}) = 0`);
  // Sent in two pieces with a pause, so the server's single recv shows SO_RCVLOWAT at work.
  const buffer = Buffer.alloc(BUFFER_LENGTH, 'a');
  const firstPiece = sd.send(buffer.subarray(0, 100));
  log('client', `send(${sd.fd}, 100 bytes) = ${firstPiece}`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  const secondPiece = sd.send(buffer.subarray(100));
  log('client', `send(${sd.fd}, 150 bytes) = ${secondPiece} (after 200 ms)`);
  let total = 0;
  while (total < BUFFER_LENGTH) {
    const echoed = sd.recv(BUFFER_LENGTH - total);
    log('client', `recv(${sd.fd}) = ${echoed.length} bytes`);
    if (echoed.length === 0) throw new Error('the server closed before echoing everything');
    total += echoed.length;
  }
  log('client', `all ${total} bytes echoed back`);
  sd.close();
  log('client', 'close()');
  parentPort?.postMessage('done');
}

if (isMainThread) {
  const port = process.argv[2] === undefined ? 3005 : Number(process.argv[2]);
  const host = process.argv[3] ?? '127.0.0.1';
  server(port, host);
} else {
  const { port, host } = workerData as { port: number; host: string };
  clientMain(port, host);
}
