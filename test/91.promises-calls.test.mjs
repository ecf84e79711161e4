// The promise flavour ('sockcall/promises'): every call that can wait, its success path and its
// errors. Errors of a waiting call are rejections, never synchronous throws. Everything here runs
// on the main thread over loopback (127.0.0.1, ::1) or Unix sockets, except a slow blocking reader
// in a worker thread (runPeer). Every await is bounded: waiting calls get `{ timeout }`, select/poll
// a finite timeoutMs, getaddrinfo a timeout too.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import * as blocking from 'sockcall';
import * as P from 'sockcall/promises';

import { GUARD_MS, guard, runPeer, tcpPair, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  AI_NUMERICHOST,
  MSG_OOB,
  POLLIN,
  POLLOUT,
  POLLPRI,
  SHUT_WR,
  SO_ERROR,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVLOWAT,
  SO_REUSEADDR,
  SO_SNDBUF,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  SocketError,
  getaddrinfo,
  poll,
  select,
} = P;

/** The wait option every awaited socket call gets: a broken test rejects with ETIMEDOUT instead of hanging. */
const T = Object.freeze({ timeout: GUARD_MS });

/** C's BUFSIZ on glibc (the welcome server's buffers). */
const BUFSIZ = 8192;

// --- helpers -------------------------------------------------------------------------------------

/** A tracked promise Socket. */
function psocket(domain = AF_INET, type = SOCK_STREAM, protocol = 0) {
  return track(new Socket(domain, type, protocol));
}

/** A listening promise Socket on an ephemeral loopback port (or a Unix path). */
function plistener({ domain = AF_INET, address, backlog = 16 } = {}) {
  const server = psocket(domain, SOCK_STREAM);
  if (domain === AF_UNIX) {
    server.bind({ path: address });
  } else {
    server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    server.bind({ address: address ?? (domain === AF_INET6 ? '::1' : '127.0.0.1'), port: 0 });
  }
  server.listen(backlog);
  return server;
}

/** A connected promise pair: [client, accepted, server]. The accept is pending before the connect. */
async function ppair(domain = AF_INET, { beforeConnect } = {}) {
  const server = plistener({ domain });
  const client = psocket(domain, SOCK_STREAM);
  beforeConnect?.(client, server);
  const accepting = server.accept(T);
  await client.connect(server.getsockname(), T);
  const accepted = track(await accepting);
  return [client, accepted, server];
}

/** Watches a promise without consuming its rejection twice: `state.settled` flips when it settles. */
function watchState(promise) {
  const state = { settled: false, value: undefined, error: undefined };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/** Lets every pending microtask (and promise chain of reasonable depth) run, with no macrotask. */
async function microtasks(rounds = 50) {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Asserts that `promise` is still pending after every queued microtask has run (no macrotask). */
async function expectPending(promise, message = 'still pending') {
  const state = watchState(promise);
  await microtasks();
  expect(state.settled, message).to.equal(false);
}

/** `promise`, or a rejection after GUARD_MS: bounds a call made without a timeout of its own. */
async function within(promise, what) {
  let timer;
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${GUARD_MS} ms`)), GUARD_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A connected TCP pair (ppair) whose accepted end's recv(2) calls made from JS are counted, the
 * binding's recv wrapped until `restore()`: `tries()` the count so far; `read()` a recvInto of
 * conn's 4-byte `buf` with no timeout of its own (a call with one always tries first), as
 * [settled within microtasks, i.e. tried from JS; its count]; `arrived()` checks with the blocking
 * poll that bytes are queued on conn.
 */
async function countedRecvPair() {
  const { native } = createRequire(import.meta.url)('../dist/native.js');
  const [client, conn] = await ppair();
  const buf = Buffer.alloc(4);
  const made = native.recv;
  let tries = 0;
  native.recv = (...args) => (tries++, made(...args));
  return {
    client,
    conn,
    buf,
    tries: () => tries,
    restore: () => {
      native.recv = made;
    },
    arrived: () => expect(blocking.poll([{ fd: conn.fd, events: POLLIN }], GUARD_MS), 'the bytes arrived').to.have.length(1),
    read: async () => {
      const receiving = conn.recvInto(buf);
      const state = watchState(receiving);
      await microtasks(5);
      return [state.settled, await within(receiving, 'recvInto')];
    },
  };
}

/** Checks an error's properties (=== each) and class. */
function checkError(error, expected) {
  for (const [key, value] of Object.entries(expected)) {
    if (key === 'instanceOf') expect(error, String(error)).to.be.instanceOf(value);
    else if (key === 'message' && value instanceof RegExp) expect(error.message).to.match(value);
    else expect(error[key], `${key} of ${error}`).to.equal(value);
  }
  return error;
}

/** Awaits `promise`, expecting a rejection like `expected`; returns the error. */
async function rejectsLike(promise, expected) {
  let error;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error(`expected a rejection like ${JSON.stringify(expected)}, but it resolved`);
  return checkError(error, expected);
}

/** Calls `fn`, which must not throw but return a Promise that rejects like `expected`. */
async function rejectsNotThrows(fn, expected) {
  let result;
  expect(() => {
    result = fn();
  }, 'a waiting call must not throw synchronously').not.to.throw();
  expect(result).to.be.instanceOf(Promise);
  return rejectsLike(result, expected);
}

/** Reads from a promise Socket until EOF (bounded), returning everything. */
async function readToEof(sock, { chunk = 65536, maxCalls = 100000 } = {}) {
  const parts = [];
  for (let calls = 0; calls < maxCalls; calls++) {
    const data = await sock.recv(chunk, T);
    if (data.length === 0) return Buffer.concat(parts);
    parts.push(data);
  }
  throw new Error(`readToEof: no EOF after ${maxCalls} recv calls`);
}

/** Reads exactly `length` bytes from a promise Socket. */
async function recvExactly(sock, length) {
  const parts = [];
  let got = 0;
  for (let calls = 0; got < length; calls++) {
    if (calls > 10000) throw new Error(`recvExactly: ${length - got} bytes short`);
    const data = await sock.recv(length - got, T);
    if (data.length === 0) throw new Error(`recvExactly: EOF after ${got} of ${length} bytes`);
    parts.push(data);
    got += data.length;
  }
  return Buffer.concat(parts);
}

/** Every function-valued property name along a prototype chain, up to (not including) Object.prototype. */
function methodNames(prototype) {
  const names = new Set();
  for (let p = prototype; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const descriptor = Object.getOwnPropertyDescriptor(p, name);
      if (name !== 'constructor' && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return names;
}

/** The soft RLIMIT_NOFILE from /proc/self/limits. */
function softNofile() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Infinity : Number(soft);
}

// --- tests ---------------------------------------------------------------------------------------

describe('91 promise flavour: the waiting calls', function () {
  const dirs = [];
  afterEach(function () {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  /** A fresh directory under os.tmpdir() for Unix socket paths, removed after the test. */
  function tempDir() {
    const dir = mkdtempSync(join(tmpdir(), 'sockcall-91-'));
    dirs.push(dir);
    return dir;
  }

  describe('parity with the blocking Socket', function () {
    it('has every method name of the blocking Socket but its try* forms (prototype chains compared), plus only ref/unref/toBlocking', function () {
      const blockingNames = methodNames(blocking.Socket.prototype);
      const promiseNames = methodNames(Socket.prototype);
      for (const name of ['accept', 'connect', 'send', 'sendAll', 'sendto', 'recv', 'recvInto', 'recvfrom', 'bind', 'listen', 'close']) {
        expect(blockingNames.has(name), `blocking has ${name}`).to.equal(true);
      }
      // The would-block forms (null for EAGAIN) are the blocking Socket's alone: a promise call waits instead.
      const wouldBlockForms = ['tryAccept', 'tryRecv', 'tryRecvInto', 'tryRecvfrom', 'tryRecvfromInto', 'tryRecvmmsg', 'tryRecvmmsgInto', 'trySend', 'trySendto'];
      const missing = [...blockingNames].filter((name) => !promiseNames.has(name));
      expect(missing.sort(), 'blocking methods missing from the promise Socket').to.deep.equal(wouldBlockForms);
      const extra = [...promiseNames].filter((name) => !blockingNames.has(name)).sort();
      expect(extra).to.deep.equal(['ref', 'toBlocking', 'unref']);
      // The calls that wait are the promise Socket's own; the ones that never wait are shared.
      for (const name of ['accept', 'connect', 'send', 'sendAll', 'sendfile', 'sendfileAll', 'sendto', 'recv', 'recvInto', 'recvfrom', 'recvfromInto', 'chunks']) {
        expect(Socket.prototype[name], name).to.not.equal(blocking.Socket.prototype[name]);
      }
      // Reading chunk by chunk: `for await` over a promise Socket, `for` over a blocking one.
      expect(Socket.prototype[Symbol.asyncIterator]).to.be.a('function');
      expect(Socket.prototype[Symbol.iterator]).to.equal(undefined);
      expect(blocking.Socket.prototype[Symbol.iterator]).to.be.a('function');
      expect(blocking.Socket.prototype[Symbol.asyncIterator]).to.equal(undefined);
      for (const name of ['bind', 'listen', 'setsockopt', 'getsockopt', 'shutdown', 'getsockname', 'getpeername']) {
        expect(Socket.prototype[name], name).to.equal(blocking.Socket.prototype[name]);
      }
      // The static factories too.
      for (const name of ['pair', 'fromFd']) {
        expect(typeof blocking.Socket[name], name).to.equal('function');
        expect(typeof Socket[name], name).to.equal('function');
      }
    });

    it('the calls that never wait return plain values; bind/listen/... are synchronous and take effect at once', async function () {
      const server = psocket();
      let value = server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      expect(value).to.equal(undefined);
      value = server.getsockopt(SOL_SOCKET, SO_REUSEADDR);
      expect(value).to.be.a('number').and.not.equal(0);
      value = server.bind({ address: '127.0.0.1', port: 0 });
      expect(value).to.equal(undefined);
      value = server.listen(4);
      expect(value).to.equal(undefined);
      const name = server.getsockname();
      expect(name).to.not.be.instanceOf(Promise);
      expect(name.family).to.equal('AF_INET');
      expect(name.port).to.be.within(1, 65535);
      // listen() took effect synchronously: a blocking connect succeeds right away.
      const client = guard(track(new blocking.Socket(AF_INET, SOCK_STREAM)));
      client.connect(name);
      const conn = track(await server.accept(T));
      const peer = conn.getpeername();
      expect(peer).to.not.be.instanceOf(Promise);
      expect(peer).to.deep.equal(client.getsockname());
      value = conn.shutdown(SHUT_WR);
      expect(value).to.equal(undefined);
      expect(client.recv(10).length, 'shutdown(SHUT_WR) already delivered EOF').to.equal(0);
      value = conn.close();
      expect(value).to.equal(undefined);
      expect(conn.closed).to.equal(true);
    });

    it('the waiting calls return Promises and resolve with what the blocking ones return', async function () {
      const server = plistener();
      const client = psocket();
      const connecting = client.connect(server.getsockname(), T);
      expect(connecting).to.be.instanceOf(Promise);
      expect(await connecting).to.equal(undefined);
      const accepting = server.accept(T);
      expect(accepting).to.be.instanceOf(Promise);
      const conn = track(await accepting);
      expect(conn).to.be.instanceOf(Socket);

      const sending = client.send('hello', T);
      expect(sending).to.be.instanceOf(Promise);
      expect(await sending).to.equal(5);
      const sendingAll = client.sendAll(Buffer.from(' world'), T);
      expect(sendingAll).to.be.instanceOf(Promise);
      expect(await sendingAll).to.equal(6);
      const receiving = conn.recv(5, T);
      expect(receiving).to.be.instanceOf(Promise);
      const first = await receiving;
      expect(Buffer.isBuffer(first)).to.equal(true);
      expect(first.toString()).to.equal('hello');
      const view = new Uint8Array(6);
      const receivingInto = conn.recvInto(view, T);
      expect(receivingInto).to.be.instanceOf(Promise);
      expect(await receivingInto).to.equal(6);
      expect(Buffer.from(view).toString()).to.equal(' world');

      const a = psocket(AF_INET, SOCK_DGRAM);
      const b = psocket(AF_INET, SOCK_DGRAM);
      a.bind({ address: '127.0.0.1', port: 0 });
      b.bind({ address: '127.0.0.1', port: 0 });
      const sendingTo = a.sendto('dgram', b.getsockname(), T);
      expect(sendingTo).to.be.instanceOf(Promise);
      expect(await sendingTo).to.equal(5);
      const receivingFrom = b.recvfrom(100, T);
      expect(receivingFrom).to.be.instanceOf(Promise);
      const got = await receivingFrom;
      expect(got.data.toString()).to.equal('dgram');
      expect(got.address).to.deep.equal(a.getsockname());
    });

    it('a bad argument or a closed socket gives a rejected Promise, never a synchronous throw', async function () {
      const [client, conn, server] = await ppair();
      const udp = psocket(AF_INET, SOCK_DGRAM);
      const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
      const rangeError = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' };
      await rejectsNotThrows(() => server.accept('soon'), typeError);
      await rejectsNotThrows(() => server.accept({ timeout: -1 }), rangeError);
      await rejectsNotThrows(() => server.accept({ signal: 'stop' }), typeError);
      await rejectsNotThrows(() => psocket().connect({ address: 'no-such-ip', port: 1 }, T), {
        instanceOf: TypeError,
        code: 'ERR_INVALID_ARG_VALUE',
      });
      await rejectsNotThrows(() => psocket().connect('127.0.0.1:80', T), typeError);
      await rejectsNotThrows(() => client.send(42, T), typeError);
      await rejectsNotThrows(() => client.sendAll(null, T), typeError);
      await rejectsNotThrows(() => client.sendfile('file', 0, 1, T), typeError);
      await rejectsNotThrows(() => client.sendfileAll(0, -1, 1, T), rangeError);
      await rejectsNotThrows(() => client.sendfile(0, 0, 1, { timeout: 'soon' }), typeError);
      await rejectsNotThrows(() => client.send('x', 'flags'), typeError);
      await rejectsNotThrows(() => udp.sendto('x', 'nowhere', T), typeError);
      await rejectsNotThrows(() => conn.recv(-1, T), rangeError);
      await rejectsNotThrows(() => conn.recv('10', T), typeError);
      await rejectsNotThrows(() => conn.recv(10, { timeout: 'soon' }), typeError);
      await rejectsNotThrows(() => conn.recvInto([1, 2, 3], T), typeError);
      await rejectsNotThrows(() => udp.recvfrom(1.5, T), rangeError);
      await rejectsNotThrows(() => udp.recvfromInto('view', T), typeError);
      await rejectsNotThrows(() => udp.recvfromInto(Buffer.alloc(8), 1.5, T), rangeError);
      await rejectsNotThrows(() => udp.recvfromInto(Buffer.alloc(8), { senders: {}, timeout: 10 }), typeError);
      await rejectsNotThrows(() => udp.recvfromInto(Buffer.alloc(8), { timeout: -1 }), rangeError);
      await rejectsNotThrows(() => udp.recvfromInto(Buffer.alloc(8), { sender: [] }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      await rejectsNotThrows(() => select('read', [], [], 10), typeError);
      await rejectsNotThrows(() => select([conn], [], [], -5), rangeError);
      await rejectsNotThrows(() => select([{}], [], [], 10), typeError);
      await rejectsNotThrows(() => poll('entries', 10), typeError);
      await rejectsNotThrows(() => poll([{ fd: conn, events: 'in' }], 10), typeError);
      await rejectsNotThrows(() => getaddrinfo(42, 80, {}, T), typeError);
      // None of those calls consumed anything: the stream still works.
      expect(await client.send('ok', T)).to.equal(2);
      expect((await conn.recv(10, T)).toString()).to.equal('ok');
      // A closed socket: EBADF as a rejection.
      conn.close();
      const ebadf = { instanceOf: SocketError, code: 'EBADF' };
      await rejectsNotThrows(() => conn.recv(10, T), { ...ebadf, syscall: 'recv' });
      await rejectsNotThrows(() => conn.recvInto(new Uint8Array(4), T), ebadf);
      await rejectsNotThrows(() => conn.send('x', T), { ...ebadf, syscall: 'send' });
      await rejectsNotThrows(() => conn.sendAll('x', T), ebadf);
      await rejectsNotThrows(() => conn.sendfile(0, 0, 1, T), { ...ebadf, syscall: 'sendfile' });
      await rejectsNotThrows(() => conn.sendfileAll(0, null, 1, T), { ...ebadf, syscall: 'sendfile' });
      await rejectsNotThrows(() => conn.connect(server.getsockname(), T), { ...ebadf, syscall: 'connect' });
      server.close();
      await rejectsNotThrows(() => server.accept(T), { ...ebadf, syscall: 'accept' });
      udp.close();
      await rejectsNotThrows(() => udp.recvfrom(10, T), ebadf);
      await rejectsNotThrows(() => udp.recvfromInto(Buffer.alloc(8), T), { ...ebadf, syscall: 'recvfrom' });
      await rejectsNotThrows(() => udp.sendto('x', { address: '127.0.0.1', port: 9 }, T), ebadf);
      await rejectsNotThrows(() => select([conn], [], [], 10), ebadf);
      await rejectsNotThrows(() => poll([{ fd: conn, events: POLLIN }], 10), ebadf);
    });

    it('new sockets, Socket.pair and Socket.fromFd give non-blocking promise Sockets', async function () {
      for (const [domain, type] of [
        [AF_INET, SOCK_STREAM],
        [AF_INET6, SOCK_STREAM],
        [AF_INET, SOCK_DGRAM],
        [AF_UNIX, SOCK_STREAM],
      ]) {
        const s = psocket(domain, type);
        expect(s.getBlocking(), `domain ${domain} type ${type}`).to.equal(false);
        expect(s.type).to.equal(type);
      }
      // The blocking flavour's sockets are blocking: the check can tell the difference.
      expect(track(new blocking.Socket(AF_INET, SOCK_STREAM)).getBlocking()).to.equal(true);

      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, b);
      for (const end of [a, b]) {
        expect(end).to.be.instanceOf(Socket);
        expect(end.getBlocking()).to.equal(false);
        expect(end.domain).to.equal(AF_UNIX);
        expect(end.type).to.equal(SOCK_STREAM);
      }
      const reading = b.recv(10, T);
      expect(await a.send('pair', T)).to.equal(4);
      expect((await reading).toString()).to.equal('pair');

      const original = new blocking.Socket(AF_INET, SOCK_DGRAM);
      expect(original.getBlocking()).to.equal(true);
      const fd = original.detach();
      const adopted = track(Socket.fromFd(fd));
      expect(adopted).to.be.instanceOf(Socket);
      expect(adopted.fd).to.equal(fd);
      expect(adopted.domain).to.equal(AF_INET);
      expect(adopted.type).to.equal(SOCK_DGRAM);
      expect(adopted.getBlocking()).to.equal(false);
      // It waits like any promise Socket: a recvfrom with nothing queued is pending, not EAGAIN.
      adopted.bind({ address: '127.0.0.1', port: 0 });
      const waiting = adopted.recvfrom(100, T);
      const state = watchState(waiting);
      await microtasks();
      expect(state.settled).to.equal(false);
      const sender = psocket(AF_INET, SOCK_DGRAM);
      await sender.sendto('adopted', adopted.getsockname(), T);
      expect((await waiting).data.toString()).to.equal('adopted');
    });
  });

  describe('accept and connect', function () {
    for (const [label, domain, family, address] of [
      ['TCP over 127.0.0.1', AF_INET, 'AF_INET', '127.0.0.1'],
      ['TCP over ::1', AF_INET6, 'AF_INET6', '::1'],
    ]) {
      it(`${label}: a pending accept resolves with a promise Socket of the same domain/type when connect resolves`, async function () {
        const server = plistener({ domain });
        const client = psocket(domain, SOCK_STREAM);
        const accepting = server.accept(T);
        const state = watchState(accepting);
        await microtasks();
        expect(state.settled, 'accept waits for a connection').to.equal(false);
        await client.connect(server.getsockname(), T);
        const conn = track(await accepting);
        expect(conn).to.be.instanceOf(Socket);
        expect(conn.domain).to.equal(domain);
        expect(conn.type).to.equal(SOCK_STREAM);
        expect(conn.getBlocking()).to.equal(false);
        expect(conn.getpeername()).to.deep.equal(client.getsockname());
        expect(client.getpeername()).to.deep.equal(server.getsockname());
        expect(conn.getsockname()).to.deep.include({ family, address });
        // The connection works both ways.
        expect(await client.send('ping', T)).to.equal(4);
        expect((await conn.recv(10, T)).toString()).to.equal('ping');
        expect(await conn.send('pong', T)).to.equal(4);
        expect((await client.recv(10, T)).toString()).to.equal('pong');
      });
    }

    it('connects started one after another, each to its own listener, each reach their own (the address is read once, by the first connect(2))', async function () {
      const servers = [plistener({}), plistener({}), plistener({})];
      const clients = servers.map(() => psocket(AF_INET, SOCK_STREAM));
      // All started before any settles: each later one encodes its address while the earlier wait.
      const connecting = clients.map((client, i) => client.connect(servers[i].getsockname(), T));
      const accepted = await Promise.all(servers.map((server) => server.accept(T)));
      await Promise.all(connecting);
      for (let i = 0; i < servers.length; i++) {
        track(accepted[i]);
        expect(clients[i].getpeername()).to.deep.equal(servers[i].getsockname());
        expect(accepted[i].getpeername()).to.deep.equal(clients[i].getsockname());
      }
    });

    it('AF_UNIX (a pathname under os.tmpdir()): accept and connect, the path removed afterwards', async function () {
      const path = join(tempDir(), 'server.sock');
      const server = plistener({ domain: AF_UNIX, address: path });
      expect(server.getsockname()).to.deep.equal({ family: 'AF_UNIX', path });
      const client = psocket(AF_UNIX, SOCK_STREAM);
      const accepting = server.accept(T);
      await client.connect({ path }, T);
      const conn = track(await accepting);
      expect(conn).to.be.instanceOf(Socket);
      expect(conn.domain).to.equal(AF_UNIX);
      expect(conn.type).to.equal(SOCK_STREAM);
      expect(conn.getBlocking()).to.equal(false);
      expect(client.getpeername()).to.deep.equal({ family: 'AF_UNIX', path });
      const reading = conn.recv(100, T);
      expect(await client.sendAll('over a unix socket', T)).to.equal(18);
      expect((await reading).toString()).to.equal('over a unix socket');
    });

    it('AF_UNIX connect to a path nobody listens on rejects ENOENT / ECONNREFUSED with the path', async function () {
      const dir = tempDir();
      const missing = join(dir, 'missing.sock');
      await rejectsLike(psocket(AF_UNIX, SOCK_STREAM).connect({ path: missing }, T), {
        instanceOf: SocketError,
        code: 'ENOENT',
        syscall: 'connect',
        path: missing,
      });
      // A socket file whose socket is bound but not listening.
      const stale = join(dir, 'stale.sock');
      psocket(AF_UNIX, SOCK_STREAM).bind({ path: stale });
      await rejectsLike(psocket(AF_UNIX, SOCK_STREAM).connect({ path: stale }, T), {
        instanceOf: SocketError,
        code: 'ECONNREFUSED',
        syscall: 'connect',
        path: stale,
      });
    });

    for (const [label, domain, address] of [
      ['127.0.0.1', AF_INET, '127.0.0.1'],
      ['::1', AF_INET6, '::1'],
    ]) {
      it(`connect to a refused port on ${label} rejects ECONNREFUSED with address and port (SO_ERROR read and cleared)`, async function () {
        // A port bound but not listening: the SYN gets a RST.
        const holder = psocket(domain, SOCK_STREAM);
        holder.bind({ address, port: 0 });
        const { port } = holder.getsockname();
        const client = psocket(domain, SOCK_STREAM);
        const error = await rejectsLike(client.connect({ address, port }, T), {
          instanceOf: SocketError,
          code: 'ECONNREFUSED',
          errno: -111,
          syscall: 'connect',
          address,
          port,
        });
        expect(error.message).to.equal(`connect ECONNREFUSED ${address}:${port}`);
        // The pending error was taken from the socket (getsockopt(SO_ERROR) clears it).
        expect(client.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      });
    }
  });

  describe('FIFO per direction', function () {
    it('three pending recv calls are served in order, each with its own chunk, as data arrives', async function () {
      const [client, conn] = await ppair();
      const r1 = conn.recv(100, T);
      const r2 = conn.recv(100, T);
      const r3 = conn.recv(100, T);
      const states = [r1, r2, r3].map(watchState);
      await microtasks();
      expect(states.map((s) => s.settled)).to.deep.equal([false, false, false]);

      await client.send('first', T);
      expect((await r1).toString()).to.equal('first');
      await microtasks();
      expect(states.map((s) => s.settled)).to.deep.equal([true, false, false]);
      await client.send('second', T);
      expect((await r2).toString()).to.equal('second');
      await microtasks();
      expect(states[2].settled).to.equal(false);
      await client.send('third', T);
      expect((await r3).toString()).to.equal('third');
    });

    it('pending recvs served from one readiness event take the bytes in call order', async function () {
      const [client, conn] = await ppair();
      const pending = [conn.recv(3, T), conn.recv(3, T), conn.recv(5, T), conn.recv(100, T)];
      const order = [];
      pending.forEach((p, i) => p.then(() => order.push(i)));
      // All the bytes arrive at once (one send): the queue is drained in order.
      await client.send('onetwothreefour!', T);
      const got = (await Promise.all(pending)).map(String);
      expect(got).to.deep.equal(['one', 'two', 'three', 'four!']);
      expect(order).to.deep.equal([0, 1, 2, 3]);
    });

    it('two pending accepts resolve in connection order', async function () {
      const server = plistener();
      const a1 = server.accept(T);
      const a2 = server.accept(T);
      const order = [];
      a1.then(() => order.push(1));
      a2.then(() => order.push(2));
      const c1 = psocket();
      const c2 = psocket();
      await c1.connect(server.getsockname(), T);
      await c2.connect(server.getsockname(), T);
      const [s1, s2] = await Promise.all([a1, a2]);
      track(s1, s2);
      expect(order).to.deep.equal([1, 2]);
      expect(s1.getpeername()).to.deep.equal(c1.getsockname());
      expect(s2.getpeername()).to.deep.equal(c2.getsockname());
      expect(c1.getsockname().port).to.not.equal(c2.getsockname().port);
    });

    it('pending sends complete in order, and the bytes go out in that order', async function () {
      const [client, conn] = await ppair(AF_INET, {
        beforeConnect(c, server) {
          c.setsockopt(SOL_SOCKET, SO_SNDBUF, 8192);
          server.setsockopt(SOL_SOCKET, SO_RCVBUF, 8192);
        },
      });
      // Fill the send path: send until a send has to wait (it is pending, not settled within
      // microtasks). That one is s0; the three after it queue behind it.
      const filler = [];
      const chunk = randomBytes(65536);
      let s0;
      for (let i = 0; s0 === undefined; i++) {
        if (i > 1000) throw new Error('the send buffer never filled');
        const sending = client.send(chunk, T);
        const sendState = watchState(sending);
        await microtasks();
        if (sendState.settled) filler.push(chunk.subarray(0, sendState.value));
        else s0 = sending;
      }
      const A = randomBytes(200_000);
      const B = randomBytes(65536);
      const C = randomBytes(100_000);
      const order = [];
      const s1 = client.sendAll(A, T);
      const s2 = client.send(B, T);
      const s3 = client.sendAll(C, T);
      const states = [s0, s1, s2, s3].map(watchState);
      s0.then(() => order.push(0));
      s1.then(() => order.push(1));
      s2.then(() => order.push(2));
      s3.then(() => order.push(3));
      await microtasks();
      expect(states.map((s) => s.settled), 'all four wait for buffer space').to.deep.equal([false, false, false, false]);
      const sending = Promise.all([s0, s1, s2, s3]).then((counts) => {
        client.shutdown(SHUT_WR);
        return counts;
      });
      const [received, counts] = await Promise.all([readToEof(conn), sending]);
      expect(order).to.deep.equal([0, 1, 2, 3]);
      expect(counts[0]).to.be.within(1, chunk.length);
      expect(counts[1]).to.equal(A.length);
      expect(counts[2]).to.be.within(1, B.length);
      expect(counts[3]).to.equal(C.length);
      const expected = Buffer.concat([...filler, chunk.subarray(0, counts[0]), A, B.subarray(0, counts[2]), C]);
      expect(received.length).to.equal(expected.length);
      expect(received.equals(expected), 'the stream holds filler, s0, A, B (as sent), C in order').to.equal(true);
    });
  });

  describe('the fast path', function () {
    it('recv with data already queued resolves within the same macrotask', async function () {
      const [client, conn] = await ppair();
      expect(await client.send('ready', T)).to.equal(5);
      // Confirm with the blocking flavour's poll that the bytes have arrived.
      expect(blocking.poll([{ fd: conn.fd, events: POLLIN }], GUARD_MS)).to.have.length(1);
      let immediateRan = false;
      setImmediate(() => {
        immediateRan = true;
      });
      const receiving = conn.recv(5, T);
      const state = watchState(receiving);
      await microtasks(5);
      expect(state.settled, 'resolved using microtasks only').to.equal(true);
      expect(immediateRan).to.equal(false);
      const data = await receiving;
      expect(immediateRan, 'resolved before the setImmediate callback').to.equal(false);
      expect(data.toString()).to.equal('ready');

      // The control: with nothing queued, recv does not resolve within microtasks.
      const waiting = conn.recv(5, T);
      const waitingState = watchState(waiting);
      await microtasks(5);
      expect(waitingState.settled).to.equal(false);
      await client.send('later', T);
      expect((await waiting).toString()).to.equal('later');
    });

    it('a recv on a stream tries at once after a full read, and waits for readiness first after a short read', async function () {
      const { client, conn, buf, tries, read, arrived, restore } = await countedRecvPair();
      try {
        await client.send('abcdefgh', T);
        arrived();
        expect(await read()).to.deep.equal([true, 4]);
        expect(await read()).to.deep.equal([true, 4]);
        expect(tries()).to.equal(2);
        // Both reads were full: the next one tries, says EAGAIN, and the poller makes the one that reads.
        const waiting = conn.recvInto(buf, T);
        await expectPending(waiting);
        expect(tries()).to.equal(3);
        await client.send('xy', T);
        expect(await waiting).to.equal(2);

        // That read was short: the queue is empty, so the next recv waits first (no try from JS),
        // and level-triggered readiness still reports the bytes already there.
        await client.send('abcd', T);
        arrived();
        expect(await read()).to.deep.equal([false, 4]);
        expect(buf.toString()).to.equal('abcd');
        expect(tries()).to.equal(3);
      } finally {
        restore();
      }
    });

    it('a recv after a send waits first once the peer has been answering later, and tries again once it answers sooner', async function () {
      const { client, conn, buf, tries, read, arrived, restore } = await countedRecvPair();
      try {
        // An echo's server side: twice, the recv tried after the send finds nothing yet.
        for (let round = 1; round <= 2; round++) {
          await conn.send('q', T);
          const receiving = conn.recvInto(buf, T);
          await expectPending(receiving);
          expect(tries()).to.equal(round);
          await client.send('abcd', T);
          expect(await receiving).to.equal(4);
        }
        // Now a recv after a send waits for readiness first: no try from JS, even with the bytes there.
        await conn.send('q', T);
        await client.send('efgh', T);
        arrived();
        expect(await read()).to.deep.equal([false, 4]);
        expect(buf.toString()).to.equal('efgh');
        expect(tries()).to.equal(2);

        // A full read with no send since: the next recv tries at once.
        await client.send('ijkl', T);
        arrived();
        expect(await read()).to.deep.equal([true, 4]);
        expect(tries()).to.equal(3);

        // The peer's answers come to be there before the recv: within 4 rounds one recv tries,
        // finds them, and the recvs after a send try at once again.
        let rounds = 0;
        let settledAtOnce = false;
        while (!settledAtOnce && ++rounds <= 4) {
          await client.send('mnop', T);
          arrived();
          await conn.send('q', T);
          [settledAtOnce] = await read();
        }
        expect(settledAtOnce, 'a recv after a send tried again').to.equal(true);
        for (let round = 0; round < 2; round++) {
          await client.send('qrst', T);
          arrived();
          await conn.send('q', T);
          expect(await read()).to.deep.equal([true, 4]);
        }
        expect(buf.toString()).to.equal('qrst');
      } finally {
        restore();
      }
    });

    it('a recv with a timeout tries at once where it would wait first: bytes already queued are not lost to its timer', async function () {
      const { client, conn, buf, tries, arrived, restore } = await countedRecvPair();
      /** recvInto with { timeout: 0 }, the turn then kept busy past that timer's due time; it tries from JS. */
      const readWithZeroTimeout = async () => {
        const before = tries();
        const receiving = conn.recvInto(buf, { timeout: 0 });
        expect(tries(), 'tried at once').to.equal(before + 1);
        const start = performance.now();
        while (performance.now() - start < 5); // a timer due now fires before the loop polls again
        return receiving;
      };
      try {
        // After a short read.
        await client.send('ab', T);
        arrived();
        expect(await conn.recvInto(buf, T)).to.equal(2);
        await client.send('cdef', T);
        arrived();
        expect(await readWithZeroTimeout()).to.equal(4);
        expect(buf.toString()).to.equal('cdef');
        // After a send to a peer that has been answering later.
        for (let round = 0; round < 2; round++) {
          await conn.send('q', T);
          const receiving = conn.recvInto(buf, T);
          await expectPending(receiving);
          await client.send('abcd', T);
          expect(await receiving).to.equal(4);
        }
        await client.send('wxyz', T);
        arrived();
        await conn.send('q', T);
        expect(await readWithZeroTimeout()).to.equal(4);
        expect(buf.toString()).to.equal('wxyz');
      } finally {
        restore();
      }
    });

  });

  describe('sendAll and partial sends', function () {
    it('sendAll of 16 MiB against a slow reader completes, SHA-256 equal on both sides', async function () {
      this.timeout(30000);
      const server = plistener();
      const { port } = server.getsockname();
      const peer = runPeer(
        `
        const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVBUF } = sockcall;
        const { createHash } = require('node:crypto');
        const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
        const s = new Socket(AF_INET, SOCK_STREAM);
        try {
          s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
          s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 5000);
          s.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536);
          s.connect({ address: '127.0.0.1', port: data.port });
          const hash = createHash('sha256');
          let total = 0;
          let pauses = 0;
          let nextPause = 0;
          for (let calls = 0; calls < 1000000; calls++) {
            if (total >= nextPause) {
              pause(40);
              pauses++;
              nextPause += 2 * 1024 * 1024;
            }
            const chunk = s.recv(65536);
            if (chunk.length === 0) break;
            hash.update(chunk);
            total += chunk.length;
          }
          return { total, pauses, hash: hash.digest('hex') };
        } finally {
          s.close();
        }`,
        { port },
        { timeout: 25000 },
      );
      peer.catch(() => {});
      const conn = track(await server.accept(T));
      conn.setsockopt(SOL_SOCKET, SO_SNDBUF, 65536);
      const payload = randomBytes(16 * 1024 * 1024);
      const expectedHash = createHash('sha256').update(payload).digest('hex');
      const started = Date.now();
      const sending = conn.sendAll(payload, { timeout: 20000 });
      const state = watchState(sending);
      await microtasks();
      expect(state.settled, 'sendAll had to wait for the reader').to.equal(false);
      expect(await sending).to.equal(payload.length);
      const elapsed = Date.now() - started;
      conn.close();
      const result = await peer;
      expect(result.total).to.equal(payload.length);
      expect(result.hash).to.equal(expectedHash);
      expect(result.pauses).to.be.at.least(8);
      // The reader's pauses paced the writer: sendAll spanned most of them.
      expect(elapsed).to.be.at.least(200);
    });

    it('send resolves with a partial count when the send buffer is full (small SO_SNDBUF)', async function () {
      const [client, conn] = await ppair(AF_INET, {
        beforeConnect(c, server) {
          c.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
          server.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
        },
      });
      const big = randomBytes(4 * 1024 * 1024);
      const n1 = await client.send(big, T);
      expect(n1, 'the first send takes what fits, at once').to.be.within(1, big.length - 1);
      // Keep sending (each send again partial, on the fast path) until one has to wait: the
      // buffers are full then, and that send is pending.
      let sent = n1;
      let second;
      let state;
      for (let i = 0; second === undefined; i++) {
        if (i > 1000) throw new Error('the send buffer never filled');
        const sending = client.send(big.subarray(sent), T);
        const sendState = watchState(sending);
        await microtasks();
        if (!sendState.settled) {
          second = sending;
          state = sendState;
        } else {
          expect(sendState.value).to.be.within(1, big.length - sent - 1);
          sent += sendState.value;
        }
      }
      expect(state.settled, 'send waits while the buffer is full').to.equal(false);
      // The reader drains; the pending send goes through with a partial count.
      const parts = [];
      let got = 0;
      for (let i = 0; !state.settled || got < sent; i++) {
        if (i > 10000) throw new Error('reader loop did not end');
        const data = await conn.recv(65536, T);
        parts.push(data);
        got += data.length;
      }
      const n2 = await second;
      expect(n2).to.be.within(1, big.length - sent - 1);
      sent += n2;
      // Everything the sends counted arrives, and nothing more.
      client.shutdown(SHUT_WR);
      parts.push(await readToEof(conn));
      const received = Buffer.concat(parts);
      expect(received.length).to.equal(sent);
      expect(received.equals(big.subarray(0, sent))).to.equal(true);
    });
  });

  describe('recvInto, recvfrom, sendto, datagrams, EOF and half-close', function () {
    it('recvInto writes only inside its view (typed array or DataView at an offset)', async function () {
      const [client, conn] = await ppair();
      const backing = Buffer.alloc(32, 0xee);
      const view = new Uint8Array(backing.buffer, backing.byteOffset + 8, 8);
      const pending = conn.recvInto(view, T);
      const payload = Buffer.from('0123456789abcdefghij');
      await client.send(payload, T);
      expect(await pending).to.equal(8);
      expect(backing.subarray(8, 16).toString()).to.equal('01234567');
      expect(backing.subarray(0, 8).equals(Buffer.alloc(8, 0xee)), 'before the view untouched').to.equal(true);
      expect(backing.subarray(16).equals(Buffer.alloc(16, 0xee)), 'after the view untouched').to.equal(true);
      // A DataView over the middle of an ArrayBuffer, on the fast path (bytes already queued).
      const raw = new ArrayBuffer(24);
      new Uint8Array(raw).fill(0x55);
      const dataView = new DataView(raw, 4, 5);
      expect(await conn.recvInto(dataView, T)).to.equal(5);
      const bytes = new Uint8Array(raw);
      expect(Buffer.from(bytes.subarray(4, 9)).toString()).to.equal('89abc');
      expect([...bytes.subarray(0, 4), ...bytes.subarray(9)].every((b) => b === 0x55)).to.equal(true);
      // The rest was not consumed by either call.
      expect((await conn.recv(100, T)).toString()).to.equal('defghij');
    });

    it('UDP: sendto resolves with the length; recvfrom gives the data and the sender address', async function () {
      const a = psocket(AF_INET, SOCK_DGRAM);
      const b = psocket(AF_INET, SOCK_DGRAM);
      a.bind({ address: '127.0.0.1', port: 0 });
      b.bind({ address: '127.0.0.1', port: 0 });
      const receiving = b.recvfrom(1500, T);
      await expectPending(receiving);
      expect(await a.sendto('to b', b.getsockname(), T)).to.equal(4);
      const { data, address } = await receiving;
      expect(data.toString()).to.equal('to b');
      expect(address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: a.getsockname().port });
      // Reply to whoever sent it.
      expect(await b.sendto(Buffer.from('to a'), address, T)).to.equal(4);
      const back = await a.recvfrom(1500, T);
      expect(back.data.toString()).to.equal('to a');
      expect(back.address).to.deep.equal(b.getsockname());
      // IPv6 too.
      const c = psocket(AF_INET6, SOCK_DGRAM);
      const d = psocket(AF_INET6, SOCK_DGRAM);
      c.bind({ address: '::1', port: 0 });
      d.bind({ address: '::1', port: 0 });
      await c.sendto('six', d.getsockname(), T);
      const six = await d.recvfrom(100, T);
      expect(six.data.toString()).to.equal('six');
      expect(six.address).to.deep.include({ family: 'AF_INET6', address: '::1', port: c.getsockname().port });
    });

    it('recvfromInto waits for a datagram, which the poller takes itself into the view, the sender into senders[0]', async function () {
      const { native } = createRequire(import.meta.url)('../dist/native.js');
      for (const [domain, address] of [[AF_INET, '127.0.0.1'], [AF_INET6, '::1']]) {
        const a = psocket(domain, SOCK_DGRAM);
        const b = psocket(domain, SOCK_DGRAM);
        a.bind({ address, port: 0 });
        b.bind({ address, port: 0 });
        const buffer = Buffer.alloc(16);
        const senders = [];
        let firstSender;
        const made = native.recvfrom;
        let fromJs = 0;
        native.recvfrom = (...args) => (fromJs++, made(...args));
        try {
          for (const text of ['one', 'two', 'three']) {
            const receiving = b.recvfromInto(buffer, { senders, ...T });
            await expectPending(receiving);
            await a.sendto(text, b.getsockname(), T);
            expect(await receiving).to.equal(text.length);
            expect(buffer.subarray(0, text.length).toString()).to.equal(text);
            expect(senders).to.deep.equal([a.getsockname()]);
            // One sender in a row: one (frozen) object, as the blocking call's.
            expect(senders[0]).to.equal((firstSender ??= senders[0]));
          }
        } finally {
          native.recvfrom = made;
        }
        // Only each call's first try (EAGAIN) was made from JS: the recvfrom that took the datagram was the poller's.
        expect(fromJs).to.equal(3);
        // Without senders: the count alone.
        await a.sendto('bare', b.getsockname(), T);
        expect(await b.recvfromInto(buffer, T)).to.equal(4);
      }
    });

    it('recvfromInto: a Unix datagram sender, truncation and MSG_TRUNC, an empty datagram', async function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM);
      track(a, b);
      const view = new Uint8Array(4);
      const senders = [];
      const receiving = b.recvfromInto(view, 0, { senders, ...T });
      await expectPending(receiving);
      await a.send('abcdefgh', T);
      expect(await receiving).to.equal(4);
      expect(Buffer.from(view).toString()).to.equal('abcd');
      expect(senders).to.deep.equal([{ family: 'AF_UNIX', path: '' }]);
      await a.send('0123456789', T);
      expect(await b.recvfromInto(view, blocking.MSG_TRUNC, { senders, ...T })).to.equal(10);
      expect(Buffer.from(view).toString()).to.equal('0123');
      await a.send(Buffer.alloc(0), T);
      expect(await b.recvfromInto(view, { senders, ...T })).to.equal(0);
    });

    it('recvfromInto times out (ETIMEDOUT) or aborts having taken nothing: the next call gets the datagram', async function () {
      const a = psocket(AF_INET, SOCK_DGRAM);
      const b = psocket(AF_INET, SOCK_DGRAM);
      b.bind({ address: '127.0.0.1', port: 0 });
      const buffer = Buffer.alloc(8);
      const senders = ['untouched'];
      const timedOut = await b.recvfromInto(buffer, { senders, timeout: 30 }).catch((error) => error);
      expect(timedOut).to.include({ code: 'ETIMEDOUT', syscall: 'recvfrom' });
      const controller = new AbortController();
      const aborted = b.recvfromInto(buffer, { senders, signal: controller.signal });
      controller.abort();
      expect(await aborted.catch((error) => error)).to.be.instanceOf(P.AbortError);
      expect(senders).to.deep.equal(['untouched']);
      await a.sendto('kept', b.getsockname(), T);
      expect(await b.recvfromInto(buffer, { senders, ...T })).to.equal(4);
      expect(buffer.subarray(0, 4).toString()).to.equal('kept');
    });

    it('UDP keeps message boundaries: one recv per datagram, a short recv truncates that datagram only', async function () {
      const a = psocket(AF_INET, SOCK_DGRAM);
      const b = psocket(AF_INET, SOCK_DGRAM);
      b.bind({ address: '127.0.0.1', port: 0 });
      const to = b.getsockname();
      for (const message of ['alpha', 'b', 'gamma-delta', '', 'zz']) {
        expect(await a.sendto(message, to, T)).to.equal(message.length);
      }
      expect((await b.recvfrom(100, T)).data.toString()).to.equal('alpha');
      expect((await b.recv(100, T)).toString()).to.equal('b');
      // 3 bytes of an 11-byte datagram: the rest of it is discarded, not handed to the next recv.
      expect((await b.recv(3, T)).toString()).to.equal('gam');
      const empty = await b.recvfrom(100, T);
      expect(empty.data.length).to.equal(0);
      expect(empty.address.port).to.equal(a.getsockname().port);
      expect((await b.recv(100, T)).toString()).to.equal('zz');
    });

    it('EOF resolves an empty Buffer: for a recv already pending and for one made after', async function () {
      const [client, conn] = await ppair();
      const pending = conn.recv(100, T);
      await client.send('last words', T);
      expect((await pending).toString()).to.equal('last words');
      const atEof = conn.recv(100, T);
      await expectPending(atEof);
      client.close();
      const eof = await atEof;
      expect(Buffer.isBuffer(eof)).to.equal(true);
      expect(eof.length).to.equal(0);
      // EOF stays EOF.
      expect((await conn.recv(100, T)).length).to.equal(0);
    });

    it('half-close: shutdown(SHUT_WR) makes the peer recv resolve empty; the other direction still works', async function () {
      const [client, conn] = await ppair();
      const pending = conn.recv(100, T);
      await client.send('request', T);
      expect((await pending).toString()).to.equal('request');
      const eof = conn.recv(100, T);
      client.shutdown(SHUT_WR);
      expect((await eof).length).to.equal(0);
      // The server still answers, and the half-closed client still reads it.
      const reading = client.recv(100, T);
      expect(await conn.sendAll('response', T)).to.equal(8);
      expect((await reading).toString()).to.equal('response');
      // And the client's writes now fail: EPIPE, as a rejection.
      await rejectsLike(client.send('more', T), { instanceOf: SocketError, code: 'EPIPE', syscall: 'send' });
    });

    it('a connection reset (RST) rejects a pending recv with ECONNRESET from recv', async function () {
      const [client, conn] = await ppair();
      const pending = conn.recv(100, T);
      await expectPending(pending);
      // SO_LINGER { on, 0 }: close() sends a RST instead of a FIN.
      client.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
      client.close();
      await rejectsLike(pending, { instanceOf: SocketError, code: 'ECONNRESET', syscall: 'recv' });
    });
  });

  describe('the classic programs, written with await', function () {
    /** IBM's BUFFER_LENGTH, and a pattern that catches reordered or lost pieces. */
    const BUFFER_LENGTH = 250;
    const PATTERN = Buffer.from(Array.from({ length: BUFFER_LENGTH }, (_, i) => (i * 7 + 3) & 0xff));

    for (const host of ['127.0.0.1', 'localhost']) {
      it(`IBM's server: SO_RCVLOWAT 250, promise select, one recv of all 250 bytes sent as 100 + 150; client resolves '${host}'`, async function () {
        // Server: socket, SO_REUSEADDR, bind INADDR_ANY port 0, listen(10).
        const sd = psocket(AF_INET, SOCK_STREAM);
        sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
        sd.bind({ address: '0.0.0.0', port: 0 });
        sd.listen(10);
        const { port } = sd.getsockname();
        const progress = { firstSent: false, secondSent: false };

        const server = (async () => {
          const sd2 = track(await sd.accept(T));
          // SO_RCVLOWAT before the select (see test/80 for why not after it).
          sd2.setsockopt(SOL_SOCKET, SO_RCVLOWAT, BUFFER_LENGTH);
          const ready = await select([sd2], [], [], 30_000);
          expect(ready.read).to.deep.equal([sd2]);
          expect(ready.read[0]).to.equal(sd2);
          expect(progress.secondSent, 'select waited for all 250 bytes').to.equal(true);
          const buffer = await sd2.recv(BUFFER_LENGTH, T);
          expect(buffer.length).to.equal(BUFFER_LENGTH);
          expect(await sd2.send(buffer, T)).to.equal(BUFFER_LENGTH);
          sd2.close();
          sd.close();
          return buffer;
        })();

        const client = (async () => {
          const sdc = psocket(AF_INET, SOCK_STREAM);
          const [info] = await getaddrinfo(host, port, { family: AF_INET, type: SOCK_STREAM }, T);
          expect(info.address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
          await sdc.connect(info.address, T);
          expect(await sdc.send(PATTERN.subarray(0, 100), T)).to.equal(100);
          progress.firstSent = true;
          // IBM's "pause": long enough that a select without SO_RCVLOWAT would have woken.
          await delay(150);
          progress.secondSent = true;
          expect(await sdc.send(PATTERN.subarray(100), T)).to.equal(150);
          const parts = [];
          let totalcnt = 0;
          for (let calls = 0; totalcnt < BUFFER_LENGTH; calls++) {
            if (calls >= BUFFER_LENGTH) throw new Error('too many recv calls');
            const chunk = await sdc.recv(BUFFER_LENGTH - totalcnt, T);
            if (chunk.length === 0) throw new Error(`EOF after ${totalcnt} bytes`);
            parts.push(chunk);
            totalcnt += chunk.length;
          }
          sdc.close();
          return Buffer.concat(parts);
        })();

        const [serverGot, echoed] = await Promise.all([server, client]);
        expect(serverGot.equals(PATTERN)).to.equal(true);
        expect(echoed.equals(PATTERN)).to.equal(true);
      });
    }

    // The welcome client's scanf() input, scripted.
    const LINES = ['hello', 'sockcall', 'quit'];

    it('the welcome server over TCP: "Welcome to my server\\n", then every message echoed until EOF', async function () {
      const server_sockfd = psocket(AF_INET, SOCK_STREAM);
      server_sockfd.bind({ address: '0.0.0.0', port: 0 });
      server_sockfd.listen(5);
      const { port } = server_sockfd.getsockname();

      const server = (async () => {
        const client_sockfd = track(await server_sockfd.accept(T));
        expect(client_sockfd.getpeername().address).to.equal('127.0.0.1');
        expect(await client_sockfd.send('Welcome to my server\n', T)).to.equal(21);
        const printed = [];
        let buf = await client_sockfd.recv(BUFSIZ, T);
        for (let i = 0; buf.length > 0 && i < 100; i++) {
          printed.push(buf.toString());
          expect(await client_sockfd.send(buf, T)).to.equal(buf.length);
          buf = await client_sockfd.recv(BUFSIZ, T);
        }
        expect(buf.length, 'the loop ended on EOF').to.equal(0);
        client_sockfd.close();
        server_sockfd.close();
        return printed;
      })();

      const client = (async () => {
        const client_sockfd = psocket(AF_INET, SOCK_STREAM);
        await client_sockfd.connect({ address: '127.0.0.1', port }, T);
        const welcome = (await recvExactly(client_sockfd, 21)).toString();
        const received = [];
        for (const line of LINES) {
          if (line === 'quit') break;
          expect(await client_sockfd.send(line, T)).to.equal(line.length);
          received.push((await recvExactly(client_sockfd, line.length)).toString());
        }
        client_sockfd.close();
        return { welcome, received };
      })();

      const [printed, result] = await Promise.all([server, client]);
      expect(result.welcome).to.equal('Welcome to my server\n');
      expect(result.received).to.deep.equal(['hello', 'sockcall']);
      expect(printed).to.deep.equal(['hello', 'sockcall']);
    });

    it('the welcome server over UDP: recvfrom each datagram and sendto it back, until an empty datagram', async function () {
      const server_sockfd = psocket(AF_INET, SOCK_DGRAM);
      server_sockfd.bind({ address: '0.0.0.0', port: 0 });
      const { port } = server_sockfd.getsockname();

      const server = (async () => {
        const printed = [];
        const senders = [];
        let msg = await server_sockfd.recvfrom(BUFSIZ, T);
        for (let i = 0; msg.data.length > 0 && i < 100; i++) {
          printed.push(msg.data.toString());
          senders.push(msg.address);
          expect(await server_sockfd.sendto(msg.data, msg.address, T)).to.equal(msg.data.length);
          msg = await server_sockfd.recvfrom(BUFSIZ, T);
        }
        expect(msg.data.length).to.equal(0);
        server_sockfd.close();
        return { printed, senders: [...senders, msg.address] };
      })();

      const client = (async () => {
        const sock = psocket(AF_INET, SOCK_DGRAM);
        const to = { address: '127.0.0.1', port };
        const received = [];
        const from = [];
        for (const line of LINES) {
          if (line === 'quit') break;
          expect(await sock.sendto(line, to, T)).to.equal(line.length);
          const echo = await sock.recvfrom(BUFSIZ, T);
          received.push(echo.data.toString());
          from.push(echo.address);
        }
        await sock.sendto('', to, T);
        const clientPort = sock.getsockname().port;
        sock.close();
        return { received, from, clientPort };
      })();

      const [served, result] = await Promise.all([server, client]);
      expect(served.printed).to.deep.equal(['hello', 'sockcall']);
      expect(result.received).to.deep.equal(['hello', 'sockcall']);
      for (const sender of served.senders) {
        expect(sender).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: result.clientPort });
      }
      for (const from of result.from) expect(from).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
    });

    it('a select-driven loop serves 3 concurrent clients on one thread with the promise select', async function () {
      const listen_sd = plistener({ backlog: 10 });
      const stats = { maxOpen: 0, accepted: 0, echoed: 0 };

      const server = (async () => {
        const master = [listen_sd];
        for (let rounds = 0; rounds < 1000; rounds++) {
          if (stats.accepted === 3 && master.length === 1) return;
          const ready = await select(master, [], [], GUARD_MS);
          if (ready.read.length === 0) throw new Error('select timed out with clients still open');
          for (const sd of ready.read) {
            expect(master).to.include(sd);
            if (sd === listen_sd) {
              const conn = track(await listen_sd.accept(T));
              master.push(conn);
              stats.accepted++;
              stats.maxOpen = Math.max(stats.maxOpen, master.length - 1);
            } else {
              const data = await sd.recv(BUFSIZ, T);
              if (data.length === 0) {
                master.splice(master.indexOf(sd), 1);
                sd.close();
              } else {
                await sd.sendAll(Buffer.concat([Buffer.from('echo:'), data]), T);
                stats.echoed++;
              }
            }
          }
        }
        throw new Error('the server loop did not finish');
      })();

      const clients = (async () => {
        const socks = [psocket(), psocket(), psocket()];
        // All three connect first, so the server really holds three clients at once.
        await Promise.all(socks.map((s) => s.connect(listen_sd.getsockname(), T)));
        const transcripts = socks.map(() => []);
        for (let round = 0; round < 3; round++) {
          await Promise.all(
            socks.map(async (s, i) => {
              const message = `client ${i} round ${round}`;
              await s.sendAll(message, T);
              const reply = await recvExactly(s, 5 + message.length);
              transcripts[i].push(reply.toString());
            }),
          );
        }
        for (const s of socks) s.close();
        return transcripts;
      })();

      const [, transcripts] = await Promise.all([server, clients]);
      expect(transcripts).to.deep.equal(
        [0, 1, 2].map((i) => [0, 1, 2].map((round) => `echo:client ${i} round ${round}`)),
      );
      expect(stats).to.deep.equal({ maxOpen: 3, accepted: 3, echoed: 9 });
    });
  });

  describe('promise select and poll', function () {
    it('a timeout resolves empty after about the time given', async function () {
      const [, conn] = await ppair();
      let started = performance.now();
      const result = await select([conn], [], [conn], 150);
      let elapsed = performance.now() - started;
      expect(result).to.deep.equal({ read: [], write: [], except: [] });
      expect(elapsed).to.be.within(140, 1000);
      started = performance.now();
      const ready = await poll([{ fd: conn, events: POLLIN | POLLPRI }], 150);
      elapsed = performance.now() - started;
      expect(ready).to.deep.equal([]);
      expect(elapsed).to.be.within(140, 1000);
      // Timeout 0 just checks.
      started = performance.now();
      expect(await select([conn], [], [], 0)).to.deep.equal({ read: [], write: [], except: [] });
      expect(performance.now() - started).to.be.below(100);
    });

    it('readable, writable and except (MSG_OOB) readiness, resolving with the same objects', async function () {
      const [client, conn] = await ppair();
      // Writable at once; nothing readable yet.
      const w = await select([conn], [client], [], GUARD_MS);
      expect(w.read).to.deep.equal([]);
      expect(w.write).to.have.length(1);
      expect(w.write[0]).to.equal(client);

      // A pending readable wait, woken by data.
      const readable = select([conn], [], [], GUARD_MS);
      const state = watchState(readable);
      await microtasks();
      expect(state.settled).to.equal(false);
      await client.send('data', T);
      const r = await readable;
      expect(r.read).to.have.length(1);
      expect(r.read[0]).to.equal(conn);
      expect(r.write).to.deep.equal([]);
      expect((await conn.recv(10, T)).toString()).to.equal('data');

      // Except: out-of-band data, for a pending select and a pending poll.
      const exceptional = select([], [], [conn], GUARD_MS);
      const prioritized = poll([{ fd: conn, events: POLLPRI }], GUARD_MS);
      await expectPending(exceptional);
      expect(await client.send('!', MSG_OOB, T)).to.equal(1);
      const e = await exceptional;
      expect(e.except).to.have.length(1);
      expect(e.except[0]).to.equal(conn);
      const p = await prioritized;
      expect(p).to.have.length(1);
      expect(p[0].fd).to.equal(conn);
      expect(p[0].events).to.equal(POLLPRI);
      expect(p[0].revents & POLLPRI).to.equal(POLLPRI);
      expect((await conn.recv(1, MSG_OOB, T)).toString()).to.equal('!');

      // poll for POLLIN | POLLOUT reports both, with the entry's own fd object.
      await client.send('x', T);
      expect(blocking.poll([{ fd: conn.fd, events: POLLIN }], GUARD_MS), 'the byte has arrived').to.have.length(1);
      const both = await poll([{ fd: conn, events: POLLIN | POLLOUT }], GUARD_MS);
      expect(both).to.have.length(1);
      expect(both[0].fd).to.equal(conn);
      expect(both[0].revents & (POLLIN | POLLOUT)).to.equal(POLLIN | POLLOUT);
    });

    it('works on a bare fd number (of a promise Socket and of a blocking one)', async function () {
      const [client, conn] = await ppair();
      const pending = select([conn.fd], [], [], GUARD_MS);
      await expectPending(pending);
      await client.send('n', T);
      const r = await pending;
      expect(r.read).to.deep.equal([conn.fd]);
      // The socket still works through its own calls afterwards.
      expect((await conn.recv(10, T)).toString()).to.equal('n');

      const [bclient, baccepted] = tcpPair();
      const fd = baccepted.fd;
      const waiting = poll([{ fd, events: POLLIN }], GUARD_MS);
      await expectPending(waiting);
      bclient.send('b');
      const ready = await waiting;
      expect(ready).to.have.length(1);
      expect(ready[0].fd).to.equal(fd);
      expect(ready[0].revents & POLLIN).to.equal(POLLIN);
      expect(baccepted.getBlocking(), 'blocking mode restored for a bare fd').to.equal(true);
      expect(baccepted.recv(10).toString()).to.equal('b');
    });

    it('works on a blocking-flavour Socket and restores its blocking mode afterwards', async function () {
      const [bclient, baccepted] = tcpPair();
      expect(baccepted.getBlocking()).to.equal(true);
      // A wait that ends with readiness.
      const pending = select([baccepted], [], [], GUARD_MS);
      await expectPending(pending);
      bclient.send('ready');
      const r = await pending;
      expect(r.read).to.have.length(1);
      expect(r.read[0]).to.equal(baccepted);
      expect(baccepted.getBlocking(), 'after readiness').to.equal(true);
      expect(baccepted.recv(10).toString()).to.equal('ready');
      // A wait that ends with the timeout.
      const empty = await select([baccepted], [], [], 60);
      expect(empty.read).to.deep.equal([]);
      expect(baccepted.getBlocking(), 'after a timeout').to.equal(true);
      // And poll.
      const polling = poll([{ fd: baccepted, events: POLLIN }], GUARD_MS);
      await expectPending(polling);
      bclient.send('again');
      const ready = await polling;
      expect(ready).to.have.length(1);
      expect(ready[0].fd).to.equal(baccepted);
      expect(baccepted.getBlocking(), 'after poll').to.equal(true);
      // Still really blocking: recv with nothing queued waits out SO_RCVTIMEO (EAGAIN), it does not
      // fail at once.
      expect(baccepted.recv(10).toString()).to.equal('again');
      baccepted.setsockopt(SOL_SOCKET, blocking.SO_RCVTIMEO, 80);
      const started = Date.now();
      let error;
      try {
        baccepted.recv(10);
      } catch (caught) {
        error = caught;
      }
      expect(error?.code).to.equal('EAGAIN');
      expect(Date.now() - started).to.be.at.least(60);
    });

    it('accepts an fd >= 1024 (no FD_SETSIZE limit)', async function () {
      this.timeout(20000);
      expect(softNofile(), 'soft RLIMIT_NOFILE leaves room for an fd >= 1024').to.be.above(1100);
      let high;
      let peer;
      for (let i = 0; i < 2000 && high === undefined; i++) {
        const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
        track(a, b);
        if (a.fd >= 1024) [high, peer] = [a, b];
        else if (b.fd >= 1024) [high, peer] = [b, a];
      }
      expect(high, 'a socket with fd >= 1024').to.not.equal(undefined);
      expect(high.fd).to.be.at.least(1024);
      // The blocking select refuses it (FD_SETSIZE); the promise one does not.
      expect(() => blocking.select([high], [], [], 0)).to.throw(RangeError);
      const selecting = select([high], [], [], GUARD_MS);
      const polling = poll([{ fd: high.fd, events: POLLIN }], GUARD_MS);
      await expectPending(selecting);
      await peer.send('high', T);
      const r = await selecting;
      expect(r.read).to.have.length(1);
      expect(r.read[0]).to.equal(high);
      const p = await polling;
      expect(p).to.have.length(1);
      expect(p[0].fd).to.equal(high.fd);
      expect((await high.recv(10, T)).toString()).to.equal('high');
    });
  });

  describe('promise select and poll: options.timeout and fds that are not open', function () {
    it('options.timeout rejects with ETIMEDOUT, where timeoutMs resolves with nothing ready', async function () {
      const [, conn] = await ppair();
      const selecting = select([conn], [], [], null, { timeout: 100 });
      await rejectsLike(selecting, { code: 'ETIMEDOUT', syscall: 'select' });
      await rejectsLike(poll([{ fd: conn, events: POLLIN }], 5000, { timeout: 100 }), { code: 'ETIMEDOUT', syscall: 'poll' });
    });

    it('an fd number that is not open rejects EBADF, as select(2) fails', async function () {
      const gone = psocket(AF_INET, SOCK_DGRAM);
      const number = gone.fd;
      gone.close();
      await rejectsLike(select([number], [], [], 1000), { code: 'EBADF', syscall: 'select' });
    });
  });

  describe('promise getaddrinfo', function () {
    for (const host of ['127.0.0.1', 'localhost']) {
      it(`resolves '${host}' like the blocking getaddrinfo`, async function () {
        for (const hints of [{ type: SOCK_STREAM }, { family: AF_INET, type: SOCK_DGRAM }, {}]) {
          const pending = getaddrinfo(host, 8080, hints, T);
          expect(pending).to.be.instanceOf(Promise);
          const got = await pending;
          const expected = blocking.getaddrinfo(host, 8080, hints);
          expect(got, JSON.stringify(hints)).to.deep.equal(expected);
          expect(got.length).to.be.above(0);
          expect(got.map((entry) => entry.address)).to.deep.include({ family: 'AF_INET', address: '127.0.0.1', port: 8080 });
        }
        // Without options too.
        expect(await getaddrinfo(host, 80, { family: AF_INET, type: SOCK_STREAM })).to.deep.equal(
          blocking.getaddrinfo(host, 80, { family: AF_INET, type: SOCK_STREAM }),
        );
      });
    }

    it('AI_NUMERICHOST with a name rejects EAI_NONAME (as the blocking one throws)', async function () {
      const pending = getaddrinfo('localhost', 80, { flags: AI_NUMERICHOST }, T);
      expect(pending).to.be.instanceOf(Promise);
      const error = await rejectsLike(pending, {
        instanceOf: SocketError,
        code: 'EAI_NONAME',
        syscall: 'getaddrinfo',
        hostname: 'localhost',
      });
      let thrown;
      try {
        blocking.getaddrinfo('localhost', 80, { flags: AI_NUMERICHOST });
      } catch (caught) {
        thrown = caught;
      }
      expect(thrown?.code).to.equal('EAI_NONAME');
      expect(error.errno).to.equal(thrown.errno);
      expect(error.message).to.equal(thrown.message);
      // A numeric host with the same flag still resolves.
      const numeric = await getaddrinfo('127.0.0.1', 80, { flags: AI_NUMERICHOST, type: SOCK_STREAM }, T);
      expect(numeric[0].address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: 80 });
    });
  });
});
