// select(2) and poll(2): timeouts measured, readiness of listeners and connected sockets, the very
// objects passed coming back, the FD_SETSIZE refusal (made before any syscall, proven with strace
// when it is there), EBADF for closed Sockets and unopened fd numbers, poll's revents (POLLIN,
// POLLOUT, POLLPRI, POLLRDHUP, POLLHUP, POLLERR, POLLNVAL), and poll on a real fd >= 1024.
import { expect } from 'chai';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

import * as sockcall from 'sockcall';

import { GUARD_MS, guard, listener, needTool, root, runPeer, socket, tcpPair, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_UNIX,
  FD_SETSIZE,
  MSG_DONTWAIT,
  MSG_OOB,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  POLLRDHUP,
  SHUT_WR,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_LINGER,
  SO_RCVBUF,
  SO_SNDBUF,
  Socket,
  SocketError,
  poll,
  select,
} = sockcall;

const EBADF = -osConstants.errno.EBADF;

/** Milliseconds since `start` (a process.hrtime.bigint() value). */
function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `fn`, returning [its result, the milliseconds it took]. */
function timed(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return [result, msSince(start)];
}

/**
 * The number of an fd that was just closed while a higher one stays open (both tracked), so the
 * number lies inside the process's fd table. select(2) needs that for EBADF: the kernel clamps nfds to
 * the table's size and silently ignores bits above it.
 */
function closedFdNumber() {
  const gone = socket();
  socket();
  const number = gone.fd;
  gone.close();
  return number;
}

/** A number below FD_SETSIZE that is not an open fd in this process (searched from the top down). */
function unopenedFd() {
  const open = new Set(readdirSync('/proc/self/fd').map(Number));
  for (let fd = FD_SETSIZE - 1; fd > 2; fd--) if (!open.has(fd)) return fd;
  throw new Error('every fd below FD_SETSIZE is open');
}

const EMPTY = { read: [], write: [], except: [] };

/**
 * A kernel-side deadline for a select/poll that waits forever: a child process holds one end of a
 * socketpair (inherited as its fd 3) and writes to it after `ms`, so the other end turns readable even
 * if the peer under test never acts. Needs no JS event loop, which the blocked call is holding.
 */
function watchdog(ms) {
  const [mine, theirs] = Socket.pair(AF_UNIX, SOCK_STREAM);
  track(mine, theirs);
  const child = spawn(process.execPath, ['-e', `setTimeout(() => require('node:fs').writeSync(3, 'timeout'), ${ms})`], {
    stdio: ['ignore', 'ignore', 'inherit', theirs.fd],
  });
  theirs.close();
  return {
    socket: mine,
    stop() {
      child.kill();
    },
  };
}

/**
 * Opens AF_UNIX socket pairs until one end gets an fd >= FD_SETSIZE, then checks poll and select on
 * that fd. Self-contained (its source also runs in a child process with a raised `ulimit -n`), closes
 * everything it opened, and returns plain data for the test to assert on.
 */
function highFdScenario(sockcall, maxPairs) {
  const { Socket, AF_UNIX, SOCK_STREAM, POLLIN, POLLOUT, poll, select, FD_SETSIZE } = sockcall;
  const opened = [];
  const describe = (fn) => {
    try {
      fn();
      return null;
    } catch (error) {
      return { name: error.name, code: error.code, message: error.message, isRangeError: error instanceof RangeError };
    }
  };
  try {
    let high;
    let peer;
    for (let i = 0; i < maxPairs && high === undefined; i++) {
      const pair = Socket.pair(AF_UNIX, SOCK_STREAM);
      opened.push(...pair);
      if (pair[1].fd >= FD_SETSIZE) [peer, high] = pair;
    }
    if (high === undefined) return { fd: -1 };
    const result = { fd: high.fd };
    result.beforeSocket = poll([{ fd: high, events: POLLIN }], 0).length;
    result.writable = poll([{ fd: high.fd, events: POLLOUT }], 0).map((r) => ({ fd: r.fd, revents: r.revents }));
    result.selectSocket = describe(() => select([high], [], [], 0));
    result.selectNumber = describe(() => select([], [high.fd], [], 0));
    peer.send('to the high fd');
    const afterNumber = poll([{ fd: high.fd, events: POLLIN }], 2000);
    result.afterNumber = afterNumber.map((r) => ({ fd: r.fd, events: r.events, revents: r.revents }));
    const afterSocket = poll([{ fd: high, events: POLLIN }], 2000);
    result.afterSocketSame = afterSocket.length === 1 && afterSocket[0].fd === high;
    result.afterSocketRevents = afterSocket.map((r) => r.revents);
    result.received = high.recv(100).toString();
    result.afterRecv = poll([{ fd: high.fd, events: POLLIN }], 0).length;
    return result;
  } finally {
    for (const s of opened) s.close();
  }
}

/** The soft and hard RLIMIT_NOFILE from /proc/self/limits (Infinity for "unlimited"). */
function nofileLimits() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line
    .slice('Max open files'.length)
    .trim()
    .split(/\s+/)
    .map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft, hard };
}

describe('40 select and poll', function () {
  this.timeout(15000);

  describe('select', function () {
    it('times out after about the given ms and returns three empty lists', function () {
      const server = listener();
      const [client, conn] = tcpPair();
      const [result, elapsed] = timed(() => select([server, conn], [], [client, conn], 150));
      expect(result).to.deep.equal(EMPTY);
      expect(elapsed, 'ms waited').to.be.at.least(145);
      expect(elapsed, 'ms waited').to.be.below(1500);
    });

    it('with timeout 0 returns at once: empty when nothing is ready, the ready ones when some are', function () {
      const [client, conn] = tcpPair();
      const [idle, idleMs] = timed(() => select([conn], [], [], 0));
      expect(idle).to.deep.equal(EMPTY);
      expect(idleMs).to.be.below(50);
      client.send('x');
      expect(poll([{ fd: conn, events: POLLIN }], 2000)).to.have.lengthOf(1);
      const [ready, readyMs] = timed(() => select([conn], [client], [], 0));
      expect(ready.read).to.deep.equal([conn]);
      expect(ready.write).to.deep.equal([client]);
      expect(readyMs).to.be.below(50);
    });

    it('with null waits until ready: a peer connecting and sending after ~100 ms wakes it', async function () {
      const server = listener();
      const dog = watchdog(GUARD_MS);
      const peer = runPeer(
        `const { Socket, AF_INET, SOCK_STREAM } = sockcall;
         await new Promise((resolve) => setTimeout(resolve, 100));
         const s = new Socket(AF_INET, SOCK_STREAM);
         s.connect({ address: '127.0.0.1', port: data.port });
         s.send('hi after 100 ms');
         s.close();
         return 'sent';`,
        { port: server.getsockname().port },
      );
      peer.catch(() => {});
      try {
        const [ready, elapsed] = timed(() => select([server, dog.socket], [], [], null));
        // The listener woke it, not the watchdog.
        expect(ready.read).to.deep.equal([server]);
        expect(elapsed).to.be.at.least(90);
        expect(elapsed).to.be.below(GUARD_MS);
        const conn = guard(track(server.accept()));
        const [again] = timed(() => select([conn, dog.socket], [], [], null));
        expect(again.read).to.deep.equal([conn]);
        expect(conn.recv(100).toString()).to.equal('hi after 100 ms');
        expect(await peer).to.equal('sent');
      } finally {
        dog.stop();
      }
    });

    it('a readable listener means accept will not block', function () {
      const server = listener();
      // Nothing pending: not readable, and accept would block (shown without blocking, non-blocking).
      expect(select([server], [], [], 0).read).to.deep.equal([]);
      server.setBlocking(false);
      throwsLike(() => server.accept(), { code: 'EAGAIN', syscall: 'accept' });
      server.setBlocking(true);

      const client = socket();
      client.connect(server.getsockname());
      const ready = select([server], [], [], 2000);
      expect(ready.read).to.have.lengthOf(1);
      expect(ready.read[0]).to.equal(server);
      const [conn, ms] = timed(() => track(server.accept()));
      expect(ms, 'accept returned at once (the guard is 5 s)').to.be.below(500);
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
      // The queue is empty again.
      expect(select([server], [], [], 0).read).to.deep.equal([]);
    });

    it('a connected socket is writable, stops being writable when its buffers fill, and is writable again once drained', function () {
      const [client, conn] = tcpPair();
      expect(select([], [client], [], 0).write).to.deep.equal([client]);
      client.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
      conn.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
      const block = Buffer.alloc(16384, 1);
      let full = false;
      let queued = 0;
      for (let i = 0; i < 10000 && !full; i++) {
        try {
          queued += client.send(block, MSG_DONTWAIT);
        } catch (error) {
          if (error.code !== 'EAGAIN') throw error;
          full = true;
        }
      }
      expect(full, 'the send buffer filled').to.equal(true);
      expect(select([], [client], [], 0).write).to.deep.equal([]);
      // Drain what arrives (bounded) until select calls the sender writable again.
      let received = 0;
      let writable = [];
      for (let round = 0; round < 1000 && writable.length === 0; round++) {
        for (;;) {
          try {
            received += conn.recv(65536, MSG_DONTWAIT).length;
          } catch (error) {
            if (error.code !== 'EAGAIN') throw error;
            break;
          }
        }
        writable = select([], [client], [], 20).write;
      }
      expect(writable).to.deep.equal([client]);
      expect(received).to.be.above(0);
      expect(received).to.be.at.most(queued);
    });

    it('returns the very objects passed, in the order given, for Sockets and fd numbers mixed', function () {
      const [a1, a2] = tcpPair();
      const [b1, b2] = tcpPair();
      const [c1, c2] = tcpPair();
      a1.send('a');
      c1.send('c');
      expect(poll([{ fd: a2, events: POLLIN }], 2000)).to.have.lengthOf(1);
      expect(poll([{ fd: c2, events: POLLIN }], 2000)).to.have.lengthOf(1);
      const readList = [c2.fd, b2, a2];
      const writeList = [a1, b1.fd, c1];
      const result = select(readList, writeList, [], 1000);
      expect(result.read).to.have.lengthOf(2);
      expect(result.read[0]).to.equal(c2.fd);
      expect(result.read[0]).to.be.a('number');
      expect(result.read[1]).to.equal(a2);
      expect(result.write).to.have.lengthOf(3);
      result.write.forEach((item, i) => expect(item, `write[${i}]`).to.equal(writeList[i]));
      expect(result.write[1]).to.be.a('number');
      expect(result.except).to.deep.equal([]);
    });

    it('reports urgent (out-of-band) data in `except`, and poll as POLLPRI', function () {
      const [client, conn] = tcpPair();
      expect(select([], [], [conn], 0).except).to.deep.equal([]);
      expect(poll([{ fd: conn, events: POLLPRI }], 0)).to.deep.equal([]);
      client.send('!', MSG_OOB);
      const ready = select([], [], [conn.fd], 2000);
      expect(ready.except).to.deep.equal([conn.fd]);
      const [entry] = poll([{ fd: conn, events: POLLPRI }], 0);
      expect(entry.revents & POLLPRI).to.equal(POLLPRI);
      expect(conn.recv(1, MSG_OOB).toString()).to.equal('!');
      expect(select([], [], [conn], 0).except).to.deep.equal([]);
    });

    it(`refuses an fd >= FD_SETSIZE (${FD_SETSIZE}) in any list with a RangeError pointing to poll()`, function () {
      const conn = socket();
      expect(FD_SETSIZE).to.equal(1024);
      const cases = [
        [() => select([FD_SETSIZE], [], [], 0), 'read[0]'],
        [() => select([conn], [conn, 5000], [], 0), 'write[1]'],
        [() => select([], [], [conn, conn, FD_SETSIZE + 1], 0), 'except[2]'],
      ];
      for (const [fn, name] of cases) {
        const error = throwsLike(fn, { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
        expect(error.message).to.include(`"${name}"`);
        expect(error.message).to.include('FD_SETSIZE');
        expect(error.message).to.match(/use poll\(\)/);
      }
      // FD_SETSIZE - 1 fits in the set and goes to the kernel, which says EBADF if the fd table
      // reaches that far, or ignores a bit beyond the table: either way, not the RangeError.
      let inside;
      try {
        select([FD_SETSIZE - 1], [], [], 0);
      } catch (error) {
        inside = error;
      }
      if (inside !== undefined) expect(inside).to.include({ code: 'EBADF', syscall: 'select' });
    });

    it('makes no select syscall at all for a refused fd (strace of a child process)', function () {
      const strace = needTool(this, 'strace', ['-f', '-qq', '-e', 'trace=/select', 'true']);
      const script = `
        const { select, Socket, AF_INET, SOCK_STREAM } = require(${JSON.stringify(root)});
        const s = new Socket(AF_INET, SOCK_STREAM);
        const codes = [];
        for (const call of [() => select([s, 1024], [], [], 4321), () => select([], [s.fd, 4000], [s], 4321)]) {
          try { call(); codes.push('no error'); } catch (error) { codes.push(error.code); }
        }
        select([], [], [], 7); // the control: this one must show up
        s.close();
        console.log(JSON.stringify(codes));`;
      const traced = spawnSync(strace, ['-f', '-qq', '-e', 'trace=/select', process.execPath, '-e', script], {
        encoding: 'utf8',
        timeout: 20000,
      });
      expect(traced.status, traced.stderr).to.equal(0);
      expect(JSON.parse(traced.stdout)).to.deep.equal(['ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE']);
      const calls = traced.stderr.split('\n').filter((line) => /select/.test(line) && !/resumed>/.test(line));
      expect(calls, traced.stderr).to.have.lengthOf(1);
      // The one call is the 7 ms control (timeval 7000 us or timespec 7000000 ns), with nfds 0.
      expect(calls[0]).to.match(/select6?\(0,/);
      expect(calls[0]).to.match(/tv_(u|n)sec=7000(000)?\b/);
    });

    it('select refuses a socket at fd 1500 (placed there as dup2 would); poll in both flavours and the promise select (no fd_set) serve it', async function () {
      const { native } = (await import('../dist/native.js')).default;
      const P = await import('sockcall/promises');
      const [peer, original] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(peer, original);
      // F_DUPFD_CLOEXEC from 1500: the lowest free number >= 1500, within RLIMIT_NOFILE.
      const number = native.dup(original.fd, Math.min(1500, nofileLimits().soft - 1));
      expect(number, 'a number past FD_SETSIZE').to.be.at.least(FD_SETSIZE);
      const high = track(Socket.fromFd(number));
      for (const call of [() => select([high], [], [], 0), () => select([], [number], [], 0), () => select([], [], [high], 1000)]) {
        throwsLike(call, { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /FD_SETSIZE/ });
      }
      peer.send('at 1500');
      const ready = poll([{ fd: high, events: POLLIN }], 2000);
      expect(ready.map((r) => [r.fd, r.revents & POLLIN])).to.deep.equal([[high, POLLIN]]);
      expect((await P.poll([{ fd: number, events: POLLIN }], 2000)).map((r) => r.fd)).to.deep.equal([number]);
      // The promise select has no fd_set, so no limit.
      expect((await P.select([number], [], [], 2000)).read).to.deep.equal([number]);
      expect(high.recv(100).toString()).to.equal('at 1500');
    });

    it('on a closed Socket throws EBADF without touching the old fd number, even once it is reused', function () {
      const old = socket();
      const number = old.fd;
      old.close();
      throwsLike(() => select([old], [], [], 0), { code: 'EBADF', syscall: 'select', errno: EBADF, instanceOf: SocketError });
      // The lowest free number goes to the next socket: the old number is open again, for someone else.
      const reuser = socket();
      expect(reuser.fd).to.equal(number);
      throwsLike(() => select([], [old], [], 0), { code: 'EBADF', syscall: 'select' });
      throwsLike(() => select([], [reuser], [old], 0), { code: 'EBADF', syscall: 'select' });
      // Whereas the bare number, now the reuser's, is a valid fd to the kernel.
      expect(() => select([], [number], [], 0)).to.not.throw();
    });

    it('with an fd number that is not open throws the kernel\'s EBADF as a SocketError', function () {
      const free = closedFdNumber();
      const error = throwsLike(() => select([], [free], [], 0), {
        code: 'EBADF',
        syscall: 'select',
        errno: EBADF,
        instanceOf: SocketError,
      });
      expect(error.message).to.equal('select EBADF');
    });

    it('refuses bad arguments before any call', function () {
      const s = socket();
      throwsLike(() => select(['3'], [], [], 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => select(s, [], [], 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => select([-1], [], [], 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => select([s], [], [], -1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => select([s], [], [], Number.NaN), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => select([s], [], [], '10'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
    });
  });

  describe('poll', function () {
    it('reports POLLIN once data arrives and POLLOUT on a connected socket, with the entry objects', function () {
      const [client, conn] = tcpPair();
      expect(poll([{ fd: conn, events: POLLIN }], 0)).to.deep.equal([]);
      const out = poll([{ fd: client, events: POLLOUT }], 0);
      expect(out).to.have.lengthOf(1);
      expect(out[0].fd).to.equal(client);
      expect(out[0]).to.deep.include({ events: POLLOUT, revents: POLLOUT });
      client.send('data');
      const ready = poll([{ fd: conn, events: POLLIN | POLLOUT }], 2000);
      expect(ready).to.have.lengthOf(1);
      expect(ready[0].fd).to.equal(conn);
      expect(ready[0].revents).to.equal(POLLIN | POLLOUT);
      conn.recv(100);
      expect(poll([{ fd: conn, events: POLLIN }], 0)).to.deep.equal([]);
    });

    it('times out with [] after about the given ms', function () {
      const [, conn] = tcpPair();
      const [result, elapsed] = timed(() => poll([{ fd: conn, events: POLLIN }], 150));
      expect(result).to.deep.equal([]);
      expect(elapsed).to.be.at.least(145);
      expect(elapsed).to.be.below(1500);
      const [none, noneMs] = timed(() => poll([{ fd: conn, events: POLLIN }], 0));
      expect(none).to.deep.equal([]);
      expect(noneMs).to.be.below(50);
    });

    it('returns only the ready entries, in the order given, each with revents', function () {
      const [a1, a2] = tcpPair();
      const [, b2] = tcpPair();
      const [c1, c2] = tcpPair();
      a1.send('a');
      c1.send('c');
      expect(poll([{ fd: c2, events: POLLIN }], 2000)).to.have.lengthOf(1);
      expect(poll([{ fd: a2, events: POLLIN }], 2000)).to.have.lengthOf(1);
      const entries = [
        { fd: a2, events: POLLIN },
        { fd: b2.fd, events: POLLIN },
        { fd: c2.fd, events: POLLIN },
        { fd: b2, events: POLLPRI },
      ];
      const ready = poll(entries, 1000);
      expect(ready).to.have.lengthOf(2);
      expect(ready[0].fd).to.equal(a2);
      expect(ready[1].fd).to.equal(c2.fd);
      expect(ready.map((r) => r.revents)).to.deep.equal([POLLIN, POLLIN]);
      expect(ready.map((r) => r.events)).to.deep.equal([POLLIN, POLLIN]);
      // The input entries are left as they were.
      expect(entries.every((e) => !('revents' in e))).to.equal(true);
    });

    it('POLLRDHUP (and POLLIN for the EOF) after the peer\'s shutdown(SHUT_WR), but no POLLHUP while one way is open', function () {
      const [client, conn] = tcpPair();
      expect(poll([{ fd: conn, events: POLLIN | POLLRDHUP }], 0)).to.deep.equal([]);
      client.shutdown(SHUT_WR);
      const [half] = poll([{ fd: conn, events: POLLIN | POLLRDHUP }], 2000);
      expect(half.revents & POLLRDHUP).to.equal(POLLRDHUP);
      expect(half.revents & POLLIN).to.equal(POLLIN);
      expect(half.revents & POLLHUP).to.equal(0);
      expect(conn.recv(10).length).to.equal(0);
      // The other direction still works.
      conn.send('still open');
      expect(client.recv(100).toString()).to.equal('still open');
      // Both directions shut: now POLLHUP, reported even though it was not asked for.
      conn.shutdown(SHUT_WR);
      const [both] = poll([{ fd: conn, events: POLLIN }], 2000);
      expect(both.revents & POLLHUP).to.equal(POLLHUP);
    });

    it('POLLHUP | POLLERR when the TCP peer resets (close with SO_LINGER 0), then recv gives ECONNRESET', function () {
      const [client, conn] = tcpPair();
      client.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
      client.close();
      const [entry] = poll([{ fd: conn, events: POLLIN }], 2000);
      expect(entry.fd).to.equal(conn);
      expect(entry.revents & POLLHUP).to.equal(POLLHUP);
      expect(entry.revents & POLLERR).to.equal(POLLERR);
      throwsLike(() => conn.recv(10), { code: 'ECONNRESET', syscall: 'recv', instanceOf: SocketError });
    });

    it('POLLHUP and POLLRDHUP on a Unix stream socket whose peer closed', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, b);
      expect(poll([{ fd: b, events: POLLIN | POLLRDHUP }], 0)).to.deep.equal([]);
      a.close();
      const [entry] = poll([{ fd: b, events: POLLIN | POLLRDHUP }], 2000);
      expect(entry.revents & POLLHUP).to.equal(POLLHUP);
      expect(entry.revents & POLLRDHUP).to.equal(POLLRDHUP);
      expect(b.recv(10).length).to.equal(0);
    });

    it('POLLNVAL for an fd number that is not open; EBADF for a closed Socket', function () {
      const s = socket();
      socket(); // keeps a higher fd open, so s's number stays free until something new is opened
      const number = s.fd;
      s.close();
      const free = unopenedFd();
      const [entry] = poll([{ fd: free, events: POLLIN }], 0);
      expect(entry).to.deep.equal({ fd: free, events: POLLIN, revents: POLLNVAL });
      // The Socket object is refused before the call: its number is never used again.
      throwsLike(() => poll([{ fd: s, events: POLLIN }], 0), { code: 'EBADF', syscall: 'poll', errno: EBADF, instanceOf: SocketError });
      // Its bare number (not reused yet) is just another closed fd to the kernel.
      expect(poll([{ fd: number, events: POLLIN }], 0)).to.deep.equal([{ fd: number, events: POLLIN, revents: POLLNVAL }]);
    });

    it('accepts timeouts up to 2^31-1 ms and refuses larger ones (and negative, NaN) with a RangeError', function () {
      const [client] = tcpPair();
      const entries = [{ fd: client, events: POLLOUT }];
      const [ready, ms] = timed(() => poll(entries, 2 ** 31 - 1));
      expect(ready).to.have.lengthOf(1);
      expect(ms).to.be.below(500);
      for (const bad of [2 ** 31, 2 ** 32, Number.POSITIVE_INFINITY, -1, Number.NaN]) {
        throwsLike(() => poll(entries, bad), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      }
      throwsLike(() => poll(entries, '5'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => poll({ fd: client, events: POLLIN }, 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => poll([{ fd: client, events: 0x10000 }], 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
    });

    it('watches a real fd >= 1024 (POLLIN after data arrives), where select refuses it', function () {
      this.timeout(30000);
      const { soft, hard } = nofileLimits();
      let result;
      if (soft > FD_SETSIZE + 64) {
        result = highFdScenario(sockcall, FD_SETSIZE + 64);
      } else {
        // Node cannot raise RLIMIT_NOFILE itself; a shell can, for the child it execs.
        const hardShell = execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
        const allowed = hardShell === 'unlimited' ? Infinity : Number(hardShell);
        expect(Math.min(allowed, hard), 'hard RLIMIT_NOFILE leaves room for an fd >= 1024').to.be.above(FD_SETSIZE + 64);
        const limit = Math.min(allowed, 4096);
        const script = `const sockcall = require(${JSON.stringify(root)});
          console.log(JSON.stringify((${highFdScenario.toString()})(sockcall, ${FD_SETSIZE + 64})));`;
        const output = execFileSync(
          '/bin/sh',
          ['-c', `ulimit -n ${limit} && exec "$0" -e "$1"`, process.execPath, script],
          { encoding: 'utf8', timeout: 20000 },
        );
        result = JSON.parse(output);
      }
      expect(result.fd, 'an fd >= FD_SETSIZE was opened').to.be.at.least(FD_SETSIZE);
      expect(result.beforeSocket).to.equal(0);
      expect(result.writable).to.deep.equal([{ fd: result.fd, revents: POLLOUT }]);
      for (const refused of [result.selectSocket, result.selectNumber]) {
        expect(refused).to.include({ isRangeError: true, code: 'ERR_OUT_OF_RANGE' });
        expect(refused.message).to.match(/use poll\(\)/);
      }
      expect(result.afterNumber).to.deep.equal([{ fd: result.fd, events: POLLIN, revents: POLLIN }]);
      expect(result.afterSocketSame).to.equal(true);
      expect(result.afterSocketRevents).to.deep.equal([POLLIN]);
      expect(result.received).to.equal('to the high fd');
      expect(result.afterRecv).to.equal(0);
    });
  });
});
