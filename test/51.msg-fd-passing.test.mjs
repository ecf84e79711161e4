// sendmsg/recvmsg and what only they carry: scatter/gather buffers, the flags the kernel reports
// back (MSG_TRUNC, MSG_CTRUNC), fds passed with SCM_RIGHTS (to child processes, which use them),
// credentials (SCM_CREDENTIALS, SO_PEERCRED), in both flavours.
//
// A fixture of this file: `runChild` spawns a Node child with one end of a socketpair as its fd 3.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';
import * as P from 'sockcall/promises';

import { GUARD_MS, guard, openFdCount, root, socket, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_UNIX,
  CMSG_SPACE,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSG_TRUNC,
  SCM_CREDENTIALS,
  SCM_RIGHTS,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_PASSCRED,
  SO_PEERCRED,
  Socket,
  SocketError,
} = sockcall;

const O_CLOEXEC = 0o2000000;
const { native } = createRequire(import.meta.url)('../dist/native.js');

/** A guarded, tracked blocking pair. */
function pair(type = SOCK_STREAM) {
  const [a, b] = Socket.pair(AF_UNIX, type);
  track(a, b);
  return [guard(a), guard(b)];
}

/** A tracked promise pair. */
function promisePair(type = SOCK_STREAM) {
  const [a, b] = P.Socket.pair(AF_UNIX, type);
  track(a, b);
  return [a, b];
}

/** The open-file flags of one of this process's fds, from /proc/self/fdinfo. */
function fdFlags(fd) {
  return parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1], 8);
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Runs `source` (CommonJS, `sockcall` and `P` in scope, `channel` a blocking Socket on fd 3 with
 * socket timeouts set) in a child process that gets `fd` as its fd 3. Resolves with its exit code,
 * stdout and stderr; kills it after `timeout` ms.
 */
function runChild(source, fd, { timeout = 15000 } = {}) {
  const script = `
    const sockcall = require(process.env.SOCKCALL_ROOT);
    const P = require(process.env.SOCKCALL_ROOT + '/dist/promises.js');
    const channel = sockcall.Socket.fromFd(3);
    channel.setsockopt(sockcall.SOL_SOCKET, sockcall.SO_RCVTIMEO, ${GUARD_MS});
    channel.setsockopt(sockcall.SOL_SOCKET, sockcall.SO_SNDTIMEO, ${GUARD_MS});
    (async () => { ${source} })().then(() => channel.close(), (error) => { console.error(error); process.exitCode = 1; });`;
  // spawn dup2()s `fd` onto fd 3, which clears its close-on-exec flag in the child only.
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'pipe', fd],
    env: { ...process.env, SOCKCALL_ROOT: root },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not finish within ${timeout} ms: ${stderr}`));
    }, timeout);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid });
    });
  });
}

describe('51 sendmsg/recvmsg, fd passing, credentials', function () {
  this.timeout(20000);

  describe('scatter/gather', function () {
    it('gathers strings, Buffers and TypedArrays into one message and scatters it byte-exact', function () {
      const [a, b] = pair(SOCK_SEQPACKET);
      const parts = ['héllo', randomBytes(1000), new Uint16Array([1, 2, 0xffff]), Buffer.alloc(0), randomBytes(3)];
      const whole = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part.buffer, part.byteOffset, part.byteLength))));
      expect(a.sendmsg(parts)).to.equal(whole.length);
      const sizes = [1, 0, 500, 600, 7];
      const result = b.recvmsg(sizes);
      expect(result.bytes).to.equal(whole.length);
      expect(result.flags & MSG_TRUNC).to.equal(0);
      expect(result.buffers.map((buffer) => buffer.length)).to.deep.equal([1, 0, 500, whole.length - 501, 0]);
      expect(sha256(Buffer.concat(result.buffers))).to.equal(sha256(whole));
      expect(result.control).to.deep.equal([]);
      expect(result.fds).to.deep.equal([]);
      expect(result.credentials).to.equal(null);
    });

    it('a single size is one buffer; a stream socket gives no address but the unnamed peer', function () {
      const [a, b] = pair(SOCK_STREAM);
      a.sendmsg([Buffer.from('abc'), 'def']);
      const result = b.recvmsg(64);
      expect(result.buffers).to.have.length(1);
      expect(String(result.buffers[0])).to.equal('abcdef');
      expect(result.address).to.deep.equal({ family: 'AF_UNIX', path: '' });
    });

    it('sends to options.address and reports the sender as msg_name (UDP over loopback)', function () {
      const receiver = socket(AF_INET, SOCK_DGRAM);
      receiver.bind({ address: '127.0.0.1', port: 0 });
      const sender = socket(AF_INET, SOCK_DGRAM);
      sender.bind({ address: '127.0.0.1', port: 0 });
      expect(sender.sendmsg(['one ', 'two'], { address: receiver.getsockname() })).to.equal(7);
      const result = receiver.recvmsg([4, 4]);
      expect(result.buffers.map(String)).to.deep.equal(['one ', 'two']);
      expect(result.address).to.deep.equal(sender.getsockname());
    });

    it('reports MSG_TRUNC for a datagram larger than the buffers, and its real length when asked', function () {
      const [a, b] = pair(SOCK_DGRAM);
      const datagram = randomBytes(100);
      a.sendmsg([datagram]);
      const cut = b.recvmsg([10, 20]);
      expect(cut.bytes).to.equal(30);
      expect(cut.flags & MSG_TRUNC).to.equal(MSG_TRUNC);
      expect(Buffer.concat(cut.buffers).equals(datagram.subarray(0, 30))).to.equal(true);
      a.sendmsg([datagram]);
      const real = b.recvmsg([10], { flags: MSG_TRUNC });
      expect(real.bytes).to.equal(100);
      expect(real.buffers[0].equals(datagram.subarray(0, 10))).to.equal(true);
    });

    it('passes raw control items through options.control (an SCM_RIGHTS item built by hand)', function () {
      const [a, b] = pair(SOCK_DGRAM);
      const [x, y] = pair(SOCK_STREAM);
      const data = Buffer.alloc(4);
      data.writeInt32LE(x.fd);
      a.sendmsg(['m'], { control: [{ level: SOL_SOCKET, type: SCM_RIGHTS, data }] });
      const result = b.recvmsg(8, { controlLength: CMSG_SPACE(4) });
      expect(result.control).to.have.length(1);
      expect(result.control[0].level).to.equal(SOL_SOCKET);
      expect(result.control[0].type).to.equal(SCM_RIGHTS);
      expect(result.fds).to.have.length(1);
      expect(result.control[0].data.readInt32LE(0)).to.equal(result.fds[0]);
      const adopted = track(Socket.fromFd(result.fds[0]));
      adopted.send('via the passed fd');
      expect(String(y.recv(64))).to.equal('via the passed fd');
    });
  });

  describe('SCM_RIGHTS', function () {
    it('received fds are close-on-exec (MSG_CMSG_CLOEXEC) and refer to the same open file', function () {
      const [a, b] = pair();
      const dir = mkdtempSync(join(tmpdir(), 'sockcall-51-'));
      const file = openSync(join(dir, 'f'), 'w+');
      try {
        // Node and sockcall open every fd close-on-exec; the raw binding's socket() adds nothing,
        // so this one is not: the flag on the received fd must come from MSG_CMSG_CLOEXEC.
        const plain = native.socket(AF_UNIX, SOCK_STREAM, 0);
        try {
          expect(fdFlags(plain) & O_CLOEXEC).to.equal(0);
          a.sendFds([plain, file], 'f');
        } finally {
          native.close(plain);
        }
        const { data, fds, flags } = b.recvFds(4);
        expect(String(data)).to.equal('f');
        expect(flags & MSG_CTRUNC).to.equal(0);
        // The kernel reports the flag it was given back in msg_flags.
        expect(flags & MSG_CMSG_CLOEXEC).to.equal(MSG_CMSG_CLOEXEC);
        expect(fds).to.have.length(2);
        try {
          expect(fds).to.not.include(file);
          expect(fds.map((fd) => fdFlags(fd) & O_CLOEXEC)).to.deep.equal([O_CLOEXEC, O_CLOEXEC]);
          writeFileSync(fds[1], 'written through the received fd');
          expect(readFileSync(join(dir, 'f'), 'utf8')).to.equal('written through the received fd');
        } finally {
          for (const fd of fds) closeSync(fd);
        }
      } finally {
        closeSync(file);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('closes the fds that arrived in a truncated control buffer (MSG_CTRUNC), leaking none', function () {
      const [a, b] = pair(SOCK_SEQPACKET);
      const others = pair();
      const baseline = openFdCount();
      a.sendFds([others[0], others[1], a, b], 'x');
      const cut = b.recvFds(2);
      expect(cut.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
      expect(cut.fds).to.deep.equal([]);
      expect(String(cut.data)).to.equal('x');
      expect(openFdCount()).to.equal(baseline);

      a.sendFds([others[0]], 'y');
      const none = b.recvmsg(4);
      expect(none.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
      expect(none.fds).to.deep.equal([]);
      expect(none.control).to.deep.equal([]);
      expect(openFdCount()).to.equal(baseline);
    });

    it('passes a sockcall listening socket to a child process, which accepts and serves on it', async function () {
      const [parentEnd, childEnd] = pair();
      const server = socket(AF_INET, SOCK_STREAM);
      server.bind({ address: '127.0.0.1', port: 0 });
      server.listen(4);
      const address = server.getsockname();
      const child = runChild(
        `
        const { fds } = channel.recvFds(1);
        const server = sockcall.Socket.fromFd(fds[0]);
        server.setsockopt(sockcall.SOL_SOCKET, sockcall.SO_RCVTIMEO, ${GUARD_MS});
        const conn = server.accept();
        conn.setsockopt(sockcall.SOL_SOCKET, sockcall.SO_RCVTIMEO, ${GUARD_MS});
        const request = conn.recv(64);
        conn.sendAll('child ' + process.pid + ' got ' + request);
        conn.close();
        server.close();`,
        childEnd.fd,
      );
      childEnd.close();
      expect(parentEnd.sendFds([server])).to.equal(1);
      server.close(); // the child's fd keeps the socket listening: only it can accept now
      const client = socket(AF_INET, SOCK_STREAM);
      client.connect(address);
      client.sendAll('ping');
      client.shutdown(sockcall.SHUT_WR);
      const { code, stdout, stderr, pid } = await child;
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(stdout).to.equal('');
      expect(String(client.recv(64))).to.equal(`child ${pid} got ping`);
    });

    it('passes a plain file (fs.openSync) to a child process, which reads it whole', async function () {
      const [parentEnd, childEnd] = pair();
      const dir = mkdtempSync(join(tmpdir(), 'sockcall-51-'));
      const content = randomBytes(70000);
      writeFileSync(join(dir, 'data'), content);
      const file = openSync(join(dir, 'data'), 'r');
      try {
        const child = runChild(
          `
          const fs = require('node:fs');
          const { data, fds } = channel.recvFds(1);
          const bytes = fs.readFileSync(fds[0]);
          fs.closeSync(fds[0]);
          const hash = require('node:crypto').createHash('sha256').update(bytes).digest('hex');
          channel.sendAll(JSON.stringify({ note: String(data), length: bytes.length, hash }));`,
          childEnd.fd,
        );
        childEnd.close();
        parentEnd.sendFds([file], 'read this');
        const { code, stderr } = await child;
        expect(stderr).to.equal('');
        expect(code).to.equal(0);
        expect(JSON.parse(String(parentEnd.recv(4096)))).to.deep.equal({ note: 'read this', length: content.length, hash: sha256(content) });
      } finally {
        closeSync(file);
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("passes a node:net server's fd to a child process, which accepts on it with the promise flavour", async function () {
      const [parentEnd, childEnd] = pair();
      const server = createServer(() => expect.fail('the parent accepted a connection meant for the child'));
      await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
      const { port } = server.address();
      let child;
      try {
        child = runChild(
          `
          const { fds } = channel.recvFds(1);
          const server = P.Socket.fromFd(fds[0]);
          const conn = await server.accept({ timeout: ${GUARD_MS} });
          const request = await conn.recv(64, { timeout: ${GUARD_MS} });
          await conn.sendAll('served ' + request + ' on a ' + server.getsockname().family + ' listener');
          conn.close();
          server.close();`,
          childEnd.fd,
        );
        childEnd.close();
        parentEnd.sendFds([server._handle.fd]);
      } finally {
        // The child's copy keeps it listening; the parent's event loop stops watching it.
        await new Promise((resolve) => server.close(resolve));
      }
      const client = socket(AF_INET, SOCK_STREAM);
      client.connect({ address: '127.0.0.1', port });
      client.sendAll('hello');
      const { code, stderr } = await child;
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(String(client.recv(64))).to.equal('served hello on a AF_INET listener');
    });

    it('the promise flavour waits for fds, and closes a truncated set as the blocking one does', async function () {
      const [a, b] = promisePair(SOCK_SEQPACKET);
      const [x, y] = promisePair();
      const pending = b.recvFds(1, { timeout: GUARD_MS });
      await new Promise((resolve) => setImmediate(resolve));
      expect(await a.sendFds([x], 'late')).to.equal(4);
      const { data, fds, flags } = await pending;
      expect(String(data)).to.equal('late');
      expect(flags & MSG_CTRUNC).to.equal(0);
      expect(fds).to.have.length(1);
      expect(fdFlags(fds[0]) & O_CLOEXEC).to.equal(O_CLOEXEC);
      const adopted = track(P.Socket.fromFd(fds[0]));
      await adopted.send('through it');
      expect(String(await y.recv(64, { timeout: GUARD_MS }))).to.equal('through it');

      const baseline = openFdCount();
      await a.sendFds([x, y, a]);
      const cut = await b.recvmsg([8], { controlLength: CMSG_SPACE(4), timeout: GUARD_MS });
      expect(cut.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
      expect(cut.fds).to.deep.equal([]);
      expect(openFdCount()).to.equal(baseline);
    });

    it('promise sendmsg/recvmsg scatter and gather byte-exact', async function () {
      const [a, b] = promisePair(SOCK_DGRAM);
      const parts = [randomBytes(10), 'xyz', randomBytes(300)];
      const pending = b.recvmsg([5, 5, 1000], { timeout: GUARD_MS });
      expect(await a.sendmsg(parts)).to.equal(313);
      const result = await pending;
      expect(result.bytes).to.equal(313);
      expect(result.buffers.map((buffer) => buffer.length)).to.deep.equal([5, 5, 303]);
      expect(Buffer.concat(result.buffers).equals(Buffer.concat([parts[0], Buffer.from('xyz'), parts[2]]))).to.equal(true);
    });
  });

  describe('credentials', function () {
    const me = () => ({ pid: process.pid, uid: process.getuid(), gid: process.getgid() });

    it('SO_PEERCRED of a socketpair is this process, typed { pid, uid, gid }', function () {
      const [a, b] = pair();
      expect(a.getsockopt(SOL_SOCKET, SO_PEERCRED)).to.deep.equal(me());
      expect(b.getsockopt(SOL_SOCKET, SO_PEERCRED)).to.deep.equal(me());
    });

    it('SO_PEERCRED of an AF_UNIX connection names the connecting process (a child)', async function () {
      const dir = mkdtempSync(join(tmpdir(), 'sockcall-51-'));
      const path = join(dir, 'listener');
      try {
        const server = socket(AF_UNIX, SOCK_STREAM);
        server.bind({ path });
        server.listen(4);
        const [parentEnd, childEnd] = pair();
        const child = runChild(
          `
          const client = sockcall.Socket.fromFd(channel.recvFds(1).fds[0]);
          client.connect({ path: ${JSON.stringify(path)} });
          channel.sendAll(JSON.stringify(client.getsockopt(sockcall.SOL_SOCKET, sockcall.SO_PEERCRED)));
          channel.recv(1);
          client.close();`,
          childEnd.fd,
        );
        childEnd.close();
        const unconnected = socket(AF_UNIX, SOCK_STREAM);
        parentEnd.sendFds([unconnected]);
        unconnected.close();
        const conn = guard(track(server.accept()));
        const seenByChild = JSON.parse(String(parentEnd.recv(256)));
        const seenHere = conn.getsockopt(SOL_SOCKET, SO_PEERCRED);
        parentEnd.send('k');
        const { code, stderr, pid } = await child;
        expect(stderr).to.equal('');
        expect(code).to.equal(0);
        // The server's credentials are the listener's (this process); the client's, the child's.
        expect(seenByChild).to.deep.equal(me());
        expect(seenHere).to.deep.equal({ ...me(), pid });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('SCM_CREDENTIALS arrive with SO_PASSCRED on, and not without it', function () {
      const [a, b] = pair(SOCK_SEQPACKET);
      expect(a.sendCredentials('c1')).to.equal(2);
      const without = b.recvmsg(8, { controlLength: 64 });
      expect(String(without.buffers[0])).to.equal('c1');
      expect(without.credentials).to.equal(null);
      b.setsockopt(SOL_SOCKET, SO_PASSCRED, 1);
      a.sendCredentials();
      const withCreds = b.recvmsg(8, { controlLength: 64 });
      expect(withCreds.buffers[0]).to.deep.equal(Buffer.from([0]));
      expect(withCreds.credentials).to.deep.equal(me());
      expect(withCreds.control).to.have.length(1);
      expect(withCreds.control[0]).to.include({ level: SOL_SOCKET, type: SCM_CREDENTIALS });
      expect(withCreds.control[0].data).to.have.length(12);
    });

    it('the promise flavour sends and receives credentials, and types SO_PEERCRED', async function () {
      const [a, b] = promisePair(SOCK_DGRAM);
      b.setsockopt(SOL_SOCKET, SO_PASSCRED, true);
      const pending = b.recvmsg(16, { controlLength: CMSG_SPACE(12), timeout: GUARD_MS });
      await a.sendCredentials('who');
      const result = await pending;
      expect(String(result.buffers[0])).to.equal('who');
      expect(result.credentials).to.deep.equal(me());
      expect(a.getsockopt(SOL_SOCKET, SO_PEERCRED)).to.deep.equal(me());
    });
  });

  describe('bad arguments', function () {
    it('throws TypeError/RangeError with Node codes before any syscall (blocking)', function () {
      const [a, b] = pair(SOCK_DGRAM);
      throwsLike(() => a.sendmsg('x'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => a.sendmsg([1]), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => a.sendmsg(new Array(1025).fill('x')), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => a.sendmsg(['x'], 5), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => a.sendmsg(['x'], { flags: 1.5 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => a.sendmsg(['x'], { control: {} }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => a.sendmsg(['x'], { control: [{ level: SOL_SOCKET, type: SCM_RIGHTS, data: 'nope' }] }), {
        instanceOf: TypeError,
        code: 'ERR_INVALID_ARG_TYPE',
      });
      throwsLike(() => a.sendmsg(['x'], { address: { path: 5 } }), { instanceOf: TypeError });
      const sparse = [];
      sparse.length = 2 ** 32 - 1; // refused by its length, not walked
      throwsLike(() => a.sendmsg(['x'], { control: sparse }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      // A hole in a list is refused as the undefined it reads as, not skipped.
      throwsLike(() => a.sendmsg(['x', , 'y']), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => b.recvmsg([8, , 8]), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => a.sendFds([0, , 1]), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => a.sendFds([0], 'x', { control: [] }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      throwsLike(() => a.sendCredentials('x', { control: [] }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      throwsLike(() => b.recvmsg(-1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => b.recvmsg('8'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => b.recvmsg([8, 'x']), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => b.recvmsg(8, { controlLength: -1 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => b.recvmsg(8, { controlLength: 2 ** 21 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => a.sendFds([]), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => a.sendFds(new Array(254).fill(0)), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => a.sendFds([-1]), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => a.sendFds(3), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => b.recvFds(0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => b.recvFds(254), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
    });

    it('reports the kernel\u2019s errors with syscall sendmsg/recvmsg: an fd that is not open, a closed socket', function () {
      const [a, b] = pair(SOCK_DGRAM);
      const closed = new Socket(AF_UNIX, SOCK_STREAM);
      closed.close();
      throwsLike(() => a.sendFds([closed]), { instanceOf: SocketError, code: 'EBADF', syscall: 'sendmsg' });
      throwsLike(() => a.sendFds([1_000_000]), { instanceOf: SocketError, code: 'EBADF', syscall: 'sendmsg' });
      b.setBlocking(false);
      throwsLike(() => b.recvmsg(8), { instanceOf: SocketError, code: 'EAGAIN', syscall: 'recvmsg' });
      a.close();
      throwsLike(() => a.sendmsg(['x']), { instanceOf: SocketError, code: 'EBADF', syscall: 'sendmsg' });
      throwsLike(() => a.recvFds(1), { instanceOf: SocketError, code: 'EBADF', syscall: 'recvmsg' });
    });

    it('the promise flavour rejects (never throws) for the same mistakes', async function () {
      const [a, b] = promisePair(SOCK_DGRAM);
      const outcomes = [a.sendmsg('x'), b.recvmsg(-1), a.sendFds([]), b.recvFds(0), a.sendCredentials(5), b.recvmsg(8, { timeout: -1 })];
      const codes = [];
      for (const outcome of outcomes) {
        expect(outcome).to.be.an.instanceOf(Promise);
        codes.push(await outcome.then(() => 'resolved', (error) => error.code));
      }
      expect(codes).to.deep.equal(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE']);
      const timedOut = await b.recvmsg(8, { timeout: 20 }).then(() => null, (error) => error);
      expect(timedOut).to.include({ code: 'ETIMEDOUT', syscall: 'recvmsg' });
    });
  });
});
