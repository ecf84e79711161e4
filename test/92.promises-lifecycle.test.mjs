// The promise flavour's lifecycle: what abort, timeout and close() do to a pending call (and what
// they leave unconsumed), the poll handle going away before its fd, how pending calls hold the
// process open (child processes), the event loop staying free while many calls wait, and worker
// threads (working inside one, and terminated mid-operation).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import * as promises from 'sockcall/promises';

import { bounded, openFdCount, root, startWorker, track } from './helpers.mjs';

const require = createRequire(import.meta.url);
/** The promise flavour's CommonJS entry, for worker threads (resolved through the package's exports). */
const promisesPath = require.resolve('sockcall/promises');

const {
  AF_INET,
  AF_UNIX,
  AbortError,
  IPPROTO_TCP,
  SHUT_WR,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  SocketError,
  TCP_NODELAY,
} = promises;

const ETIMEDOUT = -110;
const ECANCELED = -125;

// --- fixtures --------------------------------------------------------------------------------------

/** A tracked promise Socket. */
function pSocket(domain = AF_INET, type = SOCK_STREAM) {
  return track(new Socket(domain, type));
}

/** A tracked promise socketpair (AF_UNIX stream). */
function unixPair() {
  const pair = Socket.pair(AF_UNIX, SOCK_STREAM);
  track(...pair);
  return pair;
}

/** A tracked promise listener on an ephemeral loopback port. */
function pListener({ backlog = 64, rcvbuf } = {}) {
  const server = pSocket();
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  if (rcvbuf !== undefined) server.setsockopt(SOL_SOCKET, SO_RCVBUF, rcvbuf);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(backlog);
  return server;
}

/** One turn of the event loop (the poll phase included). */
function macrotask() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Watches a promise: `.settled` flips when it does (without an unhandled rejection). */
function watch(promise) {
  const state = { settled: false, value: undefined, error: undefined };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/**
 * The outcome of `promise` if it settles before the next macrotask (setImmediate) runs, else
 * 'pending': "at once" means within the current tick's microtasks.
 */
async function outcomeBeforeNextTask(promise) {
  const immediate = new Promise((resolve) => setImmediate(() => resolve('pending')));
  return Promise.race([promise.then((value) => ({ value }), (error) => ({ error })), immediate]);
}

/** A connected TCP pair of promise sockets over loopback: [client, accepted, server]. */
async function tcpPair({ rcvbuf, sndbuf } = {}) {
  const server = pListener({ rcvbuf });
  const client = pSocket();
  if (sndbuf !== undefined) client.setsockopt(SOL_SOCKET, SO_SNDBUF, sndbuf);
  const [conn] = await bounded(Promise.all([server.accept({ timeout: 2000 }), client.connect(server.getsockname(), { timeout: 2000 })]));
  track(conn);
  return [client, conn, server];
}

/**
 * Sends until the connection is full: a send that may not wait (timeout 0: the attempt, then at
 * once ETIMEDOUT) would block, and still would after `settleMs`. Full means that no send can take a
 * byte, not merely that writability (which Linux reports only once a third of the buffer is free)
 * is off; and the peer's delayed ACKs (up to 200 ms) free send-buffer space after the first would-
 * block, which the quiet period waits out. Resolves with the bytes the kernel took.
 */
async function fillSendBuffer(sender, settleMs = 300) {
  const chunk = Buffer.alloc(65536, 0x5a);
  let total = 0;
  let settled = false;
  for (let calls = 0; calls < 10000; calls++) {
    try {
      total += await sender.send(chunk, { timeout: 0 });
      settled = false;
    } catch (error) {
      if (error.code !== 'ETIMEDOUT') throw error;
      if (settled) return total;
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      settled = true;
    }
  }
  throw new Error(`the send buffer never filled (${total} bytes taken)`);
}

/** Reads until EOF, each recv bounded; resolves with everything read. */
async function readToEnd(sock, timeout = 3000) {
  const parts = [];
  for (let calls = 0; calls < 100000; calls++) {
    const data = await sock.recv(1 << 20, { timeout });
    if (data.length === 0) return Buffer.concat(parts);
    parts.push(data);
  }
  throw new Error('readToEnd: no EOF');
}

function expectAbortError(error, reason) {
  expect(error).to.be.an.instanceOf(AbortError);
  expect(error).to.be.an.instanceOf(Error);
  expect(error.name).to.equal('AbortError');
  expect(error.code).to.equal('ABORT_ERR');
  expect(error.cause).to.equal(reason);
}

function expectSocketError(error, code, syscall, errno) {
  expect(error, `expected ${syscall} ${code}, got ${error}`).to.be.an.instanceOf(SocketError);
  expect(error.code).to.equal(code);
  expect(error.syscall).to.equal(syscall);
  if (errno !== undefined) expect(error.errno).to.equal(errno);
}

/** Awaits `promise`, which must reject; returns the error. */
async function rejection(promise, ms = 3000) {
  try {
    const value = await bounded(promise, ms);
    throw Object.assign(new Error(`expected a rejection, got ${value}`), { resolvedInstead: true });
  } catch (error) {
    if (error.resolvedInstead) throw error;
    return error;
  }
}

// --- child processes and workers, cleaned up after each test -------------------------------------

const children = new Set();

/**
 * Runs `source` as an ES module in a child `node` (cwd: the package root, so 'sockcall/promises'
 * resolves). Killed after 10 s. `exited` resolves with { code, signal, stdout, stderr, ms }.
 */
/** This thread carries on with new promise sockets: a recv that waits is served by a send. */
async function expectPromiseSocketsWork() {
  const [a, b] = unixPair();
  const waiting = a.recv(10, { timeout: 2000 });
  await macrotask();
  await b.send('still here');
  expect((await waiting).toString()).to.equal('still here');
}

function spawnChild(source) {
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const lineWaiters = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    for (const waiter of lineWaiters.splice(0)) waiter();
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 10000);
  const exited = new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      children.delete(child);
      for (const waiter of lineWaiters.splice(0)) waiter();
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
  /** Resolves with the first stdout line (bounded by the child's own kill timer). */
  const firstLine = async () => {
    for (;;) {
      const newline = stdout.indexOf('\n');
      if (newline >= 0) return stdout.slice(0, newline);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`child exited (${child.exitCode ?? child.signalCode}) before printing a line; stderr: ${stderr}`);
      }
      await new Promise((resolve) => lineWaiters.push(resolve));
    }
  };
  return { child, exited, firstLine, running: () => child.exitCode === null && child.signalCode === null };
}

describe('92 promises: abort, timeout, close, process lifetime', function () {
  this.timeout(15000);

  afterEach(async function () {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
  });

  describe('abort', function () {
    it('an already-aborted signal rejects at once with AbortError (cause: the reason) and makes no syscall', async function () {
      const [a, b] = unixPair();
      expect(await b.send('queued')).to.equal(6);
      const reason = new Error('stop right there');
      const controller = new AbortController();
      controller.abort(reason);

      const outcome = await outcomeBeforeNextTask(a.recv(100, { signal: controller.signal }));
      expect(outcome, 'settled before the next macrotask').to.not.equal('pending');
      expectAbortError(outcome.error, reason);

      // The recv syscall was not made: the bytes queued before are still there, all of them.
      expect((await a.recv(100, { timeout: 1000 })).toString()).to.equal('queued');

      // Same for accept: the queued connection is left for the next accept.
      const server = pListener();
      const client = pSocket();
      await client.connect(server.getsockname(), { timeout: 2000 });
      const acceptOutcome = await outcomeBeforeNextTask(server.accept({ signal: controller.signal }));
      expectAbortError(acceptOutcome.error, reason);
      const conn = track(await server.accept({ timeout: 1000 }));
      expect(conn.getpeername()).to.deep.equal(client.getsockname());

      // And for send: nothing was sent (the peer reads exactly what the next send sent).
      const sendOutcome = await outcomeBeforeNextTask(b.send('lost', { signal: controller.signal }));
      expectAbortError(sendOutcome.error, reason);
      await b.send('kept', { timeout: 1000 });
      expect((await a.recv(100, { timeout: 1000 })).toString()).to.equal('kept');
    });

    it('the default reason is an AbortError DOMException, carried as cause', async function () {
      const [a] = unixPair();
      const controller = new AbortController();
      controller.abort();
      const error = await rejection(a.recv(10, { signal: controller.signal }));
      expectAbortError(error, controller.signal.reason);
      expect(error.cause.name).to.equal('AbortError');
    });

    it('aborting a pending recv rejects it and consumes nothing: the next recv gets every byte sent afterwards', async function () {
      const [a, b] = unixPair();
      const controller = new AbortController();
      // Two recvs on one signal: one watched, one awaited directly.
      const pending = watch(a.recv(100, { signal: controller.signal, timeout: 5000 }));
      const promise = a.recv(100, { signal: controller.signal, timeout: 5000 });
      await macrotask();
      expect(pending.settled, 'recv waits for data').to.equal(false);
      const reason = { why: 'user' };
      controller.abort(reason);
      expectAbortError(await rejection(promise), reason);
      await macrotask();
      expect(pending.settled).to.equal(true);
      expectAbortError(pending.error, reason);

      await b.send('sent after the abort');
      expect((await a.recv(100, { timeout: 1000 })).toString()).to.equal('sent after the abort');
    });

    it('aborting a pending recv after data arrived but before the poll callback ran consumes nothing', async function () {
      const [a, b] = unixPair();
      const controller = new AbortController();
      const promise = a.recv(100, { signal: controller.signal, timeout: 5000 });
      await macrotask();
      // Same tick: the data is in the kernel's queue, the poll callback has not run yet.
      expect(await b.send('racing')).to.equal(6);
      controller.abort('late');
      expectAbortError(await rejection(promise), 'late');
      expect((await a.recv(100, { timeout: 1000 })).toString()).to.equal('racing');
    });

    it('aborting a pending accept leaves the next connection for the next accept', async function () {
      const server = pListener();
      const controller = new AbortController();
      const promise = server.accept({ signal: controller.signal, timeout: 5000 });
      const state = watch(promise);
      await macrotask();
      expect(state.settled).to.equal(false);
      controller.abort('enough');
      expectAbortError(await rejection(promise), 'enough');

      const client = pSocket();
      await client.connect(server.getsockname(), { timeout: 2000 });
      const conn = track(await server.accept({ timeout: 2000 }));
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
      await client.send('hi');
      expect((await conn.recv(10, { timeout: 1000 })).toString()).to.equal('hi');
    });

    it('aborting one of several queued recvs leaves the others served in order', async function () {
      const [a, b] = unixPair();
      const controllers = [0, 1, 2, 3].map(() => new AbortController());
      const recvs = controllers.map((controller) => a.recv(1, { signal: controller.signal, timeout: 5000 }));
      const states = recvs.map(watch);
      await macrotask();
      expect(states.map((s) => s.settled)).to.deep.equal([false, false, false, false]);
      controllers[1].abort('second');
      expectAbortError(await rejection(recvs[1]), 'second');
      expect(states[0].settled || states[2].settled || states[3].settled).to.equal(false);

      await b.send('ABC');
      const [first, third, fourth] = await bounded(Promise.all([recvs[0], recvs[2], recvs[3]]));
      expect([first, third, fourth].map(String)).to.deep.equal(['A', 'B', 'C']);
      // Aborting a settled call later changes nothing.
      controllers[0].abort();
      await b.send('D');
      expect((await a.recv(10, { timeout: 1000 })).toString()).to.equal('D');
    });
  });

  describe('timeout', function () {
    it('a pending recv with { timeout: 100 } rejects with ETIMEDOUT after about 100 ms and consumes nothing', async function () {
      const [a, b] = unixPair();
      const started = performance.now();
      const error = await rejection(a.recv(100, { timeout: 100 }));
      const elapsed = performance.now() - started;
      expectSocketError(error, 'ETIMEDOUT', 'recv', ETIMEDOUT);
      expect(elapsed).to.be.at.least(95).and.below(1000);

      await b.send('after the timeout');
      expect((await a.recv(100, { timeout: 1000 })).toString()).to.equal('after the timeout');
    });

    it('a timed-out recv among queued ones leaves the others waiting, then served in order', async function () {
      const [a, b] = unixPair();
      const first = a.recv(1, { timeout: 5000 });
      const short = a.recv(1, { timeout: 50 });
      const third = a.recv(1, { timeout: 5000 });
      const states = [first, third].map(watch);
      expectSocketError(await rejection(short), 'ETIMEDOUT', 'recv');
      expect(states.map((s) => s.settled)).to.deep.equal([false, false]);
      await b.send('xy');
      expect((await bounded(Promise.all([first, third]))).map(String)).to.deep.equal(['x', 'y']);
    });

    it('a pending accept times out with ETIMEDOUT and leaves the next connection for the next accept', async function () {
      const server = pListener();
      const started = performance.now();
      const error = await rejection(server.accept({ timeout: 100 }));
      expect(performance.now() - started).to.be.at.least(95);
      expectSocketError(error, 'ETIMEDOUT', 'accept', ETIMEDOUT);

      const client = pSocket();
      await client.connect(server.getsockname(), { timeout: 2000 });
      const conn = track(await server.accept({ timeout: 2000 }));
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
    });

    it('a send on a full buffer times out with ETIMEDOUT having sent nothing: the peer reads exactly what the resolved sends took', async function () {
      const [client, conn] = await tcpPair({ rcvbuf: 4096, sndbuf: 4096 });
      client.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      const taken = await fillSendBuffer(client);
      expect(taken).to.be.above(0);

      const started = performance.now();
      const error = await rejection(client.send(Buffer.alloc(1000, 0x21), { timeout: 100 }));
      expect(performance.now() - started).to.be.at.least(95);
      expectSocketError(error, 'ETIMEDOUT', 'send', ETIMEDOUT);

      client.shutdown(SHUT_WR);
      const received = await readToEnd(conn);
      expect(received.length).to.equal(taken);
      expect(received.every((byte) => byte === 0x5a), 'none of the timed-out send\'s bytes (0x21)').to.equal(true);
    });

    it('sendAll times out with ETIMEDOUT; bytesSent is exactly what the peer then reads', async function () {
      const [client, conn] = await tcpPair({ rcvbuf: 4096, sndbuf: 4096 });
      const data = Buffer.alloc(4 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
      const started = performance.now();
      const error = await rejection(client.sendAll(data, { timeout: 150 }));
      expect(performance.now() - started).to.be.at.least(145);
      expectSocketError(error, 'ETIMEDOUT', 'send', ETIMEDOUT);
      expect(error.bytesSent).to.be.a('number').above(0).below(data.length);

      client.shutdown(SHUT_WR);
      const received = await readToEnd(conn);
      expect(received.length).to.equal(error.bytesSent);
      expect(received.equals(data.subarray(0, error.bytesSent))).to.equal(true);
    });

    it('a connect that cannot complete (the listener\'s accept queue is full) times out with ETIMEDOUT', async function () {
      const server = pListener({ backlog: 0 });
      // backlog 0 leaves room for one unaccepted connection; the next SYN is dropped.
      const filler = pSocket();
      await filler.connect(server.getsockname(), { timeout: 2000 });
      const client = pSocket();
      const started = performance.now();
      const error = await rejection(client.connect(server.getsockname(), { timeout: 150 }));
      expect(performance.now() - started).to.be.at.least(145);
      expectSocketError(error, 'ETIMEDOUT', 'connect', ETIMEDOUT);
      expect(error.address).to.equal('127.0.0.1');
      expect(error.port).to.equal(server.getsockname().port);
    });

    it('a timeout does not fire once the call has resolved, and does not keep a settled call alive', async function () {
      const [a, b] = unixPair();
      const promise = a.recv(10, { timeout: 80 });
      await b.send('in time');
      expect((await promise).toString()).to.equal('in time');
      // Past the old deadline, the socket still works normally.
      await new Promise((resolve) => setTimeout(resolve, 120));
      await b.send('later');
      expect((await a.recv(10, { timeout: 1000 })).toString()).to.equal('later');
    });
  });

  describe('close while pending', function () {
    /** close() must reject `promise` before the next macrotask with ECANCELED for `syscall`. */
    async function expectCanceledPromptly(promise, sock, syscall) {
      const state = watch(promise);
      await macrotask();
      expect(state.settled, `${syscall} is pending before close()`).to.equal(false);
      sock.close();
      const outcome = await outcomeBeforeNextTask(promise);
      expect(outcome, `${syscall} rejected within the tick of close()`).to.not.equal('pending');
      expectSocketError(outcome.error, 'ECANCELED', syscall, ECANCELED);
      expect(sock.closed).to.equal(true);
      expect(sock.fd).to.equal(-1);
    }

    it('a pending accept rejects with accept ECANCELED', async function () {
      const before = openFdCount();
      const server = pListener();
      const port = server.getsockname().port;
      await expectCanceledPromptly(server.accept({ timeout: 5000 }), server, 'accept');
      expect(openFdCount()).to.equal(before);
      // The listening socket is really gone.
      const client = pSocket();
      expectSocketError(await rejection(client.connect({ address: '127.0.0.1', port }, { timeout: 2000 })), 'ECONNREFUSED', 'connect');
    });

    it('a pending recv rejects with recv ECANCELED and the peer sees EOF', async function () {
      const before = openFdCount();
      const [a, b] = unixPair();
      await expectCanceledPromptly(a.recv(10, { timeout: 5000 }), a, 'recv');
      expect((await b.recv(10, { timeout: 1000 })).length).to.equal(0);
      b.close();
      expect(openFdCount()).to.equal(before);
    });

    it('a pending send (full buffer) rejects with send ECANCELED', async function () {
      const before = openFdCount();
      const [client, conn, server] = await tcpPair({ rcvbuf: 4096, sndbuf: 4096 });
      await fillSendBuffer(client);
      await expectCanceledPromptly(client.send(Buffer.alloc(1000), { timeout: 5000 }), client, 'send');
      conn.close();
      server.close();
      expect(openFdCount()).to.equal(before);
    });

    it('a pending sendAll rejects with send ECANCELED and says what went out', async function () {
      const [client] = await tcpPair({ rcvbuf: 4096, sndbuf: 4096 });
      const promise = client.sendAll(Buffer.alloc(4 << 20, 1), { timeout: 5000 });
      const state = watch(promise);
      await macrotask();
      expect(state.settled).to.equal(false);
      client.close();
      const outcome = await outcomeBeforeNextTask(promise);
      expect(outcome).to.not.equal('pending');
      expectSocketError(outcome.error, 'ECANCELED', 'send', ECANCELED);
      expect(outcome.error.bytesSent).to.be.a('number').above(0).below(4 << 20);
    });

    it('a pending connect rejects with connect ECANCELED', async function () {
      const before = openFdCount();
      const server = pListener({ backlog: 0 });
      const filler = pSocket();
      await filler.connect(server.getsockname(), { timeout: 2000 });
      const client = pSocket();
      await expectCanceledPromptly(client.connect(server.getsockname(), { timeout: 5000 }), client, 'connect');
      filler.close();
      server.close();
      expect(openFdCount()).to.equal(before);
    });

    it('every queued call in both directions is rejected by one close(); later calls say EBADF', async function () {
      const [client] = await tcpPair({ rcvbuf: 4096, sndbuf: 4096 });
      await fillSendBuffer(client);
      const order = [];
      const calls = [
        client.recv(1, { timeout: 5000 }).catch((e) => order.push(`recv ${e.code}`)),
        client.send('x', { timeout: 5000 }).catch((e) => order.push(`send ${e.code}`)),
        client.recv(1, { timeout: 5000 }).catch((e) => order.push(`recv ${e.code}`)),
        client.sendAll('y', { timeout: 5000 }).catch((e) => order.push(`send ${e.code}`)),
      ];
      await macrotask();
      expect(order).to.deep.equal([]);
      client.close();
      await bounded(Promise.all(calls), 100);
      expect(order.sort()).to.deep.equal(['recv ECANCELED', 'recv ECANCELED', 'send ECANCELED', 'send ECANCELED']);
      // Calls after close() reject with EBADF at once.
      expectSocketError(await rejection(client.recv(1)), 'EBADF', 'recv');
    });

    it('the poll handle goes before the fd: a new socket reusing the fd number in the same tick is served by its own handle', async function () {
      for (let round = 0; round < 3; round++) {
        const [a, b] = unixPair();
        const pending = a.recv(10, { timeout: 5000 });
        const state = watch(pending);
        await macrotask();
        expect(state.settled).to.equal(false);
        const oldFd = a.fd;
        a.close();
        // Same tick: make sockets until one gets the old fd number back.
        let mine;
        let other;
        for (let tries = 0; tries < 32 && mine === undefined; tries++) {
          const [x, y] = unixPair();
          if (x.fd === oldFd) [mine, other] = [x, y];
          else if (y.fd === oldFd) [mine, other] = [y, x];
        }
        expect(mine, `a new socket got fd ${oldFd} back`).to.not.equal(undefined);
        const fresh = mine.recv(100, { timeout: 3000 });
        const freshState = watch(fresh);
        // The old handle's peer sends into a closed socket's pair: nothing reaches the new socket.
        await b.send('to the old one').catch(() => {});
        await macrotask();
        await macrotask();
        expect(freshState.settled, 'the new socket saw nothing of the old one').to.equal(false);
        await other.send(`round ${round}`);
        expect((await bounded(fresh)).toString()).to.equal(`round ${round}`);
        expectSocketError(await rejection(pending), 'ECANCELED', 'recv');
      }
    });

    it('close() is idempotent and a pending call is rejected only once', async function () {
      const [a] = unixPair();
      let rejections = 0;
      const promise = a.recv(1, { timeout: 5000 }).catch((error) => {
        rejections++;
        return error;
      });
      await macrotask();
      a.close();
      a.close();
      expectSocketError(await bounded(promise), 'ECANCELED', 'recv');
      expect(rejections).to.equal(1);
    });
  });

  describe('process lifetime (child processes)', function () {
    const header = `import { Socket, AF_INET, AF_UNIX, SOCK_STREAM } from 'sockcall/promises';\n`;

    it('a child that opens sockets, binds, listens and awaits nothing exits by itself with code 0', async function () {
      const { exited } = spawnChild(`${header}
        const server = new Socket(AF_INET, SOCK_STREAM);
        server.bind({ address: '127.0.0.1', port: 0 });
        server.listen(8);
        const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
        const client = new Socket(AF_INET, SOCK_STREAM);
        // A wait that completes: the poll handle was started, then stopped.
        const waiting = a.recv(10);
        setTimeout(() => b.send('x'), 20);
        await waiting;
        await client.connect(server.getsockname());
        const conn = await server.accept();
        console.log('idle', conn.fd > 0);
      `);
      const result = await exited;
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.equal('idle true\n');
      expect(result.code).to.equal(0);
      expect(result.signal).to.equal(null);
      expect(result.ms).to.be.below(5000);
    });

    it('a child with a pending accept stays alive until it gets a connection, then exits 0', async function () {
      const { exited, firstLine, running } = spawnChild(`${header}
        const server = new Socket(AF_INET, SOCK_STREAM);
        server.bind({ address: '127.0.0.1', port: 0 });
        server.listen(8);
        server.accept().then((conn) => console.log('accepted', conn.getpeername().port));
        console.log(server.getsockname().port);
      `);
      const port = Number(await firstLine());
      expect(port).to.be.within(1, 65535);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(running(), 'still running after 500 ms').to.equal(true);

      const client = pSocket();
      await client.connect({ address: '127.0.0.1', port }, { timeout: 2000 });
      const result = await exited;
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.equal(`${port}\naccepted ${client.getsockname().port}\n`);
      expect(result.code).to.equal(0);
    });

    it('a child with a pending accept on an unref()\'d socket exits by itself (unref before or during the wait)', async function () {
      for (const when of ['before', 'during']) {
        const { exited } = spawnChild(`${header}
          const server = new Socket(AF_INET, SOCK_STREAM);
          server.bind({ address: '127.0.0.1', port: 0 });
          server.listen(8);
          if (${JSON.stringify(when)} === 'before') server.unref();
          server.accept().then(() => console.log('accepted'), (e) => console.log('rejected', e.code));
          const [a] = Socket.pair(AF_UNIX, SOCK_STREAM);
          a.unref();
          a.recv(10).then(() => console.log('received'));
          setTimeout(() => {
            if (${JSON.stringify(when)} === 'during') server.unref();
            console.log('waiting');
          }, 50);
          process.on('exit', () => console.log('exit'));
        `);
        const result = await exited;
        expect(result.stderr, when).to.equal('');
        expect(result.stdout, when).to.equal('waiting\nexit\n');
        expect(result.code, when).to.equal(0);
        expect(result.ms, when).to.be.below(5000);
      }
    });

    it("an unref()'d socket's recv gets bytes already queued, where a referenced one would wait for readiness first", async function () {
      // A referenced socket's recv waits first after a short read, and after sends to a peer that
      // has been answering later; an unreferenced one must try: its poll handle would not keep the
      // loop turning to the readiness, and the process would exit with the bytes unread.
      const { exited } = spawnChild(`${header}
        const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
        a.unref();
        b.unref();
        const buf = Buffer.alloc(4);
        for (let round = 0; round < 2; round++) {
          await a.send('q');
          const keepAlive = setTimeout(() => {}, 5000);
          const receiving = a.recvInto(buf);
          setTimeout(() => b.send('abcd'), 5);
          await receiving;
          clearTimeout(keepAlive);
        }
        await b.send('ab');
        await a.send('q');
        console.log('after a send', await a.recvInto(buf));
        await b.send('cd');
        console.log('after a short read', await a.recvInto(buf));
      `);
      const result = await exited;
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.equal('after a send 2\nafter a short read 2\n');
      expect(result.code).to.equal(0);
    });

    it('ref() after unref() keeps the child alive again until the connection comes', async function () {
      const { exited, firstLine, running } = spawnChild(`${header}
        const server = new Socket(AF_INET, SOCK_STREAM);
        server.bind({ address: '127.0.0.1', port: 0 });
        server.listen(8);
        server.unref();
        server.accept().then(() => console.log('accepted'));
        // ref() again once the poll handle exists and runs unref'd.
        setTimeout(() => {
          server.ref();
          console.log(server.getsockname().port);
        }, 20);
      `);
      const port = Number(await firstLine());
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(running(), 'still running after 500 ms').to.equal(true);
      const client = pSocket();
      await client.connect({ address: '127.0.0.1', port }, { timeout: 2000 });
      const result = await exited;
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.equal(`${port}\naccepted\n`);
      expect(result.code).to.equal(0);
    });

    it('a pending recv with a timeout keeps the child alive until the timeout rejects it', async function () {
      const { exited } = spawnChild(`${header}
        const [a] = Socket.pair(AF_UNIX, SOCK_STREAM);
        const started = Date.now();
        a.recv(10, { timeout: 300 }).catch((e) => console.log(e.code, Date.now() - started >= 290));
      `);
      const result = await exited;
      expect(result.stderr).to.equal('');
      expect(result.stdout).to.equal('ETIMEDOUT true\n');
      expect(result.code).to.equal(0);
    });
  });

  describe('the event loop runs during waits', function () {
    it('64 pending accepts and 64 pending recvs: setInterval ticks, fs.readFile completes promptly, then all complete', async function () {
      const N = 64;
      const listeners = Array.from({ length: N }, () => pListener({ backlog: 4 }));
      const pairs = Array.from({ length: N }, () => unixPair());
      const accepts = listeners.map((server) => server.accept({ timeout: 10000 }));
      const recvs = pairs.map(([a]) => a.recv(64, { timeout: 10000 }));
      const states = [...accepts, ...recvs].map(watch);
      await macrotask();
      expect(states.filter((s) => s.settled).length, 'all 128 are pending').to.equal(0);

      let ticks = 0;
      let onTick;
      const interval = setInterval(() => {
        ticks++;
        onTick?.();
      }, 5);
      try {
        // The thread pool is free (64 + 64 waits >> UV_THREADPOOL_SIZE 4): fs goes on.
        const started = performance.now();
        const [text, pkg] = await bounded(Promise.all([readFile(join(root, 'package.json'), 'utf8'), readFile(join(root, 'README.md'))]), 1000, 'fs.readFile');
        expect(performance.now() - started).to.be.below(1000);
        expect(JSON.parse(text).name).to.equal('sockcall');
        expect(pkg.length).to.be.above(0);

        const ticksBefore = ticks;
        await bounded(
          new Promise((resolve) => {
            onTick = () => {
              if (ticks >= ticksBefore + 10) resolve();
            };
          }),
          2000,
          '10 interval ticks',
        );
        expect(ticks).to.be.at.least(10);
        expect(states.filter((s) => s.settled).length, 'still all pending while the loop ran').to.equal(0);
      } finally {
        clearInterval(interval);
      }

      const clients = listeners.map(() => pSocket());
      await bounded(Promise.all(clients.map((client, i) => client.connect(listeners[i].getsockname(), { timeout: 5000 }))), 6000);
      await Promise.all(pairs.map(([, b], i) => b.send(`message ${i}`)));
      const conns = await bounded(Promise.all(accepts), 6000, 'the accepts');
      conns.forEach((conn) => track(conn));
      conns.forEach((conn, i) => expect(conn.getpeername()).to.deep.equal(clients[i].getsockname()));
      const data = await bounded(Promise.all(recvs), 6000, 'the recvs');
      expect(data.map(String)).to.deep.equal(pairs.map((_, i) => `message ${i}`));
    });

    it('calls completed in one turn of the loop settle together: every continuation runs before a nextTick either queued', async function () {
      const N = 4;
      const pairs = Array.from({ length: N }, () => unixPair());
      const log = [];
      const waits = pairs.map(async ([a], i) => {
        const data = await a.recvInto(Buffer.alloc(16), { timeout: 5000 });
        log.push(`continued ${i}`);
        process.nextTick(() => log.push(`tick ${i}`));
        return data;
      });
      await macrotask();
      expect(log, 'all waiting').to.deep.equal([]);
      // Every reader becomes readable before the loop polls again: one epoll_wait reports them all.
      for (const [, b] of pairs) expect(await b.send('x')).to.equal(1);
      expect(await bounded(Promise.all(waits), 3000, 'the recvs')).to.deep.equal(Array(N).fill(1));
      await macrotask();
      const continued = log.filter((entry) => entry.startsWith('continued'));
      expect(continued).to.have.lengthOf(N);
      // Had each fd entered JavaScript on its own, its nextTick would run before the next continuation.
      expect(log.slice(0, N), log.join(', ')).to.deep.equal(continued);
    });

    it('a call aborted by another callback of the same turn, after its fd was reported ready, consumes nothing', async function () {
      const [a, b] = unixPair();
      const controller = new AbortController();
      const pending = a.recvInto(Buffer.alloc(16), { signal: controller.signal, timeout: 5000 });
      // A node:net pair: its 'data' callback runs while polling, before this turn's calls are served.
      const server = net.createServer();
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const accepted = new Promise((resolve) => server.once('connection', resolve));
        const client = net.connect(server.address().port, '127.0.0.1');
        const peer = await bounded(accepted, 3000, 'the node:net connection');
        peer.once('data', () => controller.abort());
        await new Promise((resolve) => (client.writable && !client.connecting ? resolve() : client.once('connect', resolve)));
        await macrotask();
        // Both readable before the loop polls again, this one reported first.
        expect(await b.send('kept')).to.equal(4);
        client.write('go');
        const error = await bounded(pending.then(() => null, (e) => e), 3000, 'the aborted recvInto');
        expect(error).to.be.instanceOf(AbortError);
        const buffer = Buffer.alloc(16);
        const got = await a.recvInto(buffer, { timeout: 1000 });
        expect(buffer.subarray(0, got).toString()).to.equal('kept');
        client.destroy();
        peer.destroy();
      } finally {
        server.close();
      }
    });
  });

  describe('worker threads', function () {
    it('a worker runs a promise echo server; the main thread is its client', async function () {
      const { next, exited } = startWorker(
        `
        const { parentPort, workerData, threadId } = require('node:worker_threads');
        const { Socket, AF_INET, SOCK_STREAM } = require(workerData.promisesPath);
        (async () => {
          const server = new Socket(AF_INET, SOCK_STREAM);
          server.bind({ address: '127.0.0.1', port: 0 });
          server.listen(8);
          const accepting = server.accept({ timeout: 5000 });
          parentPort.postMessage({ port: server.getsockname().port });
          const conn = await accepting;
          let total = 0;
          for (;;) {
            const data = await conn.recv(65536, { timeout: 5000 });
            if (data.length === 0) break;
            total += data.length;
            await conn.sendAll(data, { timeout: 5000 });
          }
          conn.close();
          server.close();
          parentPort.postMessage({ total, threadId });
        })().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
        `,
        { promisesPath },
      );
      const { port } = await next();
      const client = pSocket();
      await client.connect({ address: '127.0.0.1', port }, { timeout: 2000 });
      const data = Buffer.alloc(300000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      const reading = (async () => {
        const parts = [];
        let got = 0;
        while (got < data.length) {
          const chunk = await client.recv(65536, { timeout: 3000 });
          if (chunk.length === 0) break;
          parts.push(chunk);
          got += chunk.length;
        }
        return Buffer.concat(parts);
      })();
      expect(await client.sendAll(data, { timeout: 3000 })).to.equal(data.length);
      const echoed = await bounded(reading, 5000);
      expect(echoed.equals(data)).to.equal(true);
      client.shutdown(SHUT_WR);
      expect((await client.recv(10, { timeout: 3000 })).length, 'EOF after the worker closes').to.equal(0);
      const done = await next();
      expect(done.total).to.equal(data.length);
      expect(done.threadId).to.be.above(0);
      expect(await bounded(exited, 5000)).to.equal(0);
    });

    it('a worker terminated with an accept and a recv pending: no crash, no fd leaked, the main thread carries on', async function () {
      // Warm up once so that anything a first worker opens for good is not counted.
      const warm = startWorker(`require(require('node:worker_threads').workerData.promisesPath)`, { promisesPath });
      await bounded(warm.exited, 5000);
      const baseline = openFdCount();

      const main = pListener();
      const mainAccept = main.accept({ timeout: 5000 });
      const { worker, next, exited } = startWorker(
        `
        const { parentPort, workerData } = require('node:worker_threads');
        const { Socket, AF_INET, SOCK_STREAM } = require(workerData.promisesPath);
        (async () => {
          const server = new Socket(AF_INET, SOCK_STREAM);
          server.bind({ address: '127.0.0.1', port: 0 });
          server.listen(8);
          const accepting = server.accept();
          const client = new Socket(AF_INET, SOCK_STREAM);
          await client.connect({ address: '127.0.0.1', port: workerData.port }, { timeout: 3000 });
          const receiving = client.recv(100);
          await new Promise((resolve) => setImmediate(resolve));
          parentPort.postMessage({ port: server.getsockname().port, accepting: typeof accepting.then, receiving: typeof receiving.then });
          await Promise.all([accepting, receiving]);
          parentPort.postMessage({ error: 'the pending calls settled' });
        })().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
        `,
        { promisesPath, port: main.getsockname().port },
      );
      const ready = await next();
      expect(ready).to.include({ accepting: 'function', receiving: 'function' });
      const conn = track(await bounded(mainAccept));
      expect(openFdCount()).to.be.above(baseline + 2);

      await bounded(worker.terminate(), 5000, 'worker.terminate()');
      await bounded(exited, 5000);

      // The worker's fds are gone: its client's peer reads EOF, and nothing is left open.
      expect((await conn.recv(10, { timeout: 3000 })).length).to.equal(0);
      conn.close();
      main.close();
      expect(openFdCount()).to.equal(baseline);

      // The main thread carries on with new promise sockets.
      await expectPromiseSocketsWork();

      // The worker's listener is closed: connecting to its port is refused.
      const probe = pSocket();
      expectSocketError(await rejection(probe.connect({ address: '127.0.0.1', port: ready.port }, { timeout: 2000 })), 'ECONNREFUSED', 'connect');
    });

    it('workers ended with reused pollers waiting and others just closed: each exits, no fd is left, the main thread carries on', async function () {
      this.timeout(30000);
      // Each worker first runs connections whose pollers are closed and opened again for the next
      // socket (Poller.reopen), then leaves recvs waiting on socketpairs, closes every other waiting
      // socket, and ends in that same turn: its environment is torn down with poll handles still
      // open (a reused poller among them) and others whose close has begun but not finished. A
      // handle not closed, or the environment not waiting for its close callback, shows here as a
      // worker that never exits, a crash of this process, or fds left open.
      const source = `
        const { parentPort, workerData } = require('node:worker_threads');
        const { Socket, AF_INET, AF_UNIX, SOCK_STREAM } = require(workerData.promisesPath);
        (async () => {
          const server = new Socket(AF_INET, SOCK_STREAM);
          server.bind({ address: '127.0.0.1', port: 0 });
          server.listen(8);
          for (let i = 0; i < 20; i++) {
            const client = new Socket(AF_INET, SOCK_STREAM);
            const [conn] = await Promise.all([server.accept({ timeout: 3000 }), client.connect(server.getsockname(), { timeout: 3000 })]);
            const eof = client.recv(10, { timeout: 3000 });
            conn.close();
            if ((await eof).length !== 0) throw new Error('no EOF');
            client.close();
          }
          const waiting = [];
          for (let i = 0; i < 8; i++) {
            const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
            a.recv(100).catch(() => {});
            waiting.push(a, b);
          }
          server.accept().catch(() => {});
          await new Promise((resolve) => setImmediate(resolve));
          for (let i = 0; i < waiting.length; i += 4) waiting[i].close();
          if (workerData.exit) process.exit(0);
          parentPort.postMessage('ready');
        })().catch((error) => {
          parentPort.postMessage({ error: String(error && error.stack || error) });
          process.exit(2);
        });
      `;
      const warm = startWorker(`require(require('node:worker_threads').workerData.promisesPath)`, { promisesPath });
      await bounded(warm.exited, 5000);
      const baseline = openFdCount();
      for (let round = 0; round < 6; round++) {
        const exit = round % 2 === 0;
        const { worker, next, exited } = startWorker(source, { promisesPath, exit });
        if (exit) {
          const code = await bounded(exited, 10000, 'the worker ending itself');
          if (code !== 0) await next(100); // rejects with the worker's error
          expect(code, 'exit code').to.equal(0);
        } else {
          expect(await next()).to.equal('ready');
          await bounded(worker.terminate(), 5000, 'worker.terminate()');
          expect(await bounded(exited, 5000), 'exit code').to.equal(1);
        }
      }
      expect(openFdCount()).to.equal(baseline);

      await expectPromiseSocketsWork();
    });
  });
});
