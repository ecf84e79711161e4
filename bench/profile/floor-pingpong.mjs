// The ping-pong's floor in Node: the bench's 64-byte TCP ping-pong with both ends in Node making
// each send and recv through raw-napi/ (one bare Node-API function per syscall, nothing else), the
// sockets set up by sockcall. What this reaches against C is the most any binding can: the rest is
// the Node process itself (its loop in JS, a larger process switched in and out on a shared CPU).
//
//   node bench/profile/floor-pingpong.mjs server [size]             prints "READY <port>"
//   node bench/profile/floor-pingpong.mjs client PORT [size] [count] [warmup]   prints "RESULT <json>"
// Pinned as the bench pins it: taskset -c 0 for both. Needs raw-napi/ built:
//   (cd bench/profile/raw-napi && npx node-gyp rebuild)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const raw = require('./raw-napi/build/Release/raw.node');
const { AF_INET, IPPROTO_TCP, SO_REUSEADDR, SOCK_STREAM, SOL_SOCKET, Socket, TCP_NODELAY } = require('../../dist/index.js');

const [role, ...rest] = process.argv.slice(2);
const [port, size = 64, count = 20_000, warmup = 2_000] = (role === 'server' ? [0, ...rest] : rest).map(Number);
const buf = Buffer.alloc(size, 1);

/** One message of `size` bytes: false at EOF. */
function recvMessage(fd) {
  for (let got = 0; got < size; ) {
    const n = raw.recv(fd, got === 0 ? buf : buf.subarray(got), 0);
    if (n <= 0) return false;
    got += n;
  }
  return true;
}

if (role === 'server') {
  const server = new Socket(AF_INET, SOCK_STREAM);
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(1);
  console.log(`READY ${server.getsockname().port}`);
  const conn = server.accept();
  server.close();
  conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  while (recvMessage(conn.fd)) raw.send(conn.fd, buf, 0);
  conn.close();
} else if (role === 'client') {
  const socket = new Socket(AF_INET, SOCK_STREAM);
  socket.connect({ address: '127.0.0.1', port });
  socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const roundTrip = () => {
    raw.send(socket.fd, buf, 0);
    if (!recvMessage(socket.fd)) throw new Error('recv: the server closed');
  };
  for (let i = 0; i < warmup; i++) roundTrip();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) roundTrip();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.close();
  console.log(`RESULT ${JSON.stringify({ roundTrips: count, seconds, perSec: count / seconds })}`);
} else {
  throw new Error('usage: floor-pingpong.mjs server [size] | client PORT [size] [count] [warmup]');
}
