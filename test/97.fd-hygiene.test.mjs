// fd hygiene (docs/guarantees.md):
//   - 10,000 connect/accept/close cycles per flavour (TCP loopback, and AF_UNIX) leave the process's
//     open-fd count (/proc/self/fd) at its baseline, and a child process that ran them exits by
//     itself (no poll handle left keeping its event loop alive);
//   - a stale fd number is never touched: once socket A is closed and socket B has taken its number,
//     A.close() does nothing, A's calls fail with EBADF, and B keeps working (also when A had a call
//     pending, and when A is dropped and garbage-collected);
//   - EMFILE, in a child process with a low RLIMIT_NOFILE, is a SocketError naming the syscall, and
//     the process works again once fds are freed (pending connections included).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as blocking from 'sockcall';
import * as promises from 'sockcall/promises';

import { fdsOpened, guard, GUARD_MS, openFdCount, openFds, root, throwsLike, track } from './helpers.mjs';

const { AF_INET, AF_UNIX, MSG_DONTWAIT, MSG_WAITALL, SHUT_RDWR, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_REUSEADDR, SO_TYPE, SocketError } =
  blocking;
const BlockingSocket = blocking.Socket;
const PromiseSocket = promises.Socket;

const require = createRequire(import.meta.url);
/** The promise flavour's CommonJS entry, for child processes. */
const promisesPath = require.resolve('sockcall/promises');

const EBADF = -9;
const ECANCELED = -125;
const EMFILE = -24;

const CYCLES = 10_000;
/** A run of CYCLES that takes longer than this fails (0.2-0.9 s each on the idle 2-vCPU machine, up to 3 s loaded). */
const CYCLES_MS = 12_000;
/** Bound for each awaited promise call. */
const CALL_MS = 5000;

// --- fixtures --------------------------------------------------------------------------------------

/** A fresh socket path under the temp dir, removed by the returned cleanup. */
function unixPath(tag) {
  const path = join(tmpdir(), `sockcall-97-${process.pid}-${tag}-${Date.now()}.sock`);
  return { path, remove: () => rmSync(path, { force: true }) };
}

/** A tracked listener of `Class` (either flavour) on 127.0.0.1 or a Unix path. */
function listenerOf(Class, domain, path) {
  const server = track(new Class(domain, SOCK_STREAM));
  if (domain === AF_INET) {
    server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    server.bind({ address: '127.0.0.1', port: 0 });
  } else {
    server.bind({ path });
  }
  server.listen(64);
  return server;
}

/** CYCLES blocking connect/accept/close rounds in this thread: the handshake completes into the backlog. */
function blockingCycles(server) {
  guard(server);
  const address = server.getsockname();
  const deadline = Date.now() + CYCLES_MS;
  for (let i = 0; i < CYCLES; i++) {
    const client = guard(new BlockingSocket(server.domain, SOCK_STREAM));
    try {
      client.connect(address);
      server.accept().close();
    } finally {
      client.close();
    }
    if (Date.now() > deadline) throw new Error(`only ${i + 1} of ${CYCLES} cycles within ${CYCLES_MS} ms`);
  }
}

/** CYCLES awaited connect + accept rounds; whatever was created is closed even if a call fails. */
async function promiseCycles(server) {
  const address = server.getsockname();
  const deadline = Date.now() + CYCLES_MS;
  for (let i = 0; i < CYCLES; i++) {
    const client = new PromiseSocket(server.domain, SOCK_STREAM);
    try {
      const [accepted, connected] = await Promise.allSettled([
        server.accept({ timeout: CALL_MS }),
        client.connect(address, { timeout: CALL_MS }),
      ]);
      if (accepted.status === 'fulfilled') accepted.value.close();
      if (accepted.status === 'rejected') throw accepted.reason;
      if (connected.status === 'rejected') throw connected.reason;
    } finally {
      client.close();
    }
    if (Date.now() > deadline) throw new Error(`only ${i + 1} of ${CYCLES} cycles within ${CYCLES_MS} ms`);
  }
}

/**
 * Makes tracked socketpairs of `Class` until one end gets fd `number` (the kernel hands out the
 * lowest free number, so any lower holes fill first), closes the others, and returns
 * [the end on `number`, its peer].
 */
function pairOn(Class, number) {
  const spare = [];
  try {
    for (let i = 0; i < 64; i++) {
      const pair = Class.pair(AF_UNIX, SOCK_STREAM);
      const index = pair.findIndex((s) => s.fd === number);
      if (index >= 0) {
        track(...pair);
        return index === 0 ? pair : [pair[1], pair[0]];
      }
      spare.push(...pair);
    }
    throw new Error(`fd ${number} was not handed out again within 64 socketpairs`);
  } finally {
    for (const s of spare) s.close();
  }
}

/** The rejection of `promise` (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** One turn of the event loop (poll phase included), so closing handles finish closing. */
function macrotask() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Watches a promise without making its rejection unhandled. */
function watch(promise) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/** Reads exactly `length` bytes from promise socket `s`. */
async function recvExactly(s, length) {
  const chunks = [];
  let total = 0;
  for (let calls = 0; total < length; calls++) {
    if (calls > 100_000) throw new Error(`recvExactly: ${total} of ${length} bytes after ${calls} calls`);
    const chunk = await s.recv(Math.min(65536, length - total), { timeout: CALL_MS });
    if (chunk.length === 0) throw new Error(`EOF after ${total} of ${length} bytes`);
    chunks.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(chunks);
}

function expectSocketError(error, code, syscall, errno) {
  expect(error, `${syscall} ${code}`).to.be.an.instanceOf(SocketError);
  expect(error.code).to.equal(code);
  expect(error.syscall).to.equal(syscall);
  if (errno !== undefined) expect(error.errno).to.equal(errno);
}

/** What /proc/self/fd says fd `number` is ('socket:[inode]'): the same open file, or another. */
function fdTarget(number) {
  return readlinkSync(`/proc/self/fd/${number}`);
}

/**
 * Runs `node ...args`, with RLIMIT_NOFILE set to `nofile` (soft and hard, so Node cannot raise it) by
 * the shell's `ulimit -n` when given; resolves with its exit code, signal and output.
 * It is killed when `timeoutMs` passes, or when it is still running `exitMs` after its first line of
 * output (the report it prints when its work is done): then something keeps its event loop alive.
 */
function runChild(args, { nofile, timeoutMs = 20_000, exitMs = 3000 } = {}) {
  const [command, argv] =
    nofile === undefined ? [process.execPath, args] : ['sh', ['-c', `ulimit -n ${nofile} && exec "$0" "$@"`, process.execPath, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lingered = false;
    let exitTimer;
    const killTimer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (exitTimer === undefined && stdout.includes('\n')) {
        exitTimer = setTimeout(() => {
          lingered = true;
          child.kill('SIGKILL');
        }, exitMs);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(killTimer);
      clearTimeout(exitTimer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(exitTimer);
      resolve({ code, signal, stdout, stderr, lingered });
    });
  });
}

/** The JSON report on a child's first stdout line, after checking it exited cleanly by itself. */
function reportOf(child) {
  expect(child.lingered, `the child was still running after its report (an active handle?)\n${child.stderr}`).to.equal(false);
  expect(child.signal, `child killed\n${child.stderr}`).to.equal(null);
  expect(child.code, `child exit code\n${child.stderr}`).to.equal(0);
  return JSON.parse(child.stdout.split('\n')[0]);
}

// --- tests -----------------------------------------------------------------------------------------

describe('97 fd hygiene', function () {
  describe('10,000 connect/accept/close cycles leave the fd count at its baseline', function () {
    this.timeout(30_000);

    it('blocking, TCP loopback (connect and accept in one thread)', function () {
      const table = openFds();
      const before = openFdCount();
      const server = listenerOf(BlockingSocket, AF_INET);
      blockingCycles(server);
      expect(openFdCount(), `listener + baseline; opened meanwhile: ${fdsOpened(table, openFds())}`).to.equal(before + 1);
      server.close();
      expect(openFdCount()).to.equal(before);
    });

    it('blocking, AF_UNIX stream', function () {
      const { path, remove } = unixPath('blocking');
      try {
        const before = openFdCount();
        const server = listenerOf(BlockingSocket, AF_UNIX, path);
        blockingCycles(server);
        server.close();
        expect(openFdCount()).to.equal(before);
      } finally {
        remove();
      }
    });

    it('promises, TCP loopback (await connect + accept)', async function () {
      const table = openFds();
      const before = openFdCount();
      const server = listenerOf(PromiseSocket, AF_INET);
      await promiseCycles(server);
      expect(openFdCount(), `listener + baseline; opened meanwhile: ${fdsOpened(table, openFds())}`).to.equal(before + 1);
      server.close();
      expect(openFdCount()).to.equal(before);
    });

    it('promises, AF_UNIX stream', async function () {
      const { path, remove } = unixPath('promises');
      try {
        const before = openFdCount();
        const server = listenerOf(PromiseSocket, AF_UNIX, path);
        await promiseCycles(server);
        server.close();
        expect(openFdCount()).to.equal(before);
      } finally {
        remove();
      }
    });

    it('promises: a process that ran them exits by itself, back at its fd baseline', async function () {
      // uv_poll handles made by the addon are not listed by process._getActiveHandles() or
      // getActiveResourcesInfo(), so the observable is the loop itself: a referenced handle left
      // behind would keep the child running after its report (runChild kills it and says so).
      const script = `
        const { readdirSync } = require('node:fs');
        const { Socket, AF_INET, SOCK_STREAM } = require(${JSON.stringify(promisesPath)});
        const count = () => readdirSync('/proc/self/fd').length;
        (async () => {
          const before = count();
          const server = new Socket(AF_INET, SOCK_STREAM);
          server.bind({ address: '127.0.0.1', port: 0 });
          server.listen(64);
          const address = server.getsockname();
          const started = Date.now();
          let cycles = 0;
          for (; cycles < ${CYCLES} && Date.now() - started < ${CYCLES_MS}; cycles++) {
            const client = new Socket(AF_INET, SOCK_STREAM);
            try {
              const [conn] = await Promise.all([server.accept({ timeout: ${CALL_MS} }), client.connect(address, { timeout: ${CALL_MS} })]);
              conn.close();
            } finally {
              client.close();
            }
          }
          server.close();
          console.log(JSON.stringify({ cycles, before, after: count() }));
        })().catch((error) => { console.error(error); process.exitCode = 1; });`;
      const report = reportOf(await runChild(['-e', script], { timeoutMs: 25_000, exitMs: 2000 }));
      expect(report.cycles).to.equal(CYCLES);
      expect(report.after).to.equal(report.before);
    });
  });

  describe('a stale fd number is never touched', function () {
    this.timeout(10_000);

    it('blocking: once B has A\'s number, A.close() does nothing, A\'s calls say EBADF, B works', function () {
      const [a, aPeer] = BlockingSocket.pair(AF_UNIX, SOCK_STREAM);
      track(a, aPeer);
      const number = a.fd;
      a.close();
      const [b, bPeer] = pairOn(BlockingSocket, number);
      guard(b);
      guard(bPeer);
      const target = fdTarget(number);
      bPeer.sendAll('waiting for b');

      a.close();
      const calls = [
        [() => a.recv(64), 'recv'],
        [() => a.recvInto(Buffer.alloc(64)), 'recv'],
        [() => a.recvfrom(64), 'recvfrom'],
        [() => a.send('from a'), 'send'],
        [() => a.sendAll('from a'), 'send'],
        [() => a.shutdown(SHUT_RDWR), 'shutdown'],
        [() => a.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 1), 'setsockopt'],
        [() => a.getsockopt(SOL_SOCKET, SO_TYPE), 'getsockopt'],
        [() => a.setBlocking(false), 'fcntl'],
        [() => a.getpeername(), 'getpeername'],
        [() => a.accept(), 'accept'],
        [() => a.detach(), 'detach'],
      ];
      for (const [call, syscall] of calls) throwsLike(call, { instanceOf: SocketError, code: 'EBADF', errno: EBADF, syscall });

      // B is the same open socket, with its options, mode and data untouched.
      expect(b.fd).to.equal(number);
      expect(fdTarget(number)).to.equal(target);
      expect(b.getsockopt(SOL_SOCKET, SO_RCVTIMEO)).to.equal(GUARD_MS);
      expect(b.getBlocking()).to.equal(true);
      expect(b.recv(13, MSG_WAITALL).toString()).to.equal('waiting for b');
      throwsLike(() => b.recv(1, MSG_DONTWAIT), { code: 'EAGAIN' });
      b.sendAll('from b');
      // Nothing of A's send before it, and no EOF after it (A's shutdown did not reach B).
      expect(bPeer.recv(6, MSG_WAITALL).toString()).to.equal('from b');
      throwsLike(() => bPeer.recv(1, MSG_DONTWAIT), { code: 'EAGAIN' });
      // A's own peer saw A go.
      guard(aPeer);
      expect(aPeer.recv(1).length).to.equal(0);
    });

    it('promises: once B has A\'s number, A.close() does nothing, A\'s calls reject EBADF, B works', async function () {
      const [a, aPeer] = PromiseSocket.pair(AF_UNIX, SOCK_STREAM);
      track(a, aPeer);
      const number = a.fd;
      a.close();
      const [b, bPeer] = pairOn(PromiseSocket, number);
      const target = fdTarget(number);
      await bPeer.sendAll('waiting for b', { timeout: CALL_MS });

      a.close();
      const calls = [
        [() => a.recv(64), 'recv'],
        [() => a.recvInto(Buffer.alloc(64)), 'recv'],
        [() => a.recvfrom(64), 'recvfrom'],
        [() => a.send('from a'), 'send'],
        [() => a.sendAll('from a'), 'send'],
        [() => a.accept(), 'accept'],
        [() => a.connect({ path: '/nonexistent' }), 'connect'],
      ];
      for (const [call, syscall] of calls) expectSocketError(await rejection(call()), 'EBADF', syscall, EBADF);
      throwsLike(() => a.shutdown(SHUT_RDWR), { code: 'EBADF', syscall: 'shutdown' });
      throwsLike(() => a.setBlocking(true), { code: 'EBADF', syscall: 'fcntl' });
      throwsLike(() => a.toBlocking(), { code: 'EBADF', syscall: 'detach' });

      expect(b.fd).to.equal(number);
      expect(fdTarget(number)).to.equal(target);
      expect(b.getBlocking()).to.equal(false);
      expect((await recvExactly(b, 13)).toString()).to.equal('waiting for b');
      await b.sendAll('from b', { timeout: CALL_MS });
      expect((await recvExactly(bPeer, 6)).toString()).to.equal('from b');
      expect(await rejection(bPeer.recv(1, { timeout: 50 }))).to.include({ code: 'ETIMEDOUT' });
      expect((await aPeer.recv(1, { timeout: CALL_MS })).length).to.equal(0);
    });

    it('promises: A closed with a recv pending (ECANCELED), B takes the number in the same tick: B\'s poller is not disturbed', async function () {
      const [a, aPeer] = PromiseSocket.pair(AF_UNIX, SOCK_STREAM);
      track(a, aPeer);
      const number = a.fd;
      const pending = a.recv(64, { timeout: CALL_MS });
      await macrotask(); // A's poll handle is started and waiting
      a.close();
      // Same tick: A's handle is still closing (uv_close completes on a later loop turn).
      const [b, bPeer] = pairOn(PromiseSocket, number);
      const bRecv = b.recv(64, { timeout: CALL_MS });
      const bState = watch(bRecv);
      a.close();
      expectSocketError(await rejection(pending), 'ECANCELED', 'recv', ECANCELED);
      expectSocketError(await rejection(a.recv(64)), 'EBADF', 'recv', EBADF);

      for (let i = 0; i < 3; i++) await macrotask();
      expect(bState.settled, 'B\'s recv waits for data (not cancelled with A\'s)').to.equal(false);
      await bPeer.send('to b', { timeout: CALL_MS });
      expect((await bRecv).toString()).to.equal('to b');

      // Writability through B's poller too: 4 MiB, far more than the socket buffers, while the peer drains.
      const big = Buffer.alloc(4 << 20);
      for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 9)) >>> 0, i);
      const [sent, received] = await Promise.all([b.sendAll(big, { timeout: CALL_MS }), recvExactly(bPeer, big.length)]);
      expect(sent).to.equal(big.length);
      expect(received.equals(big)).to.equal(true);
      expect((await aPeer.recv(1, { timeout: CALL_MS })).length, 'A\'s peer sees EOF').to.equal(0);
    });

    it('a blocking B on the number of a closed promise A (which had a recv pending) stays blocking and works', async function () {
      const [a, aPeer] = PromiseSocket.pair(AF_UNIX, SOCK_STREAM);
      track(a, aPeer);
      const number = a.fd;
      const pending = a.recv(64, { timeout: CALL_MS });
      await macrotask();
      a.close();
      const [b, bPeer] = pairOn(BlockingSocket, number);
      guard(b);
      guard(bPeer);
      expectSocketError(await rejection(pending), 'ECANCELED', 'recv');
      for (let i = 0; i < 3; i++) await macrotask();
      // uv_poll_init makes its fd non-blocking; A's handle, gone, must not have done that to B.
      expect(b.getBlocking()).to.equal(true);
      bPeer.sendAll('blocking b');
      expect(b.recv(10, MSG_WAITALL).toString()).to.equal('blocking b');
      b.sendAll('reply');
      expect(bPeer.recv(5, MSG_WAITALL).toString()).to.equal('reply');
    });

    it('a closed A dropped and garbage-collected does not close B, which took its number (both flavours)', async function () {
      // In a child with --expose-gc: the collector must have run A's finalizer, and mocha's own
      // process stays out of it.
      const script = `
        const S = require(${JSON.stringify(root)});
        const P = require(${JSON.stringify(promisesPath)});
        const { readlinkSync } = require('node:fs');
        const warnings = [];
        process.on('warning', (w) => { if (String(w.code).startsWith('SOCKCALL')) warnings.push(w.code); });
        const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
        function pairOn(Class, number) {
          const spare = [];
          try {
            for (let i = 0; i < 64; i++) {
              const pair = Class.pair(S.AF_UNIX, S.SOCK_STREAM);
              const index = pair.findIndex((s) => s.fd === number);
              if (index >= 0) return index === 0 ? pair : [pair[1], pair[0]];
              spare.push(...pair);
            }
            throw new Error('fd ' + number + ' not reused');
          } finally {
            for (const s of spare) s.close();
          }
        }
        (async () => {
          const results = {};
          for (const [name, Class] of [['blocking', S.Socket], ['promises', P.Socket]]) {
            let number, aPeer, aRef;
            (() => {
              const [a, peer] = Class.pair(S.AF_UNIX, S.SOCK_STREAM);
              number = a.fd;
              aPeer = peer;
              aRef = new WeakRef(a);
              a.close();
            })();
            const [b, bPeer] = pairOn(Class, number);
            const target = readlinkSync('/proc/self/fd/' + number);
            for (let i = 0; i < 10; i++) { gc(); await tick(); }
            const same = readlinkSync('/proc/self/fd/' + number) === target;
            await bPeer.send('still b');
            const got = String(await b.recv(64));
            results[name] = { bFd: b.fd, number, collected: aRef.deref() === undefined, same, got };
            for (const s of [b, bPeer, aPeer]) s.close();
          }
          console.log(JSON.stringify({ results, warnings }));
        })().catch((error) => { console.error(error); process.exitCode = 1; });`;
      const report = reportOf(await runChild(['--expose-gc', '-e', script]));
      for (const name of ['blocking', 'promises']) {
        const { bFd, number, collected, same, got } = report.results[name];
        expect(bFd, name).to.equal(number);
        expect(collected, `${name}: A was garbage-collected`).to.equal(true);
        expect(same, `${name}: fd ${number} is still B's socket after A was collected`).to.equal(true);
        expect(got, name).to.equal('still b');
      }
      expect(report.warnings, 'A was closed: nothing to close or warn about at collection').to.deep.equal([]);
    });
  });

  describe('EMFILE, with RLIMIT_NOFILE lowered in a child process (ulimit -n)', function () {
    this.timeout(30_000);

    /** Low enough to reach quickly, high enough for Node's own startup fds (about 20). */
    const LIMIT = 96;

    /**
     * The scenario, run in the child with either flavour (`promise` says which; every call is
     * awaited, which is harmless on the blocking flavour's plain values). Self-contained: its source
     * is sent to the child.
     */
    async function emfileScenario(sockcall, promise, limit) {
      const { Socket, SocketError, AF_INET, AF_UNIX, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO } = sockcall;
      const { readdirSync } = require('node:fs');
      const count = () => readdirSync('/proc/self/fd').length;
      const wait = promise ? [{ timeout: 5000 }] : [];
      const describe = (error) =>
        error === undefined
          ? null
          : {
              isSocketError: error instanceof SocketError,
              code: error.code,
              syscall: error.syscall,
              errno: error.errno,
              message: error.message,
            };
      const open = (domain = AF_INET) => {
        const s = new Socket(domain, SOCK_STREAM);
        s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
        s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 5000);
        return s;
      };
      const listen = () => {
        const s = open();
        s.bind({ address: '127.0.0.1', port: 0 });
        s.listen(8);
        return s;
      };
      // Takes a function: the blocking flavour throws where the promise flavour rejects.
      const settle = (call) => {
        try {
          return Promise.resolve(call()).then((value) => ({ value }), (error) => ({ error }));
        } catch (error) {
          return Promise.resolve({ error });
        }
      };

      const before = count();
      const server = listen();
      const early = open();
      await early.connect(server.getsockname(), ...wait);
      await early.sendAll('from the backlog', ...wait);
      // Promise flavour only: an accept already waiting when the process hits the limit.
      const quiet = promise ? listen() : null;
      const late = promise ? open() : null;
      const waiting = promise ? settle(() => quiet.accept(...wait)) : null;

      const fillers = [];
      let socketError;
      for (let i = 0; i < limit; i++) {
        try {
          fillers.push(new Socket(AF_INET, SOCK_STREAM));
        } catch (error) {
          socketError = error;
          break;
        }
      }
      const opened = fillers.length;
      const highest = opened > 0 ? fillers[opened - 1].fd : -1;
      let pairError;
      try {
        Socket.pair(AF_UNIX, SOCK_STREAM).forEach((s) => s.close());
      } catch (error) {
        pairError = error;
      }
      const acceptAtLimit = await settle(() => server.accept(...wait));
      let waitingError;
      if (promise) {
        // The connection arrives while no fd is free: the waiting accept wakes, and fails.
        await late.connect(quiet.getsockname(), ...wait);
        waitingError = (await waiting).error;
      }

      // Free some fds: the pending connections are still there, and are served.
      for (let i = 0; i < 8 && fillers.length > 0; i++) fillers.pop().close();
      const conn = await server.accept(...wait);
      const got = String(await conn.recv(64, ...wait));
      await conn.sendAll('served', ...wait);
      const reply = String(await early.recv(64, ...wait));
      let lateServed = null;
      if (promise) {
        const lateConn = await quiet.accept(...wait);
        await late.sendAll('late', ...wait);
        lateServed = String(await lateConn.recv(64, ...wait));
        lateConn.close();
      }
      // And new sockets work as usual.
      const [x, y] = Socket.pair(AF_UNIX, SOCK_STREAM);
      await x.sendAll('after', ...wait);
      const after = String(await y.recv(64, ...wait));
      for (const s of [x, y, conn, early, server, quiet, late, ...fillers]) s?.close();
      return {
        opened,
        highest,
        socketError: describe(socketError),
        pairError: describe(pairError),
        acceptError: describe(acceptAtLimit.error),
        acceptValue: acceptAtLimit.value === undefined ? null : 'a socket',
        waitingError: describe(waitingError),
        got,
        reply,
        lateServed,
        after,
        fdsBefore: before,
        fdsAfter: count(),
      };
    }

    async function runEmfile(promise) {
      const script = `
        const sockcall = require(${JSON.stringify(promise ? promisesPath : root)});
        (${emfileScenario.toString()})(sockcall, ${promise}, ${LIMIT}).then(
          (report) => console.log(JSON.stringify(report)),
          (error) => { console.error(error); process.exitCode = 1; },
        );`;
      return reportOf(await runChild(['-e', script], { nofile: LIMIT }));
    }

    function expectEmfile(described, syscall) {
      const expected = { isSocketError: true, code: 'EMFILE', syscall, errno: EMFILE, message: `${syscall} EMFILE` };
      expect(described, syscall).to.deep.equal(expected);
    }

    for (const promise of [false, true]) {
      const flavour = promise ? 'promises' : 'blocking';
      const served = promise ? 'the pending connections are served' : 'the pending connection is served';
      it(`${flavour}: socket, socketpair and accept fail with EMFILE; after closing some fds ${served}`, async function () {
        const report = await runEmfile(promise);
        // The kernel hands out the lowest free number: the last socket before EMFILE is the limit's last fd.
        expect(report.highest, 'the last fd opened').to.equal(LIMIT - 1);
        expect(report.opened).to.be.above(20);
        expectEmfile(report.socketError, 'socket');
        expectEmfile(report.pairError, 'socketpair');
        expectEmfile(report.acceptError, 'accept');
        expect(report.acceptValue).to.equal(null);
        expect(report.got).to.equal('from the backlog');
        expect(report.reply).to.equal('served');
        if (promise) {
          expectEmfile(report.waitingError, 'accept');
          expect(report.lateServed).to.equal('late');
        }
        expect(report.after).to.equal('after');
        expect(report.fdsAfter, 'every fd closed again').to.equal(report.fdsBefore);
      });
    }
  });
});
