// IBM's connection-oriented server and client example end to end, as `sockcall demo` runs it. The
// server runs on the calling thread, blocking exactly as the C does; the client runs in a worker
// thread, so the two really are concurrent. Every step is printed as it happens.
//
// The server binds INADDR_ANY (0.0.0.0) as IBM's does, so for as long as it waits in accept() any
// host that can reach this one can connect to it; `bind: '127.0.0.1'` keeps it on loopback.
import { writeSync } from 'node:fs';
import { parentPort, Worker } from 'node:worker_threads';

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
} from '../index';

export interface IbmEchoOptions {
  /** The server's port: 0 takes a free one, and so does a port in use (after saying so). */
  port: number;
  /** Where the client connects: a numeric address or a name, resolved with getaddrinfo. */
  host: string;
  /** The server's address: INADDR_ANY (0.0.0.0), every interface, by default, as in IBM's example. */
  bind?: string;
}

/** IBM's INADDR_ANY: every interface. */
const INADDR_ANY = '0.0.0.0';

const BUFFER_LENGTH = 250;

// Written straight to fd 1 from either thread: process.stdout in a worker is relayed through the
// main thread, which is blocked in accept/select/recv, so the steps would come out of order.
function log(who: string, text: string): void {
  writeSync(1, `${who.padEnd(6)} ${text}\n`);
}

/**
 * Runs the server here and the client in a worker thread; returns once the server is done (the
 * client thread ends by itself). A failed server call throws; a failed client sets process.exitCode.
 */
export function ibmEcho({ port: requestedPort, host, bind = INADDR_ANY }: IbmEchoOptions): void {
  const sd = new Socket(AF_INET, SOCK_STREAM);
  log('server', `socket(AF_INET, SOCK_STREAM, 0) = ${sd.fd}`);
  sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  log('server', `setsockopt(${sd.fd}, SOL_SOCKET, SO_REUSEADDR, 1)`);
  try {
    sd.bind({ address: bind, port: requestedPort });
  } catch (error) {
    if (!(error instanceof SocketError && error.code === 'EADDRINUSE')) throw error;
    log('server', `bind: ${error.message}; taking a free port instead (port 0)`);
    sd.bind({ address: bind, port: 0 });
  }
  const { address, port } = sd.getsockname() as { address: string; port: number };
  log('server', `bind(${sd.fd}, ${address}:${port})`);
  if (address === INADDR_ANY) {
    log('server', `${INADDR_ANY} is INADDR_ANY, as IBM binds it: every interface, open to the network while it listens; --bind 127.0.0.1 keeps it on loopback`);
  }
  sd.listen(10);
  log('server', `listen(${sd.fd}, 10)`);

  // The client thread runs ibmEchoClient() of this module; nothing here runs when it is loaded.
  const clientCode = `require(${JSON.stringify(__filename)}).ibmEchoClient(require('node:worker_threads').workerData)`;
  const client = new Worker(clientCode, { eval: true, workerData: { port, host } });
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

/** The client, in the worker thread that ibmEcho() starts. */
export function ibmEchoClient({ port, host }: { port: number; host: string }): void {
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
