// One process that goes through every native entry point of sockcall, for valgrind memcheck
// (scripts/test-valgrind.sh). It is not a test suite: it drives each code path in native/ once or a
// few times, with real loopback and Unix traffic, and checks the results so that a path that
// silently did nothing cannot pass. It runs on plain node too: `node scripts/valgrind-driver.mjs`.
//
// Blocking calls are bounded by SO_RCVTIMEO/SO_SNDTIMEO and arranged so that the kernel already has
// what each one waits for (a queued connection, buffered bytes): no peer thread is needed, except in
// the worker section, which exists to tear a thread down with sockets and poll handles open.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';

import * as S from 'sockcall';
import * as P from 'sockcall/promises';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The raw binding, for the argument guards lib/ never lets a bad value reach.
const { GETSOCKOPT_FAILED, native } = createRequire(import.meta.url)(join(root, 'dist', 'native.js'));

const GUARD_MS = 5000;
const { EAGAIN, EBADF, EBUSY, EINVAL, ENOTCONN, EOPNOTSUPP } = osConstants.errno;
const started = performance.now();
const steps = [];

const openFds = () => readdirSync('/proc/self/fd').length;
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');
const pattern = (length, seed = 7) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff));

function guard(socket) {
  socket.setsockopt(S.SOL_SOCKET, S.SO_RCVTIMEO, GUARD_MS);
  socket.setsockopt(S.SOL_SOCKET, S.SO_SNDTIMEO, GUARD_MS);
  return socket;
}

function throwsType(fn, Type) {
  assert.throws(fn, (error) => error instanceof Type, `expected a ${Type.name}`);
}

async function step(name, body) {
  const t0 = performance.now();
  await body();
  steps.push(`${name} ${Math.round(performance.now() - t0)} ms`);
}

/** A blocking TCP listener on an ephemeral loopback port. */
function listener(domain = S.AF_INET) {
  const server = guard(new S.Socket(domain, S.SOCK_STREAM));
  server.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1);
  server.bind({ address: domain === S.AF_INET6 ? '::1' : '127.0.0.1', port: 0 });
  server.listen(8);
  return server;
}

const baseline = openFds();

await step('tcp v4 blocking', () => {
  const server = listener();
  const { port } = server.getsockname();
  assert.ok(port > 0);
  const client = guard(new S.Socket(S.AF_INET, S.SOCK_STREAM));
  client.connect({ address: '127.0.0.1', port }); // completes from the backlog, before accept
  const conn = guard(server.accept());
  assert.deepEqual(conn.getpeername(), client.getsockname());
  assert.deepEqual(client.getpeername(), { family: 'AF_INET', address: '127.0.0.1', port });

  const data = pattern(65536);
  assert.equal(client.sendAll(data), 65536);
  const peek = conn.recv(16, S.MSG_PEEK);
  assert.deepEqual(peek, data.subarray(0, 16));
  const whole = conn.recv(65536, S.MSG_WAITALL);
  assert.equal(whole.length, 65536);
  assert.equal(sha(whole), sha(data));

  // recvInto through views of every element size, at an offset into their ArrayBuffer.
  const views = [
    new DataView(new ArrayBuffer(24), 4, 16),
    new Int16Array(new ArrayBuffer(40), 8, 8),
    new Uint32Array(4),
    new Float64Array(2),
    new BigUint64Array(2),
  ];
  for (const view of views) {
    const chunk = pattern(view.byteLength, view.byteLength);
    assert.equal(client.send(chunk), chunk.length);
    assert.equal(conn.recvInto(view, S.MSG_WAITALL), view.byteLength);
    assert.deepEqual(Buffer.from(view.buffer, view.byteOffset, view.byteLength), chunk);
  }

  // recvfrom on a connected stream: the kernel gives no address.
  client.send('hello');
  const got = conn.recvfrom(100);
  assert.equal(got.data.toString(), 'hello');
  assert.equal(got.address, null);

  // MSG_TRUNC on TCP discards bytes unread; MSG_OOB and select's except set.
  client.send('abcdef');
  assert.deepEqual(conn.recv(3, S.MSG_TRUNC), Buffer.alloc(3));
  assert.equal(conn.recv(3).toString(), 'def');
  client.send('!', S.MSG_OOB);
  const ready = S.select([conn], [client], [conn], 1000);
  assert.deepEqual([ready.read, ready.write, ready.except].map((list) => list.length), [0, 1, 1]);
  assert.equal(conn.recv(1, S.MSG_OOB).toString(), '!');

  client.shutdown(S.SHUT_WR);
  assert.equal(conn.recv(10).length, 0); // EOF
  // EAGAIN through a non-blocking fd: the would-block path returns -errno, not an exception.
  conn.setBlocking(false);
  assert.equal(conn.getBlocking(), false);
  conn.shutdown(S.SHUT_RDWR);
  conn.setBlocking(true);
  assert.equal(conn.getBlocking(), true);
  for (const s of [conn, client, server]) s.close();
  assert.throws(() => conn.recv(1), { code: 'EBADF' });
});

await step('tcp v6 + errors', () => {
  const server = listener(S.AF_INET6);
  const address = server.getsockname();
  assert.equal(address.family, 'AF_INET6');
  assert.equal(address.address, '::1');
  const client = guard(new S.Socket(S.AF_INET6, S.SOCK_STREAM));
  client.connect({ address: '::1', port: address.port, flowinfo: 0, scopeId: 0 });
  const conn = guard(server.accept(S.SOCK_NONBLOCK));
  assert.equal(conn.getBlocking(), false);
  assert.throws(() => conn.recv(10), { code: 'EAGAIN', syscall: 'recv' });
  // The would-block forms: null where the plain calls throw EAGAIN.
  assert.equal(conn.tryRecv(10), null);
  assert.equal(conn.tryRecvInto(Buffer.alloc(10)), null);
  assert.equal(conn.tryRecvfrom(10), null);
  server.setBlocking(false);
  assert.equal(server.tryAccept(), null);
  assert.equal(client.trySend('ab'), 2);
  assert.equal(S.poll([{ fd: conn, events: S.POLLIN }], 5000).length, 1);
  assert.equal(conn.tryRecv(1).toString(), 'a');
  assert.equal(conn.tryRecvfrom(1).data.toString(), 'b');
  server.close();
  client.close();
  conn.close();
  // A refused connect carries the address in its error.
  const refused = new S.Socket(S.AF_INET6, S.SOCK_STREAM);
  assert.throws(() => refused.connect({ address: '::1', port: address.port }), { code: 'ECONNREFUSED', port: address.port });
  refused.close();
  assert.throws(() => new S.Socket(-1, S.SOCK_STREAM), { code: 'EAFNOSUPPORT', syscall: 'socket' });
  assert.throws(() => S.Socket.pair(S.AF_INET, S.SOCK_STREAM), { syscall: 'socketpair' });
});

await step('udp', () => {
  const a = guard(new S.Socket(S.AF_INET, S.SOCK_DGRAM));
  const b = guard(new S.Socket(S.AF_INET, S.SOCK_DGRAM));
  a.bind({ address: '127.0.0.1', port: 0 });
  b.bind({ address: '127.0.0.1', port: 0 });
  const to = a.getsockname();
  for (let i = 0; i < 20; i++) assert.equal(b.sendto(pattern(100 + i, i), to), 100 + i);
  for (let i = 0; i < 20; i++) {
    const { data, address } = a.recvfrom(2048);
    assert.equal(sha(data), sha(pattern(100 + i, i)));
    assert.deepEqual(address, b.getsockname());
  }
  // MSG_TRUNC on a datagram: the real length, more than the view holds.
  b.sendto(pattern(500), to);
  const small = new Uint8Array(10);
  assert.equal(a.recvInto(small, S.MSG_TRUNC), 500);
  assert.deepEqual(Buffer.from(small), pattern(500).subarray(0, 10));
  // recvfromInto: into a view at an offset, the sender into one array reused; none asked; MSG_TRUNC.
  const into = new Uint8Array(new ArrayBuffer(64), 16, 32);
  const senders = [];
  for (let i = 0; i < 5; i++) {
    b.sendto(pattern(20 + i, i), to);
    assert.equal(a.recvfromInto(into, 0, { senders }), 20 + i);
    assert.deepEqual(Buffer.from(into.subarray(0, 20 + i)), pattern(20 + i, i));
    assert.deepEqual(senders, [b.getsockname()]);
  }
  b.sendto(pattern(100), to);
  assert.equal(a.recvfromInto(into, S.MSG_TRUNC), 100);
  assert.equal(a.tryRecvfromInto(into, S.MSG_DONTWAIT, { senders }), null);
  // A datagram socket connected, then send/recv.
  b.connect(to);
  b.send('connected');
  assert.equal(a.recv(100).toString(), 'connected');
  const polled = S.poll([{ fd: a.fd, events: S.POLLIN }, { fd: b.fd, events: S.POLLOUT }], 0);
  assert.deepEqual(polled.map((entry) => entry.revents), [S.POLLOUT]);
  // A socket filter (struct sock_fprog built natively): keep the UDP header and 3 bytes of data.
  a.setsockopt(S.SOL_SOCKET, S.SO_ATTACH_FILTER, [{ code: S.BPF_RET | S.BPF_K, jt: 0, jf: 0, k: 8 + 3 }]);
  b.send('filtered');
  assert.equal(a.recv(100).toString(), 'fil');
  a.setsockopt(S.SOL_SOCKET, S.SO_DETACH_FILTER, 0);
  a.close();
  b.close();
});

await step('traced internet addresses', () => {
  // The trace decodes an internet sockaddr as getsockname does (native/trace.cc Sockaddr).
  const lines = [];
  S.trace((line) => lines.push(line));
  try {
    for (const [domain, address] of [[S.AF_INET, '127.0.0.1'], [S.AF_INET6, '::1']]) {
      const a = guard(new S.Socket(domain, S.SOCK_DGRAM));
      const b = guard(new S.Socket(domain, S.SOCK_DGRAM));
      a.bind({ address, port: 0 });
      b.sendto('t', a.getsockname());
      b.sendmsg(['m'], { address: a.getsockname() });
      assert.equal(a.recvfrom(10).data.toString(), 't');
      assert.equal(a.recvmsg(10).buffers[0].toString(), 'm');
      a.close();
      b.close();
    }
  } finally {
    S.trace(false);
  }
  assert.ok(lines.some((line) => line.startsWith('recvfrom(') && line.includes('inet_addr("127.0.0.1")')), lines.join('\n'));
  assert.ok(lines.some((line) => line.startsWith('recvmsg(') && line.includes('inet_pton(AF_INET6, "::1"')), lines.join('\n'));
});

await step('unix', () => {
  const path = join(tmpdir(), `sockcall-vg-${process.pid}.sock`);
  rmSync(path, { force: true });
  try {
    const server = guard(new S.Socket(S.AF_UNIX, S.SOCK_DGRAM));
    server.bind({ path });
    const abstract = guard(new S.Socket(S.AF_UNIX, S.SOCK_DGRAM));
    abstract.bind({ path: `\0sockcall-vg-${process.pid}` });
    const unnamed = guard(new S.Socket(S.AF_UNIX, S.SOCK_DGRAM));
    const autobound = guard(new S.Socket(S.AF_UNIX, S.SOCK_DGRAM));
    autobound.bind({ path: '' }); // the kernel picks an abstract name
    assert.match(autobound.getsockname().path, /^\0[0-9a-f]{5}$/);
    abstract.sendto('from abstract', { path });
    unnamed.sendto('from unnamed', { path });
    const first = server.recvfrom(100);
    assert.equal(first.data.toString(), 'from abstract');
    assert.deepEqual(first.address, { family: 'AF_UNIX', path: `\0sockcall-vg-${process.pid}` });
    const second = server.recvfrom(100);
    assert.equal(second.data.toString(), 'from unnamed');
    assert.deepEqual(second.address, { family: 'AF_UNIX', path: '' });
    assert.deepEqual(server.getsockname(), { family: 'AF_UNIX', path });
    // sun_path holds 108 bytes: a longer path is refused before any syscall.
    assert.throws(() => unnamed.sendto('x', { path: 'x'.repeat(200) }));
    for (const s of [server, abstract, unnamed, autobound]) s.close();
  } finally {
    rmSync(path, { force: true });
  }
  const [x, y] = S.Socket.pair(S.AF_UNIX, S.SOCK_SEQPACKET);
  guard(x);
  guard(y);
  x.send(pattern(3000));
  assert.equal(sha(y.recv(4000)), sha(pattern(3000)));
  // fromFd reads the socket back (getsockopt SO_DOMAIN/TYPE/PROTOCOL) and owns it; detach gives it back.
  const fd = y.detach();
  const adopted = S.Socket.fromFd(fd);
  assert.equal(adopted.type, S.SOCK_SEQPACKET);
  x.close();
  adopted.close();
});

await step('options', () => {
  const s = new S.Socket(S.AF_INET, S.SOCK_STREAM);
  s.setsockopt(S.SOL_SOCKET, S.SO_KEEPALIVE, true);
  assert.equal(s.getsockopt(S.SOL_SOCKET, S.SO_KEEPALIVE), 1);
  s.setsockopt(S.IPPROTO_TCP, S.TCP_NODELAY, 1);
  assert.equal(s.getsockopt(S.IPPROTO_TCP, S.TCP_NODELAY), 1);
  s.setsockopt(S.SOL_SOCKET, S.SO_LINGER, { onoff: true, linger: 7 });
  assert.deepEqual(s.getsockopt(S.SOL_SOCKET, S.SO_LINGER), { onoff: true, linger: 7 });
  // The kernel keeps timeouts in jiffies: 2 s reads back exactly at any HZ (100, 250, 300, 1000).
  s.setsockopt(S.SOL_SOCKET, S.SO_RCVTIMEO, 2000);
  assert.equal(s.getsockopt(S.SOL_SOCKET, S.SO_RCVTIMEO), 2000);
  s.setsockopt(S.IPPROTO_TCP, S.TCP_CONGESTION, 'reno');
  assert.equal(s.getsockopt(S.IPPROTO_TCP, S.TCP_CONGESTION), 'reno');
  assert.equal(s.getsockopt(S.IPPROTO_TCP, S.TCP_INFO).state, 'CLOSE');
  const info = s.getsockopt(S.IPPROTO_TCP, S.TCP_INFO, 104);
  assert.ok(Buffer.isBuffer(info) && info.length > 0 && info.length <= 104);
  s.setsockopt(S.SOL_SOCKET, S.SO_RCVBUF, new Int32Array([65536]));
  assert.ok(s.getsockopt(S.SOL_SOCKET, S.SO_RCVBUF) >= 65536);
  assert.throws(() => s.setsockopt(S.SOL_SOCKET, 9999, 1), { code: 'ENOPROTOOPT', syscall: 'setsockopt' });
  assert.throws(() => s.getsockopt(S.SOL_SOCKET, 9999), { code: 'ENOPROTOOPT', syscall: 'getsockopt' });
  s.close();
});

await step('select/poll', () => {
  const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
  guard(a);
  guard(b);
  let ready = S.select([a, b], [a], [], 0);
  assert.deepEqual([ready.read.length, ready.write.length], [0, 1]);
  ready = S.select([a], [], [], 5); // a real timeout
  assert.deepEqual(ready.read, []);
  b.send('x');
  ready = S.select([a, b.fd], [], [a], null);
  assert.deepEqual(ready.read, [a]);
  const entries = S.poll([{ fd: a, events: S.POLLIN | S.POLLRDHUP }, { fd: b, events: 0 }], 100);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].revents, S.POLLIN);
  b.close();
  assert.equal(S.poll([{ fd: a, events: S.POLLIN | S.POLLRDHUP }], null)[0].revents & S.POLLRDHUP, S.POLLRDHUP);
  a.close();
});

await step('epoll', async () => {
  const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
  guard(a);
  guard(b);
  const ep = new S.Epoll();
  ep.ctl(S.EPOLL_CTL_ADD, a, S.EPOLLIN | S.EPOLLRDHUP | S.EPOLLET);
  ep.ctl(S.EPOLL_CTL_ADD, b.fd, S.EPOLLOUT);
  assert.deepEqual(ep.wait(8, 0), [{ fd: b.fd, events: S.EPOLLOUT }]);
  assert.deepEqual(ep.wait(100, 5), [{ fd: b.fd, events: S.EPOLLOUT }]); // more than 64: the allocated buffer
  ep.ctl(S.EPOLL_CTL_MOD, b, S.EPOLLIN);
  b.send('x');
  assert.deepEqual(ep.wait(1, null), [{ fd: a.fd, events: S.EPOLLIN }]);
  assert.equal(a.recv(10).toString(), 'x');
  ep.ctl(S.EPOLL_CTL_DEL, a);
  assert.throws(() => ep.ctl(S.EPOLL_CTL_DEL, a), { code: 'ENOENT', syscall: 'epoll_ctl' });
  const out = new Int32Array(4);
  throwsType(() => native.epollWait(ep.fd, 3, 0, out), TypeError); // out shorter than 2 * maxevents
  throwsType(() => native.epollWait(ep.fd, 1, 0, new Uint32Array(2)), TypeError);
  throwsType(() => native.epollCtl(ep.fd, S.EPOLL_CTL_ADD, a.fd, 2 ** 32), RangeError);
  assert.equal(native.epollWait(ep.fd, 0, 0, out), -osConstants.errno.EINVAL);
  assert.equal(native.epollWait(-1, 1, 0, out), -osConstants.errno.EBADF);
  ep.close();
  const pe = new P.Epoll();
  pe.ctl(S.EPOLL_CTL_ADD, a, S.EPOLLIN);
  setTimeout(() => b.send('y'), 5);
  assert.equal((await pe.wait(4, 2000)).length, 1);
  assert.equal(a.recv(10).toString(), 'y');
  const cancelled = pe.wait(4, null).catch((error) => error.code);
  pe.close();
  assert.equal(await cancelled, 'ECANCELED');
  a.close();
  b.close();
});

await step('ioctl', () => {
  const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
  b.send('hello');
  assert.equal(a.ioctl(S.FIONREAD), 5);
  assert.equal(a.sockatmark(), false);
  assert.ok(b.ioctl(S.SIOCOUTQ) >= 0);
  assert.throws(() => b.ioctl(S.SIOCOUTQNSD), { code: 'ENOTTY', syscall: 'ioctl' });
  throwsType(() => native.ioctl(a.fd, 0x5401), RangeError); // TCGETS would write a struct termios
  assert.equal(native.ioctl(-1, S.FIONREAD), -osConstants.errno.EBADF);
  a.close();
  b.close();
});

await step('getaddrinfo', () => {
  const local = S.getaddrinfo('localhost', 80, { type: S.SOCK_STREAM });
  assert.ok(local.some((entry) => entry.address.address === '127.0.0.1' && entry.address.port === 80));
  const numeric = S.getaddrinfo('::1', '80', { flags: S.AI_NUMERICHOST | S.AI_CANONNAME, type: S.SOCK_DGRAM });
  assert.deepEqual(numeric[0].address, { family: 'AF_INET6', address: '::1', port: 80, flowinfo: 0, scopeId: 0 });
  assert.equal(typeof numeric[0].canonname, 'string');
  const passive = S.getaddrinfo(null, 0, { family: S.AF_INET, flags: S.AI_PASSIVE, type: S.SOCK_STREAM });
  assert.equal(passive[0].address.address, '0.0.0.0');
  assert.throws(() => S.getaddrinfo('not an address', 80, { flags: S.AI_NUMERICHOST }), { code: 'EAI_NONAME' });
  assert.throws(() => S.getaddrinfo('127.0.0.1', 'no-such-service', { flags: S.AI_NUMERICSERV }), { code: 'EAI_NONAME' });
});

await step('sendfile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sockcall-valgrind-'));
  try {
    const data = pattern(300_000);
    writeFileSync(join(dir, 'data'), data);
    const file = openSync(join(dir, 'data'), 'r');
    const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM).map(guard);
    // An offset (the file position stays), null (it moves), the end of the file.
    assert.equal(a.sendfile(file, 10, 100), 100);
    assert.deepEqual(b.recv(100, S.MSG_WAITALL), data.subarray(10, 110));
    assert.equal(a.sendfile(file, null, 50), 50);
    assert.deepEqual(b.recv(50, S.MSG_WAITALL), data.subarray(0, 50));
    assert.equal(a.sendfile(file, data.length, 10), 0);
    // A full buffer on a non-blocking socket: EAGAIN part way, with bytesSent.
    a.setBlocking(false);
    const error = (() => {
      try {
        a.sendfileAll(file, 0, data.length);
      } catch (caught) {
        return caught;
      }
    })();
    assert.equal(error?.code, 'EAGAIN');
    assert.ok(error.bytesSent > 0 && error.bytesSent < data.length);
    assert.equal(sha(b.recv(error.bytesSent, S.MSG_WAITALL)), sha(data.subarray(0, error.bytesSent)));
    // The promise flavour: waits for room while the other end reads.
    const [c, d] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
    const handle = await open(join(dir, 'data'));
    const sending = c.sendfileAll(handle, 0, data.length, { timeout: GUARD_MS });
    const parts = [];
    for (let got = 0, calls = 0; got < data.length && calls < 10_000; calls++) {
      const chunk = await d.recv(65536, { timeout: GUARD_MS });
      parts.push(chunk);
      got += chunk.length;
    }
    assert.equal(await sending, data.length);
    assert.equal(sha(Buffer.concat(parts)), sha(data));
    await handle.close();
    // The raw binding: failures as -errno, and its argument guards.
    const fd = a.fd;
    assert.equal(native.sendfile(fd, -1, 0, 1), -EBADF);
    assert.equal(native.sendfile(fd, b.fd, 0, 1), -osConstants.errno.ESPIPE); // a socket has no offset
    throwsType(() => native.sendfile(fd, file, -1, 1), RangeError);
    throwsType(() => native.sendfile(fd, file, 0.5, 1), RangeError);
    throwsType(() => native.sendfile(fd, file, 2 ** 53, 1), RangeError);
    throwsType(() => native.sendfile(fd, file, 0, NaN), RangeError);
    throwsType(() => native.sendfile(fd, file, '0', 1), TypeError);
    throwsType(() => native.sendfile(fd, file, 0), TypeError);
    for (const s of [a, b, c, d]) s.close();
    closeSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

await step('native argument guards', () => {
  const fd = native.socket(S.AF_INET, S.SOCK_DGRAM | S.SOCK_CLOEXEC, 0);
  assert.ok(fd >= 0);
  throwsType(() => native.socket(), TypeError);
  throwsType(() => native.socket('2', 1, 0), TypeError);
  throwsType(() => native.socket(NaN, 1, 0), RangeError);
  throwsType(() => native.socket(2 ** 31, 1, 0), RangeError);
  throwsType(() => native.socket(1.5, 1, 0), RangeError);
  throwsType(() => native.send(fd, 'not a view', 0), TypeError);
  throwsType(() => native.recv(fd, {}, 0), TypeError);
  throwsType(() => native.bind(fd, Buffer.alloc(1)), TypeError); // shorter than sa_family_t
  throwsType(() => native.connect(fd, Buffer.alloc(200)), TypeError); // longer than sockaddr_storage
  throwsType(() => native.sendto(fd, Buffer.alloc(1), 0), TypeError);
  throwsType(() => native.getsockoptInt(fd, S.SOL_SOCKET), TypeError);
  throwsType(() => native.getsockoptInt(fd, S.SOL_SOCKET, 0.5), RangeError);
  throwsType(() => native.setsockoptInt(fd, S.SOL_SOCKET, S.SO_RCVBUF, 2 ** 31), RangeError);
  throwsType(() => native.listen(fd, NaN), RangeError);
  throwsType(() => native.shutdown(fd, '1'), TypeError);
  throwsType(() => native.getsockoptLinger(fd, new Int32Array(1)), RangeError);
  throwsType(() => native.getsockoptTimeval(fd, S.SO_RCVTIMEO, new Float32Array(1)), RangeError);
  throwsType(() => native.setsockoptTimeval(fd, S.SO_RCVTIMEO, -1), RangeError);
  throwsType(() => native.setsockoptTimeval(fd, S.SO_RCVTIMEO, 1e300), RangeError);
  throwsType(() => native.setsockoptFilter(fd, 'ret'), TypeError);
  throwsType(() => native.setsockoptFilter(fd, Buffer.alloc(12)), RangeError); // not whole instructions
  throwsType(() => native.setsockoptFilter(fd, Buffer.alloc(8 * 65_536)), RangeError); // past sock_fprog's count
  assert.equal(native.setsockoptFilter(fd, Buffer.alloc(0)), -EINVAL);
  throwsType(() => native.select([fd], [], [], 1e300), RangeError);
  throwsType(() => native.select([S.FD_SETSIZE], [], [], 0), RangeError); // FD_SET would write past the set
  throwsType(() => native.select([-1], [], [], 0), RangeError);
  throwsType(() => native.select('x', [], [], 0), TypeError);
  throwsType(() => native.select([fd, 'x'], [], [], 0), TypeError);
  throwsType(() => native.select([0.5], [], [], 0), RangeError);
  throwsType(() => native.poll([fd], [], 0), RangeError);
  const sparse = [];
  sparse.length = 2 ** 32 - 1; // claims 4 billion elements: refused at the first hole, not allocated
  throwsType(() => native.poll(sparse, sparse, 0), TypeError);
  const throwing = [fd];
  Object.defineProperty(throwing, 1, { get() { throw new SyntaxError('from a getter'); }, enumerable: true });
  throwsType(() => native.poll(throwing, [1, 1], 0), SyntaxError);
  throwsType(() => native.getaddrinfo(1, null, 0, 0, 0, 0), TypeError);
  throwsType(() => native.getaddrinfoAsync(null, null, 'x', 0, 0, 0), TypeError);
  const into = Buffer.alloc(28);
  throwsType(() => native.sockaddrInet(S.AF_UNIX, 'x', 0, 0, 0, into), RangeError);
  throwsType(() => native.sockaddrInet(S.AF_INET, 1, 0, 0, 0, into), TypeError);
  throwsType(() => native.sockaddrInet(S.AF_INET, '127.0.0.1', 0, 0, 0, 'not a view'), TypeError);
  throwsType(() => native.sockaddrInet(S.AF_INET6, '::1', 0, 0, 0, into.subarray(0, 27)), RangeError);
  assert.equal(native.sockaddrInet(S.AF_INET, '256.0.0.1', 0, 0, 0, into), 0);
  assert.equal(native.sockaddrInet(S.AF_INET6, ':::', 0, 0, 0, into), 0);
  assert.equal(native.sockaddrInet(S.AF_INET6, `::${'0'.repeat(100)}1`, 0, 0, 0, into), 0); // longer than any address
  assert.equal(native.sockaddrInet(S.AF_INET, '127.0.0.1', 80, 0, 0, into), 16);
  assert.equal(native.sockaddrInet(S.AF_INET6, '::1', 80, 0, 0, into), 28);
  assert.equal(native.sockaddrUnix(Buffer.alloc(108, 0x61)), null); // no room for the NUL
  assert.equal(native.sockaddrUnix(Buffer.alloc(108)).length, 110); // abstract: every byte used
  assert.equal(native.sockaddrUnix(new Uint8Array(0)).length, 2); // unnamed: the family alone
  assert.equal(native.sockaddrLl(S.ETH_P_IP, 1, 0, 0, Buffer.alloc(6)).length, 20);
  throwsType(() => native.sockaddrLl(0x10000, 1, 0, 0, Buffer.alloc(0)), RangeError);
  throwsType(() => native.sockaddrLl(0, 1, 0, 0, Buffer.alloc(9)), RangeError);
  throwsType(() => native.sockaddrLl(0, 1, 0, 0, 'not a view'), TypeError);
  assert.equal(native.ifNametoindex(Buffer.from('lo')), S.if_nametoindex('lo'));
  assert.ok(native.ifNametoindex(Buffer.alloc(16, 0x61)) < 0); // longer than IFNAMSIZ allows
  assert.equal(native.ifNametoindex(Buffer.from('l\0o')) < 0, true);
  assert.equal(native.ifIndextoname(S.if_nametoindex('lo')), 'lo');
  assert.equal(native.ifIndextoname(0) < 0, true);
  throwsType(() => native.ifIndextoname('x'), TypeError);
  // A packet socket's address, encoded and decoded (root only: CAP_NET_RAW).
  if (process.getuid() === 0) {
    const packet = new S.Socket(S.AF_PACKET, S.SOCK_RAW, S.ETH_P_IP);
    packet.bind({ family: 'AF_PACKET', protocol: S.ETH_P_IP, ifindex: S.if_nametoindex('lo') });
    assert.equal(packet.getsockname().protocol, S.ETH_P_IP);
    packet.close();
  }
  throwsType(() => new native.Poller(fd, 'not a function'), TypeError);
  throwsType(() => new native.Poller('x', () => {}), TypeError);
  throwsType(() => native.own(), TypeError);
  throwsType(() => native.holderOf('x'), TypeError);
  assert.equal(native.holderOf(-1), undefined);
  {
    // The Socket holds its fd until it closes.
    const held = new P.Socket(S.AF_INET, S.SOCK_DGRAM);
    assert.equal(native.holderOf(held.fd), held);
    const heldFd = held.fd;
    held.close();
    assert.equal(native.holderOf(heldFd), undefined);
  }
  // The collected handler is lib/'s, set as it loaded: another is refused.
  throwsType(() => native.setCollectedHandler(() => {}), TypeError);
  throwsType(() => native.setCollectedHandler('x'), TypeError);
  // A detached buffer reads as length 0 (its pointer is gone): recv of 0 bytes, not a wild write.
  const detached = new Uint8Array(new ArrayBuffer(8));
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  assert.equal(detached.byteLength, 0);
  assert.equal(native.setBlocking(fd, 0), 0);
  assert.equal(native.recv(fd, detached, 0), -EAGAIN);
  // Failed syscalls return -errno.
  assert.equal(native.getsockoptInt(fd, S.SOL_SOCKET, S.SO_TYPE), S.SOCK_DGRAM);
  assert.equal(native.getsockoptInt(-1, S.SOL_SOCKET, S.SO_TYPE), GETSOCKOPT_FAILED - EBADF);
  assert.equal(native.getsockname(-1), -EBADF);
  assert.equal(native.getpeername(fd), -ENOTCONN);
  assert.equal(native.recvfrom(fd, Buffer.alloc(4), 0), -EAGAIN);
  assert.equal(native.recvfrom(fd, Buffer.alloc(4), 0, []), -EAGAIN);
  throwsType(() => native.recvfrom(fd, Buffer.alloc(4), 0, {}), TypeError);
  throwsType(() => native.recvfrom(fd, Buffer.alloc(4), 0, null), TypeError);
  assert.equal(native.listen(fd, 1), -EOPNOTSUPP);
  assert.equal(native.accept4(fd, 0), -EOPNOTSUPP);
  assert.equal(native.shutdown(fd, 99), -EINVAL);
  assert.equal(native.getBlocking(-1), -EBADF);
  const copy = native.dup(fd, 200);
  assert.ok(copy >= 200);
  assert.equal(native.close(copy), 0);
  assert.equal(native.close(fd), 0);
  assert.equal(native.close(fd), -EBADF);
});

await step('promises tcp', async () => {
  const server = new P.Socket(P.AF_INET, P.SOCK_STREAM);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(8);
  const accepting = server.accept(); // waits on the poller: nothing has connected yet
  const client = new P.Socket(P.AF_INET, P.SOCK_STREAM);
  await client.connect(server.getsockname(), { timeout: GUARD_MS });
  const conn = await accepting;

  // 1 MiB, more than the socket buffers hold: both sides wait on their pollers many times.
  const data = pattern(1 << 20, 3);
  const reading = (async () => {
    const chunks = [];
    let total = 0;
    while (total < data.length) {
      const chunk = await conn.recv(65536, { timeout: GUARD_MS });
      assert.ok(chunk.length > 0);
      chunks.push(chunk);
      total += chunk.length;
    }
    return Buffer.concat(chunks);
  })();
  assert.equal(await client.sendAll(data, { timeout: GUARD_MS }), data.length);
  assert.equal(sha(await reading), sha(data));

  const view = new Uint16Array(4);
  const into = conn.recvInto(view);
  await client.send(Buffer.from('01234567'));
  assert.equal(await into, 8);
  // MSG_WAITALL: after each short read the poller makes the recv into the rest, a new subarray.
  const whole = new Uint32Array(4);
  const filling = conn.recvInto(whole, P.MSG_WAITALL, { timeout: GUARD_MS });
  for (const piece of ['0123', '4567', '89abcdef']) {
    await client.send(piece);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(await filling, 16);
  assert.equal(Buffer.from(whole.buffer).toString(), '0123456789abcdef');
  const from = conn.recvfrom(10);
  await client.send('tail');
  assert.equal((await from).data.toString(), 'tail');

  // Waits that end without data: timeout, abort, close.
  await assert.rejects(conn.recv(10, { timeout: 20 }), { code: 'ETIMEDOUT' });
  const controller = new AbortController();
  const aborted = conn.recv(10, { signal: controller.signal });
  setTimeout(() => controller.abort(), 10);
  await assert.rejects(aborted, { name: 'AbortError' });
  const readiness = P.select([conn], [], [], 2000);
  const polled = P.poll([{ fd: conn, events: P.POLLIN }], 2000);
  const cancelled = server.accept();
  server.close();
  await assert.rejects(cancelled, { code: 'ECANCELED' });
  await client.send('x');
  assert.deepEqual((await readiness).read, [conn]);
  assert.equal((await polled)[0].revents, P.POLLIN);
  // select/poll on a plain fd number use a temporary poller on a dup of it.
  const [pa, pb] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
  const plain = P.poll([{ fd: pa.fd, events: P.POLLIN }], 2000);
  pb.send('y');
  assert.equal((await plain)[0].revents, P.POLLIN);
  pa.close();
  pb.close();
  client.close();
  conn.close();
});

await step('promises udp + unix + getaddrinfo', async () => {
  const a = new P.Socket(P.AF_INET, P.SOCK_DGRAM);
  const b = new P.Socket(P.AF_INET, P.SOCK_DGRAM);
  a.bind({ address: '127.0.0.1', port: 0 });
  const waiting = a.recvfrom(100, { timeout: GUARD_MS });
  await b.sendto('datagram', a.getsockname());
  const { data, address } = await waiting;
  assert.equal(data.toString(), 'datagram');
  assert.equal(address.family, 'AF_INET');
  // recvfromInto waiting: the poller makes the recvfrom, the sender into the array.
  const view = Buffer.alloc(16);
  const senders = [];
  const into = a.recvfromInto(view, { senders, timeout: GUARD_MS });
  await b.sendto('into', a.getsockname());
  assert.equal(await into, 4);
  assert.equal(senders[0].port, b.getsockname().port);
  a.close();
  b.close();

  const [x, y] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
  const pending = x.recv(5);
  const blocking = y.toBlocking();
  blocking.send('hello');
  assert.equal((await pending).toString(), 'hello');
  const back = P.Socket.fromBlocking(blocking);
  x.unref();
  back.ref();
  x.close();
  back.close();

  const found = await P.getaddrinfo('localhost', 443, { family: P.AF_INET });
  assert.equal(found[0].address.port, 443);
  await assert.rejects(P.getaddrinfo('not an address', 80, { flags: P.AI_NUMERICHOST }), { code: 'EAI_NONAME' });
  await Promise.all(Array.from({ length: 8 }, () => P.getaddrinfo('127.0.0.1', null, { flags: P.AI_NUMERICHOST })));
});

await step('poller raw + collected', async () => {
  const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
  a.setBlocking(false);
  const events = [];
  const poller = new native.Poller(a.fd, function (status, mask) {
    assert.equal(this, poller);
    events.push([status, mask]);
    poller.stop();
  });
  assert.equal(poller.start(native.Poller.READABLE), 0);
  poller.ref();
  b.send('z');
  for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(events, [[0, native.Poller.READABLE]]);
  poller.unref();
  poller.close();
  poller.close();
  assert.equal(poller.start(native.Poller.READABLE), -EBADF);
  // Started by the constructor (events, referenced); a mask start() refuses is thrown, the handle closed.
  const early = [];
  const started = new native.Poller(a.fd, (status, mask) => {
    early.push([status, mask]);
    started.stop();
  }, native.Poller.READABLE, false);
  for (let i = 0; i < 100 && early.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(early, [[0, native.Poller.READABLE]]); // the 'z' still unread
  started.close();
  // Opened again once closed (as promise sockets reuse their pollers), started at once; an open one
  // refuses (EBUSY); a mask start() refuses leaves it closed.
  const reopened = [];
  const onReopened = (status, mask) => {
    reopened.push([status, mask]);
    started.stop();
  };
  assert.equal(started.reopen(a.fd, onReopened, native.Poller.READABLE, false), 0);
  assert.equal(started.reopen(a.fd, onReopened, native.Poller.READABLE), -EBUSY);
  for (let i = 0; i < 100 && reopened.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(reopened, [[0, native.Poller.READABLE]]);
  started.close();
  throwsType(() => started.reopen('x', onReopened), TypeError);
  throwsType(() => started.reopen(a.fd, 'not a function'), TypeError);
  assert.equal(started.reopen(a.fd, onReopened, 1 << 20), -EINVAL);
  assert.equal(started.start(native.Poller.READABLE), -EBADF);
  assert.equal(a.recv(1).toString(), 'z');
  assert.throws(() => new native.Poller(a.fd, () => {}, 1 << 20), { code: 'EINVAL', syscall: 'uv_poll_start' });
  assert.throws(() => new native.Poller(a.fd, () => {}, native.Poller.READABLE, 'yes'), { code: 'EINVAL', syscall: 'uv_poll_start' });
  // Pollers left for the garbage collector: ~Poller closes each handle (the owning Socket's fd is
  // closed with a warning, which is the library's documented behaviour for a forgotten Socket).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const warnings = [];
  process.removeAllListeners('warning');
  process.on('warning', (warning) => warnings.push(warning.message));
  for (let i = 0; i < 8; i++) {
    const forgotten = i % 2 === 0 ? new native.Poller(a.fd, () => {}) : new native.Poller(a.fd, () => {}, native.Poller.WRITABLE);
    if (i % 2 === 0) forgotten.start(native.Poller.WRITABLE);
    forgotten.stop();
  }
  (() => {
    const [p, q] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
    p.recv(1, { timeout: 1 }).catch(() => {});
    q.recv(1, { timeout: 1 }).catch(() => {});
  })();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < 10 && warnings.length < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(warnings.filter((message) => /garbage collection/.test(message)).length, 2, warnings.join('\n'));
  a.close();
  b.close();
});

await step('poller pended calls', async () => {
  // The poll callback makes the registered recv/send itself (native/poller.h pend), traced, and
  // reports each result; a shrunk view is read again at the syscall.
  const { Poller } = native;
  const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
  a.setBlocking(false);
  const lines = [];
  S.trace((line) => lines.push(line));
  const results = [];
  const poller = new Poller(a.fd, (status, events, readResult, writeResult) => {
    results.push([status, readResult, writeResult]);
    poller.stop();
  });
  const waitFor = async () => {
    for (let i = 0; i < 100 && results.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return results.shift();
  };
  try {
    assert.equal(poller.pend(2, Poller.PEND_RECV, Buffer.alloc(1), 0), -EINVAL);
    assert.equal(poller.pend(0, Poller.PEND_SEND, Buffer.alloc(1), 0), -EINVAL);
    assert.equal(poller.pend(0, Poller.PEND_RECV, 'not a view', 0), -EINVAL);
    const into = new Uint8Array(new ArrayBuffer(16, { maxByteLength: 16 }));
    assert.equal(poller.pend(0, Poller.PEND_RECV, into, 0), 0);
    assert.equal(poller.armed, undefined); // made when the same call is pended again
    poller.start(Poller.READABLE);
    b.send('hello');
    assert.deepEqual(await waitFor(), [0, 5, Poller.NOT_DONE]);
    assert.equal(Buffer.from(into.subarray(0, 5)).toString(), 'hello');
    assert.equal(poller.pend(0, Poller.PEND_RECV, into, 0), 0);
    assert.equal(poller.armed[0], 1);
    poller.armed[0] = 0;
    into.buffer.resize(2);
    poller.armed[0] = 1; // re-armed through the shared flags
    poller.start(Poller.READABLE);
    b.send('world');
    assert.deepEqual(await waitFor(), [0, 2, Poller.NOT_DONE]);
    assert.equal(poller.pend(1, Poller.PEND_SEND, Buffer.from('back'), 0), 0);
    poller.start(Poller.WRITABLE);
    assert.deepEqual(await waitFor(), [0, Poller.NOT_DONE, 4]);
    assert.equal(b.recv(16).toString(), 'back');
    assert.equal(poller.unpend(0), 0);
    assert.ok(lines.some((line) => /^recvfrom\(\d+, "wo", 2, 0, NULL, NULL\) += 2/.test(line)), lines.join('\n'));
    assert.ok(lines.some((line) => /^sendto\(\d+, "back", 4, 0, NULL, 0\) += 4/.test(line)), lines.join('\n'));
    // recvfrom into a view, the sender into senders[0] (an AF_UNIX pair's peer: unnamed, null here).
    const senders = ['stale'];
    assert.equal(poller.pend(0, Poller.PEND_RECVFROM, into, 0), -EINVAL); // no senders array
    assert.equal(poller.pend(0, Poller.PEND_RECVFROM, into, 0, {}), -EINVAL);
    assert.equal(poller.pend(0, Poller.PEND_RECVFROM, into, 0, senders), 0);
    poller.start(Poller.READABLE);
    b.send('ab'); // after the "rld" left of "world": 2 of those come first
    assert.deepEqual(await waitFor(), [0, 2, Poller.NOT_DONE]);
    assert.deepEqual(senders, [null]);
    // No address written (an unnamed peer): the buffer's address, as strace shows it.
    assert.ok(lines.some((line) => /^recvfrom\(\d+, "rl", 2, 0, 0x[0-9a-f]+, \[128 => 0\]\) += 2/.test(line)), lines.join('\n'));
    // Left registered for close() and for the collector.
    assert.equal(poller.pend(0, Poller.PEND_RECVFROM, Buffer.alloc(8), 0, []), 0);
    assert.equal(poller.pend(0, Poller.PEND_RECV, Buffer.alloc(8), 0), 0);
  } finally {
    S.trace(false);
    poller.close();
    a.close();
    b.close();
  }
});

await step('sendmsg/recvmsg', async () => {
  // Traced too: the trace copies every iovec and the control bytes (native/trace.cc Iov, Bytes).
  const lines = [];
  S.trace((line) => lines.push(line));
  try {
    const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_SEQPACKET);
    guard(a);
    guard(b);
    const parts = [pattern(5), 'xyz', new Uint16Array([1, 2, 3]), Buffer.alloc(0), pattern(40, 3)];
    assert.equal(a.sendmsg(parts), 54);
    const got = b.recvmsg([2, 0, 10, 100]);
    assert.equal(got.bytes, 54);
    assert.deepEqual(got.buffers.map((buffer) => buffer.length), [2, 0, 10, 42]);
    // fds: received, and closed by sockcall when the control buffer is cut.
    a.sendFds([a, b, 0], 'f');
    const three = b.recvFds(3);
    assert.equal(three.fds.length, 3);
    for (const fd of three.fds) assert.equal(native.close(fd), 0);
    const before = openFds();
    a.sendFds([a, b, 0]);
    const cut = b.recvFds(1);
    assert.ok(cut.flags & S.MSG_CTRUNC);
    assert.deepEqual(cut.fds, []);
    assert.equal(openFds(), before);
    b.setsockopt(S.SOL_SOCKET, S.SO_PASSCRED, 1);
    a.sendCredentials('c');
    assert.equal(b.recvmsg(4, { controlLength: 64 }).credentials.pid, process.pid);
    assert.equal(b.getsockopt(S.SOL_SOCKET, S.SO_PEERCRED).pid, process.pid);
    // A datagram larger than the buffers, and one more iovec than strace shows.
    a.sendmsg(Array.from({ length: 40 }, (_, i) => pattern(i + 1)));
    const trunc = b.recvmsg(Array(40).fill(8));
    assert.equal(trunc.bytes, 320); // of 820
    assert.ok(trunc.flags & S.MSG_TRUNC);
    b.setBlocking(false);
    assert.throws(() => b.recvmsg(4), (error) => error.code === 'EAGAIN');
    const [p, q] = P.Socket.pair(P.AF_UNIX, P.SOCK_DGRAM);
    const waiting = q.recvFds(1, { timeout: GUARD_MS });
    await p.sendFds([p]);
    const { fds } = await waiting;
    assert.equal(native.close(fds[0]), 0);
    for (const socket of [a, b, p, q]) socket.close();
  } finally {
    S.trace(false);
  }
  assert.ok(lines.some((line) => line.startsWith('recvmsg(') && line.includes('SCM_RIGHTS')));
  // The binding's own guards.
  const fd = native.socket(S.AF_UNIX, S.SOCK_DGRAM | S.SOCK_CLOEXEC, 0);
  throwsType(() => native.sendmsg(fd, 'x', null, 0, null), TypeError);
  throwsType(() => native.sendmsg(fd, [Buffer.alloc(1), 'x'], null, 0, null), TypeError);
  throwsType(() => native.sendmsg(fd, Array(1025).fill(Buffer.alloc(1)), null, 0, null), RangeError);
  throwsType(() => native.sendmsg(fd, [], 'x', 0, null), TypeError);
  throwsType(() => native.sendmsg(fd, [], null, 0, Buffer.alloc(1)), TypeError);
  throwsType(() => native.recvmsg(fd, [], -1, 0), RangeError);
  throwsType(() => native.recvmsg(fd, [], 2 ** 21, 0), RangeError);
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  throwsType(() => native.recvmsg(fd, sparse, 0, 0), RangeError);
  assert.equal(native.setBlocking(fd, 0), 0);
  assert.equal(native.recvmsg(fd, [Buffer.alloc(4)], 64, 0), -EAGAIN);
  assert.equal(native.sendmsg(-1, [], null, 0, null), -EBADF);
  assert.equal(native.close(fd), 0);
});

await step('sendmmsg/recvmmsg', async () => {
  // Traced too: each message's msghdr is recorded and grouped (native/trace.cc Group), past the 32
  // messages strace shows.
  const lines = [];
  S.trace((line) => lines.push(line));
  try {
    for (const [domain, address] of [[S.AF_INET, '127.0.0.1'], [S.AF_INET6, '::1']]) {
      const a = guard(new S.Socket(domain, S.SOCK_DGRAM));
      const b = guard(new S.Socket(domain, S.SOCK_DGRAM));
      a.bind({ address, port: 0 });
      const to = a.getsockname();
      const batch = Array.from({ length: 40 }, (_, i) => (i % 2 ? { buffers: [pattern(i), 'x'], address: to } : { data: pattern(i + 1), address: to }));
      assert.equal(b.sendmmsg(batch), 40);
      const got = a.recvmmsg(64, 16, { flags: S.MSG_WAITFORONE, timeout: GUARD_MS });
      assert.equal(got.length, 40);
      assert.ok(got[39].flags & S.MSG_TRUNC);
      assert.equal(got[0].address.port, b.getsockname().port);
      // Larger than the per-thread scratch: the batch buffer is allocated.
      assert.equal(b.sendmmsg([{ data: pattern(1200), address: to }]), 1);
      assert.equal(sha(a.recvmmsg(64, 1500, { flags: S.MSG_WAITFORONE })[0].data), sha(pattern(1200)));
      // Kept for the next batch above the scratch.
      assert.equal(b.sendmmsg([{ data: pattern(1201), address: to }]), 1);
      assert.equal(sha(a.recvmmsg(64, 1500, { flags: S.MSG_WAITFORONE })[0].data), sha(pattern(1201)));
      assert.throws(() => a.recvmmsg(4, 8, { flags: S.MSG_DONTWAIT }), (error) => error.code === 'EAGAIN');
      // recvmmsgInto: more than the 64 messages kept on the stack, into a view at an offset, with
      // and without the senders.
      assert.equal(b.sendmmsg(Array.from({ length: 70 }, (_, i) => ({ data: pattern(i + 1), address: to }))), 70);
      const into = new Uint8Array(new ArrayBuffer(100 * 16 + 3), 3);
      const results = new Int32Array(200);
      const senders = [];
      assert.equal(a.recvmmsgInto(into, 100, 16, results, { flags: S.MSG_WAITFORONE, senders }), 70);
      assert.equal(sha(Buffer.from(into.subarray(16 * 9, 16 * 9 + 10))), sha(pattern(10)));
      assert.equal(results[2 * 69], 16);
      assert.ok(results[2 * 69 + 1] & S.MSG_TRUNC);
      assert.equal(senders[69].port, b.getsockname().port);
      assert.equal(b.sendmmsg([{ data: pattern(5), address: to }]), 1);
      assert.equal(a.recvmmsgInto(into, 2, 16, results, { flags: S.MSG_WAITFORONE }), 1);
      assert.equal(results[0], 5);
      assert.equal(b.sendmmsg([{ data: 'ok', address: to }, { data: Buffer.alloc(70_000), address: to }]), 1);
      a.close();
      b.close();
    }
    const [p, q] = P.Socket.pair(P.AF_UNIX, P.SOCK_DGRAM);
    const waiting = q.recvmmsg(8, 8, { timeout: GUARD_MS });
    const rights = Buffer.alloc(4);
    rights.writeInt32LE(p.fd);
    assert.equal(await p.sendmmsg([{ data: 'a' }, { data: 'b', control: [{ level: S.SOL_SOCKET, type: S.SCM_RIGHTS, data: rights }] }]), 2);
    // No control buffer: the fd that came is never installed (MSG_CTRUNC), so none leaks.
    const received = await waiting;
    assert.deepEqual(received.map(({ data }) => data.toString()), ['a', 'b'].slice(0, received.length));
    const pending = q.recvmmsgInto(Buffer.alloc(32), 4, 8, new Int32Array(8), { senders: [], timeout: GUARD_MS });
    assert.equal(await p.sendmmsg([{ data: 'c' }]), 1);
    assert.ok((await pending) >= 1);
    p.close();
    q.close();
  } finally {
    S.trace(false);
  }
  assert.ok(lines.some((line) => line.startsWith('sendmmsg(') && line.includes(', ...], 40, MSG_NOSIGNAL)')), lines.join('\n'));
  assert.ok(lines.some((line) => line.startsWith('recvmmsg(') && line.includes('MSG_TRUNC')));
  // The binding's own guards.
  const fd = native.socket(S.AF_INET, S.SOCK_DGRAM | S.SOCK_CLOEXEC, 0);
  throwsType(() => native.sendmmsg(fd, 'x', 0), TypeError);
  throwsType(() => native.sendmmsg(fd, ['x'], 0), TypeError);
  throwsType(() => native.sendmmsg(fd, [['x', null, null]], 0), TypeError);
  throwsType(() => native.sendmmsg(fd, [[[Buffer.alloc(1), 'x'], null, null]], 0), TypeError);
  throwsType(() => native.sendmmsg(fd, [[Array(1025).fill(Buffer.alloc(1)), null, null]], 0), RangeError);
  throwsType(() => native.sendmmsg(fd, [[Buffer.alloc(1), 'x', null]], 0), TypeError);
  throwsType(() => native.sendmmsg(fd, [[Buffer.alloc(1), null, Buffer.alloc(1)]], 0), TypeError);
  const sparse = [];
  sparse.length = 2 ** 32 - 1;
  throwsType(() => native.sendmmsg(fd, sparse, 0), RangeError);
  throwsType(() => native.recvmmsg(fd, Buffer.alloc(8), 0, 8, 0, -1, new Int32Array(2)), RangeError);
  throwsType(() => native.recvmmsg(fd, Buffer.alloc(8), 2, 8, 0, -1, new Int32Array(4)), RangeError);
  throwsType(() => native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, -1, new Int32Array(1)), RangeError);
  throwsType(() => native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, 1e16, new Int32Array(2)), RangeError);
  throwsType(() => native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, NaN, new Int32Array(2)), RangeError);
  throwsType(() => native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, -1, new Int32Array(2), 0), TypeError);
  throwsType(() => native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, -1, new Int32Array(2), {}), TypeError);
  assert.equal(native.setBlocking(fd, 0), 0);
  assert.equal(native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, 5, new Int32Array(2)), -EAGAIN);
  assert.equal(native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, 5, new Int32Array(2), null), -EAGAIN);
  assert.equal(native.recvmmsg(fd, Buffer.alloc(8), 1, 8, 0, 5, new Int32Array(2), []), -EAGAIN);
  assert.equal(native.sendmmsg(fd, [[Buffer.alloc(1), null, null]], 0) < 0, true);
  assert.equal(native.sendmmsg(-1, [], 0), -EBADF);
  assert.equal(native.close(fd), 0);
});

await step('pidfds, credentials, names that are not UTF-8, AF_UNSPEC', async () => {
  const before = openFds();
  const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
  guard(a);
  guard(b);
  // getsockopt SO_PEERPIDFD installs an fd (getsockoptInt); the byte and timeval forms refuse it.
  const pidfd = a.getsockopt(S.SOL_SOCKET, S.SO_PEERPIDFD);
  assert.equal(native.close(pidfd), 0);
  throwsType(() => native.getsockoptBytes(a.fd, S.SOL_SOCKET, S.SO_PEERPIDFD, Buffer.alloc(4)), RangeError);
  throwsType(() => native.getsockoptTimeval(a.fd, S.SO_PEERPIDFD, new Float64Array(1)), RangeError);
  // SCM_PIDFD: decoded, and closed when the control buffer is cut.
  b.setsockopt(S.SOL_SOCKET, S.SO_PASSPIDFD, 1);
  a.send('p');
  const withPidfd = b.recvmsg(4, { controlLength: S.CMSG_SPACE(4) });
  assert.equal(native.close(withPidfd.pidfd), 0);
  a.sendFds([0]);
  const cut = b.recvmsg(4, { controlLength: S.CMSG_SPACE(4) });
  assert.ok(cut.flags & S.MSG_CTRUNC);
  assert.equal(cut.pidfd, null);
  b.setsockopt(S.SOL_SOCKET, S.SO_PASSPIDFD, 0);
  a.send('c');
  assert.equal(b.recvCredentials(4).credentials.pid, 0); // sent before SO_PASSCRED was on
  a.send('c');
  assert.equal(b.recvCredentials(4).credentials.pid, process.pid);
  // A name that is not UTF-8 comes back as the same bytes, from getsockname and recvfrom.
  const name = Buffer.from([0, 0x76, 0x67, 0xff, process.pid & 0x7f, 0xc3]);
  const d = guard(new S.Socket(S.AF_UNIX, S.SOCK_DGRAM));
  d.bind({ path: name });
  assert.deepEqual(d.getsockname().path, name);
  const e = guard(new S.Socket(S.AF_UNIX, S.SOCK_DGRAM));
  e.bind({ path: Buffer.from([0, 0x76, 0x67, 0xe0, 0x80, process.pid & 0x7f]) });
  e.sendto('n', d.getsockname());
  const from = d.recvfrom(4);
  d.sendto('r', from.address);
  assert.equal(e.recv(4).toString(), 'r');
  // AF_UNSPEC dissolves a datagram socket's association.
  e.connect(d.getsockname());
  e.connect({ family: 'AF_UNSPEC' });
  assert.throws(() => e.getpeername(), { code: 'ENOTCONN' });
  const [p, q] = P.Socket.pair(P.AF_UNIX, P.SOCK_DGRAM);
  const waiting = q.recvCredentials(4, { timeout: GUARD_MS });
  await p.send('w');
  assert.ok((await waiting).credentials !== null);
  await p.connect({ family: 'AF_UNSPEC' });
  assert.throws(() => p.getpeername(), { code: 'ENOTCONN' });
  for (const socket of [a, b, d, e, p, q]) socket.close();
  assert.equal(openFds(), before);
});

await step('worker teardown', async () => {
  // Workers that end, that are terminated, and that exit in the turn that closed a waiting socket,
  // with blocking sockets and started pollers open (one of them reopened, one mid-close): the
  // environment's cleanup hooks close the fds and the poll handles, and it waits for their close
  // callbacks.
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const S = require(workerData.root);
    const P = require(workerData.root + '/dist/promises.js');
    const server = new S.Socket(S.AF_INET, S.SOCK_STREAM);
    server.bind({ address: '127.0.0.1', port: 0 });
    server.listen(4);
    const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
    const listener = new P.Socket(P.AF_INET, P.SOCK_STREAM);
    listener.bind({ address: '127.0.0.1', port: 0 });
    listener.listen(4);
    listener.accept().catch(() => {});
    // A poller closed with its socket is kept, and reopened for the next socket that waits (a).
    const [c, d] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
    c.recv(10).catch(() => {});
    c.close();
    a.recv(10).catch(() => {});
    // Started raw pollers left for the collector (the gc step above exposed gc): some finalized
    // before the teardown (their handles closed by ~Poller), the rest after the cleanup hook closed them.
    // One socket each: libuv polls an fd with one handle at a time.
    const N = require(workerData.root + '/dist/native.js').native;
    const polled = Array.from({ length: 4 }, () => S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM));
    for (const [socket] of polled.slice(0, 2)) new N.Poller(socket.fd, () => {}, N.Poller.READABLE, false);
    require('node:vm').runInNewContext('gc')();
    for (const [socket] of polled.slice(2)) new N.Poller(socket.fd, () => {}, N.Poller.READABLE, false);
    P.getaddrinfo('localhost', 80).catch(() => {});
    if (workerData.how === 'unref') { listener.unref(); a.unref(); }
    if (workerData.how === 'exit') {
      const [e, f] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
      e.recv(10).catch(() => {});
      setImmediate(() => { e.close(); process.exit(0); });
    }
    parentPort.postMessage('ready');`;
  for (const how of ['terminate', 'unref', 'exit', 'terminate']) {
    const worker = new Worker(source, { eval: true, workerData: { root, how } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (how === 'terminate') await worker.terminate();
    await exited;
  }
});

const leaked = openFds() - baseline;
assert.equal(leaked, 0, `${leaked} fds left open`);
console.log(`valgrind-driver: ${steps.length} steps ok in ${Math.round(performance.now() - started)} ms (${steps.join(', ')})`);
