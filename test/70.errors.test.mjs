// Error shapes and bad arguments. A failed syscall is a SocketError that reads like Node's own net
// errors (compared field by field against what `net`/`dgram` throw for the same failure); a failed
// name resolution carries the EAI_* code. Bad arguments are TypeError/RangeError with Node's
// ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE / ERR_INVALID_ARG_VALUE codes, thrown before any syscall
// (shown where the syscall would have had a visible effect), never crashing and never leaking an fd.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

import * as sockcall from 'sockcall';

import { listener, openFdCount, rejectsLike, root, socket, tcpPair, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  BPF_JA,
  BPF_JMP,
  BPF_K,
  BPF_MAXINSNS,
  BPF_RET,
  EAI_NONAME,
  FD_SETSIZE,
  MSG_DONTWAIT,
  MSG_WAITALL,
  POLLIN,
  POLLOUT,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ATTACH_FILTER,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SOCK_NONBLOCK,
  Socket,
  SocketError,
  getaddrinfo,
  poll,
  select,
  trace,
} = sockcall;

const require = createRequire(import.meta.url);

const TYPE = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
const RANGE = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' };
const VALUE = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' };

/** The fields Node's net errors carry, for comparing two errors. */
function shape(error) {
  return {
    message: error.message,
    code: error.code,
    errno: error.errno,
    syscall: error.syscall,
    address: error.address,
    port: error.port,
  };
}

/** The error Node's `net` gives for connecting to `options` (resolves null if it connects). */
function nodeConnectError(options) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('net.connect neither failed nor connected')), 5000);
    const client = net.connect(options);
    client.once('error', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
    client.once('connect', () => {
      clearTimeout(timer);
      client.destroy();
      resolve(null);
    });
  });
}

/** The kinds of view a receive takes, each made over a given ArrayBuffer. */
const VIEW_KINDS = [(buffer) => new Uint8Array(buffer), (buffer) => Buffer.from(buffer), (buffer) => new Float64Array(buffer), (buffer) => new DataView(buffer)];

/** A view of `make`'s kind over an ArrayBuffer of 16 bytes that was then transferred away. */
function detachedView(make) {
  const buffer = new ArrayBuffer(16);
  const view = make(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

/** Asserts nothing arrived on `s`: a non-blocking recv fails with EAGAIN. */
function expectNothingQueued(s) {
  throwsLike(() => s.recv(65536, MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recv' });
}

/** A port that refuses connections: a socket bound to it (kept open) that does not listen. */
function refusedPort(domain = AF_INET) {
  const holder = socket(domain, SOCK_STREAM);
  holder.bind({ address: domain === AF_INET6 ? '::1' : '127.0.0.1', port: 0 });
  return holder.getsockname().port;
}

describe('70 errors and bad arguments', function () {
  this.timeout(15000);

  let dir;
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'sockcall-70-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('SocketError: failed syscalls', function () {
    it('is exported, an Error subclass named SocketError', function () {
      expect(SocketError).to.be.a('function');
      const s = socket();
      const error = throwsLike(() => s.recv(10), { instanceOf: SocketError, code: 'ENOTCONN' });
      expect(error).to.be.instanceOf(Error);
      expect(error.name).to.equal('SocketError');
      expect(String(error)).to.equal('SocketError: recv ENOTCONN');
      expect(error.stack.split('\n')[0]).to.equal('SocketError: recv ENOTCONN');
    });

    it('names each errno as util.getSystemErrorName does, and those libuv has no name for as the headers do', function () {
      const { errnoName } = require('../dist/errors.js');
      for (let errno = 1; errno < 4096; errno++) {
        const name = getSystemErrorName(-errno);
        if (!name.startsWith('Unknown')) expect(errnoName(errno), String(errno)).to.equal(name);
      }
      expect(errnoName(osConstants.errno.EINPROGRESS)).to.equal('EINPROGRESS');
      expect(errnoName(100000)).to.equal('E100000');
    });

    it('a would-block EAGAIN carries no stack, and is otherwise the same error; a timed-out EAGAIN keeps its stack', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      const [c] = Socket.pair(AF_UNIX, SOCK_STREAM);
      const server = listener();
      server.setBlocking(false);
      track(a, b, c, server);
      const limit = Error.stackTraceLimit;
      for (const [syscall, call] of [
        ['recv', () => a.recv(10)],
        ['recv', () => a.recvInto(Buffer.alloc(10))],
        ['recvfrom', () => a.recvfrom(10)],
        ['recvmsg', () => a.recvmsg(10)],
        ['recvmmsg', () => a.recvmmsg(4, 10)],
        ['recvmmsg', () => a.recvmmsgInto(Buffer.alloc(40), 4, 10, new Int32Array(8))],
        ['recvfrom', () => a.recvfromInto(Buffer.alloc(10))],
        ['recvfrom', () => a.recvfromInto(Buffer.alloc(10), 0, { senders: [] })],
        ['recv', () => c.recv(10, MSG_DONTWAIT)],
        ['accept', () => server.accept()],
      ]) {
        const error = throwsLike(call, { instanceOf: SocketError, code: 'EAGAIN', errno: -osConstants.errno.EAGAIN, syscall, message: `${syscall} EAGAIN` });
        expect(error.stack, syscall).to.equal(`SocketError: ${syscall} EAGAIN`);
        expect(Object.keys(error)).to.deep.equal(['code', 'errno', 'syscall']);
        expect(Error.stackTraceLimit, 'restored').to.equal(limit);
      }
      c.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 20);
      const timedOut = throwsLike(() => c.recv(10), { instanceOf: SocketError, code: 'EAGAIN', message: 'recv EAGAIN: timed out after 20 ms (SO_RCVTIMEO)' });
      expect(timedOut.stack.split('\n').length).to.be.above(1);
      c.shutdown(SHUT_WR);
      expect(throwsLike(() => c.send('x'), { instanceOf: SocketError, code: 'EPIPE' }).stack.split('\n').length).to.be.above(1);
    });

    it('a would-block EAGAIN gets its stack as usual where Error.stackTraceLimit cannot be set', function () {
      const probe = `const { Socket, AF_UNIX, SOCK_STREAM, SOCK_NONBLOCK } = require(${JSON.stringify(root)});
        Object.defineProperty(Error, 'stackTraceLimit', { value: 10, writable: false });
        const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
        try { a.recv(1); } catch (error) { process.stdout.write(error.code + ' ' + (error.stack.split('\\n').length > 1)); }
        a.close(); b.close();`;
      expect(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })).to.equal('EAGAIN true');
    });

    it("starts its stack at the caller, as Node's errors do: no frame of sockcall's own on top (TypeError and RangeError too)", function () {
      const s = socket();
      const closed = socket();
      closed.close();
      const here = fileURLToPath(import.meta.url);
      const own = [join(root, 'dist') + sep, join(root, 'lib') + sep];
      const limit = Error.stackTraceLimit;
      for (const [what, call] of [
        ['getsockopt ENOPROTOOPT', () => s.getsockopt(SOL_SOCKET, 12345)],
        ['connect ECONNREFUSED', () => socket().connect({ address: '127.0.0.1', port: refusedPort() })],
        ['recv EBADF on a closed Socket', () => closed.recv(1)],
        ['a TypeError from an argument check', () => s.setsockopt('level', 1, 1)],
        ['a RangeError from an argument check', () => s.recv(-1)],
        ['a TypeError from an address', () => s.bind({ address: 'localhost', port: 0 })],
      ]) {
        let error;
        try {
          call();
        } catch (caught) {
          error = caught;
        }
        expect(error, what).to.be.instanceOf(Error);
        const frames = error.stack.split('\n').slice(1);
        expect(frames[0], `${what}: ${error.stack}`).to.include(here);
        expect(frames.filter((frame) => own.some((directory) => frame.includes(directory))), what).to.deep.equal([]);
        expect(frames.length, what).to.be.at.most(limit);
        expect(error.stack.split('\n')[0], what).to.equal(String(error));
        expect(Error.stackTraceLimit, 'restored').to.equal(limit);
      }
      const error = throwsLike(() => s.getsockopt(SOL_SOCKET, 12345), { instanceOf: SocketError });
      error.stack = 'replaced';
      expect(error.stack, 'stack stays writable, as on any Error').to.equal('replaced');
    });

    it('connect ECONNREFUSED reads exactly like Node net: message, code, errno, syscall, address, port', async function () {
      const port = refusedPort();
      const client = socket();
      const error = throwsLike(() => client.connect({ address: '127.0.0.1', port }), { instanceOf: SocketError });
      expect(error.message).to.equal(`connect ECONNREFUSED 127.0.0.1:${port}`);
      expect(error.code).to.equal('ECONNREFUSED');
      expect(error.errno).to.equal(-osConstants.errno.ECONNREFUSED);
      expect(error.errno).to.be.below(0);
      expect(getSystemErrorName(error.errno)).to.equal(error.code);
      expect(error.syscall).to.equal('connect');
      expect(error.address).to.equal('127.0.0.1');
      expect(error.port).to.equal(port);
      expect(error).to.not.have.property('path');
      // Node's own error for the same connect, field by field.
      const nodeError = await nodeConnectError({ host: '127.0.0.1', port });
      expect(nodeError, 'net.connect was refused too').to.not.equal(null);
      expect(shape(error)).to.deep.equal(shape(nodeError));
      // The same own properties, no more: no `path: undefined` and the like.
      expect(Object.keys(error).sort()).to.deep.equal(Object.keys(nodeError).sort());
    });

    it('connect ECONNREFUSED over IPv6 reads like Node net too (::1:port)', async function () {
      const port = refusedPort(AF_INET6);
      const client = socket(AF_INET6);
      const error = throwsLike(() => client.connect({ address: '::1', port }), {
        instanceOf: SocketError,
        code: 'ECONNREFUSED',
        syscall: 'connect',
        address: '::1',
        port,
      });
      expect(error.message).to.equal(`connect ECONNREFUSED ::1:${port}`);
      const nodeError = await nodeConnectError({ host: '::1', port });
      expect(shape(error)).to.deep.equal(shape(nodeError));
    });

    it('bind EADDRINUSE carries the address and port, and reads like Node dgram', async function () {
      const holder = socket(AF_INET, SOCK_DGRAM);
      holder.bind({ address: '127.0.0.1', port: 0 });
      const { port } = holder.getsockname();
      const s = socket(AF_INET, SOCK_DGRAM);
      const error = throwsLike(() => s.bind({ address: '127.0.0.1', port }), {
        instanceOf: SocketError,
        code: 'EADDRINUSE',
        errno: -osConstants.errno.EADDRINUSE,
        syscall: 'bind',
        address: '127.0.0.1',
        port,
        message: `bind EADDRINUSE 127.0.0.1:${port}`,
      });
      expect(getSystemErrorName(error.errno)).to.equal('EADDRINUSE');
      const nodeError = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('dgram bind neither failed nor succeeded')), 5000);
        const udp = dgram.createSocket('udp4');
        udp.once('error', (e) => {
          clearTimeout(timer);
          udp.close();
          resolve(e);
        });
        udp.once('listening', () => {
          clearTimeout(timer);
          udp.close();
          resolve(null);
        });
        udp.bind(port, '127.0.0.1');
      });
      expect(nodeError, 'dgram bind failed too').to.not.equal(null);
      expect(shape(error)).to.deep.equal(shape(nodeError));
      expect(Object.keys(error).sort()).to.deep.equal(Object.keys(nodeError).sort());
      // And for a TCP listener.
      const server = listener();
      const tcpPort = server.getsockname().port;
      const t = socket();
      throwsLike(() => t.bind({ address: '127.0.0.1', port: tcpPort }), {
        code: 'EADDRINUSE',
        message: `bind EADDRINUSE 127.0.0.1:${tcpPort}`,
        port: tcpPort,
      });
    });

    it('unix connect ENOENT names the path (in the message and as `path`), like Node net', async function () {
      const path = join(dir, 'nobody-here.sock');
      const s = socket(AF_UNIX, SOCK_STREAM);
      const error = throwsLike(() => s.connect({ path }), {
        instanceOf: SocketError,
        code: 'ENOENT',
        errno: -osConstants.errno.ENOENT,
        syscall: 'connect',
        path,
        message: `connect ENOENT ${path}`,
      });
      expect(getSystemErrorName(error.errno)).to.equal('ENOENT');
      expect(error).to.not.have.property('address');
      expect(error).to.not.have.property('port');
      const nodeError = await nodeConnectError({ path });
      expect({ message: error.message, code: error.code, errno: error.errno, syscall: error.syscall }).to.deep.equal({
        message: nodeError.message,
        code: nodeError.code,
        errno: nodeError.errno,
        syscall: nodeError.syscall,
      });
    });

    it('unix bind EADDRINUSE on an existing path carries the path', function () {
      const path = join(dir, 'taken.sock');
      const first = socket(AF_UNIX, SOCK_STREAM);
      first.bind({ path });
      const second = socket(AF_UNIX, SOCK_STREAM);
      throwsLike(() => second.bind({ path }), {
        instanceOf: SocketError,
        code: 'EADDRINUSE',
        syscall: 'bind',
        path,
        message: `bind EADDRINUSE ${path}`,
      });
    });

    it('errors without an address carry none: recv/getpeername ENOTCONN, accept on a non-listening socket EINVAL', function () {
      const s = socket();
      for (const [call, syscall, code] of [
        [() => s.recv(10), 'recv', 'ENOTCONN'],
        [() => s.getpeername(), 'getpeername', 'ENOTCONN'],
        [() => s.accept(), 'accept', 'EINVAL'],
      ]) {
        const error = throwsLike(call, { instanceOf: SocketError, code, syscall, message: `${syscall} ${code}` });
        expect(error.errno).to.be.below(0);
        expect(getSystemErrorName(error.errno)).to.equal(code);
        for (const key of ['address', 'port', 'path', 'hostname']) expect(error, key).to.not.have.property(key);
      }
    });

    it('sendfile from a closed fd or FileHandle is EBADF, from a directory or a write-only file EINVAL / EBADF, and a socket as the file fails too', async function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, b);
      const dir = mkdtempSync(join(tmpdir(), 'sockcall-sendfile-'));
      try {
        const path = join(dir, 'f');
        writeFileSync(path, 'data');
        const closed = openSync(path, 'r');
        closeSync(closed);
        // At once: the number is free only until the next open.
        throwsLike(() => a.sendfile(closed, 0, 1), { instanceOf: SocketError, code: 'EBADF', syscall: 'sendfile' });
        const handle = await open(path);
        await handle.close();
        const directory = openSync(dir, 'r');
        const writeOnly = openSync(path, 'w');
        try {
          for (const [call, code] of [
            [() => a.sendfile(handle, 0, 1), 'EBADF'],
            [() => a.sendfileAll(handle, null, 1), 'EBADF'],
            [() => a.sendfile(directory, 0, 1), 'EINVAL'],
            [() => a.sendfile(writeOnly, 0, 1), 'EBADF'],
          ]) {
            const error = throwsLike(call, { instanceOf: SocketError, code, syscall: 'sendfile', message: new RegExp(`^sendfile ${code}`) });
            expect(getSystemErrorName(error.errno)).to.equal(code);
          }
          // From the socket as the file: a socket cannot be read by sendfile.
          throwsLike(() => a.sendfile(b.fd, 0, 1), { instanceOf: SocketError, syscall: 'sendfile' });
        } finally {
          closeSync(directory);
          closeSync(writeOnly);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("getaddrinfo failure: code EAI_NONAME, syscall, hostname, errno libuv's number for the name, eai glibc's value", function () {
      // AI_NUMERICHOST: the name is refused without a lookup, so the test sends no DNS query (tests
      // talk only to loopback; the machine's resolver is not on it).
      const error = throwsLike(() => getaddrinfo('nonexistent.invalid', null, { flags: sockcall.AI_NUMERICHOST }), {
        instanceOf: SocketError,
        code: 'EAI_NONAME',
        syscall: 'getaddrinfo',
        hostname: 'nonexistent.invalid',
        eai: EAI_NONAME,
        message: 'getaddrinfo EAI_NONAME nonexistent.invalid',
      });
      // glibc's EAI_NONAME (-2) would read as ENOENT; libuv's number for the name reads back.
      expect(getSystemErrorName(error.errno)).to.equal('EAI_NONAME');
      expect(error).to.not.have.property('address');
      throwsLike(() => getaddrinfo('not-a-number', null, { flags: sockcall.AI_NUMERICHOST }), {
        instanceOf: SocketError,
        code: 'EAI_NONAME',
        eai: EAI_NONAME,
        hostname: 'not-a-number',
      });
    });
  });

  describe('bad arguments', function () {
    it('every kind throws the right Node-style error, none a SocketError, none leaking an fd', function () {
      const [client, accepted] = tcpPair();
      const udp = socket(AF_INET, SOCK_DGRAM);
      udp.bind({ address: '127.0.0.1', port: 0 });
      const fresh = socket();
      const fresh6 = socket(AF_INET6);
      const unix = socket(AF_UNIX, SOCK_STREAM);
      const to = { address: '127.0.0.1', port: 9 };
      const longPath = `/tmp/${'x'.repeat(120)}`;
      const cases = [
        // ERR_INVALID_ARG_TYPE
        ['string domain', () => new Socket('2', SOCK_STREAM), TYPE],
        ['string type', () => new Socket(AF_INET, '1'), TYPE],
        ['string protocol', () => new Socket(AF_INET, SOCK_STREAM, '0'), TYPE],
        ['undefined type', () => new Socket(AF_INET), TYPE],
        ['pair string domain', () => Socket.pair('1', SOCK_STREAM), TYPE],
        ['fromFd string', () => Socket.fromFd('3'), TYPE],
        ['object length', () => accepted.recv({}), TYPE],
        ['string length', () => accepted.recv('10'), TYPE],
        ['recvfrom object length', () => udp.recvfrom({}), TYPE],
        ['sendmmsg not an array', () => udp.sendmmsg({ data: 'x', address: to }), TYPE],
        ['sendmmsg message not an object', () => udp.sendmmsg(['x']), TYPE],
        ['sendmmsg message without data', () => udp.sendmmsg([{ address: to }]), TYPE],
        ['sendmmsg number data', () => udp.sendmmsg([{ data: 42, address: to }]), TYPE],
        ['sendmmsg buffers not an array', () => udp.sendmmsg([{ buffers: 'x', address: to }]), TYPE],
        ['sendmmsg a hole in a message\'s buffers', () => udp.sendmmsg([{ buffers: new Array(2), address: to }]), TYPE],
        ['sendmmsg control not an array', () => udp.sendmmsg([{ data: 'x', control: {}, address: to }]), TYPE],
        ['sendmmsg string flags', () => udp.sendmmsg([{ data: 'x', address: to }], '0'), TYPE],
        ['recvmmsg string count', () => udp.recvmmsg('4', 10), TYPE],
        ['recvmmsg string timeout', () => udp.recvmmsg(4, 10, { timeout: '5' }), TYPE],
        ['recvmmsg options not an object', () => udp.recvmmsg(4, 10, 0), TYPE],
        ['recvmmsgInto string buffer', () => udp.recvmmsgInto('x'.repeat(40), 4, 10, new Int32Array(8)), TYPE],
        ['recvmmsgInto results an array', () => udp.recvmmsgInto(Buffer.alloc(40), 4, 10, new Array(8).fill(0)), TYPE],
        ['recvmmsgInto results a Uint32Array', () => udp.recvmmsgInto(Buffer.alloc(40), 4, 10, new Uint32Array(8)), TYPE],
        ['recvmmsgInto senders not an array', () => udp.recvmmsgInto(Buffer.alloc(40), 4, 10, new Int32Array(8), { senders: {} }), TYPE],
        ['recvfromInto string view', () => udp.recvfromInto('x'.repeat(10)), TYPE],
        ['recvfromInto ArrayBuffer', () => udp.recvfromInto(new ArrayBuffer(8)), TYPE],
        ['recvfromInto string flags', () => udp.recvfromInto(Buffer.alloc(8), '0'), TYPE],
        ['recvfromInto options not an object', () => udp.recvfromInto(Buffer.alloc(8), 0, []), TYPE],
        ['recvfromInto senders not an array', () => udp.recvfromInto(Buffer.alloc(8), 0, { senders: {} }), TYPE],
        ['tryRecvfromInto senders a string', () => udp.tryRecvfromInto(Buffer.alloc(8), 0, { senders: 'x' }), TYPE],
        ['recv string flags', () => accepted.recv(10, '0'), TYPE],
        ['number data', () => client.send(42), TYPE],
        ['null data', () => client.send(null), TYPE],
        ['object data', () => client.send({ length: 1 }), TYPE],
        ['sendAll number data', () => client.sendAll(42), TYPE],
        ['sendto array data', () => udp.sendto([1, 2], to), TYPE],
        ['sendfile string file', () => client.sendfile('/etc/hostname', 0, 1), TYPE],
        ['sendfile object without fd', () => client.sendfile({}, 0, 1), TYPE],
        ['sendfile string fd in an object', () => client.sendfile({ fd: '3' }, 0, 1), TYPE],
        ['sendfile undefined offset', () => client.sendfile(0, undefined, 1), TYPE],
        ['sendfile string offset', () => client.sendfile(0, '0', 1), TYPE],
        ['sendfile bigint count', () => client.sendfile(0, 0, 1n), TYPE],
        ['sendfileAll missing count', () => client.sendfileAll(0, 0), TYPE],
        ['recvInto array', () => accepted.recvInto([0, 0]), TYPE],
        ['recvInto ArrayBuffer', () => accepted.recvInto(new ArrayBuffer(8)), TYPE],
        ['null address (connect)', () => fresh.connect(null), TYPE],
        ['null address (bind)', () => fresh.bind(null), TYPE],
        ['string address', () => fresh.connect('127.0.0.1:80'), TYPE],
        ['null address (sendto)', () => udp.sendto('x', null), TYPE],
        ['address.port as string', () => fresh.connect({ address: '127.0.0.1', port: '80' }), TYPE],
        ['address.address as number', () => fresh.connect({ address: 0x7f000001, port: 80 }), TYPE],
        ['address.address missing', () => fresh.connect({ port: 80 }), TYPE],
        ['unix path as number', () => unix.bind({ path: 42 }), TYPE],
        ['setsockopt object for int option', () => client.setsockopt(SOL_SOCKET, SO_RCVBUF, {}), TYPE],
        ['setsockopt string for int option', () => client.setsockopt(SOL_SOCKET, SO_RCVBUF, '4096'), TYPE],
        ['setsockopt string timeout', () => client.setsockopt(SOL_SOCKET, SO_RCVTIMEO, '100'), TYPE],
        ['setsockopt number for SO_LINGER', () => client.setsockopt(SOL_SOCKET, SO_LINGER, 5), TYPE],
        ['setsockopt string level', () => client.setsockopt('1', SO_RCVBUF, 4096), TYPE],
        ['getsockopt string name', () => client.getsockopt(SOL_SOCKET, 'SO_RCVBUF'), TYPE],
        ['setBlocking string', () => client.setBlocking('no'), TYPE],
        ['setBlocking number', () => client.setBlocking(0), TYPE],
        ['listen string backlog', () => fresh.listen('10'), TYPE],
        ['shutdown string how', () => client.shutdown('SHUT_WR'), TYPE],
        ['select non-array', () => select(accepted, [], [], 0), TYPE],
        ['select string list', () => select('3', [], [], 0), TYPE],
        ['select write non-array', () => select([], {}, [], 0), TYPE],
        ['select item object', () => select([{ fd: 3 }], [], [], 0), TYPE],
        ['select string timeout', () => select([accepted], [], [], '10'), TYPE],
        ['poll non-array', () => poll({ fd: accepted, events: POLLIN }, 0), TYPE],
        ['poll entry without fd', () => poll([{ events: POLLIN }], 0), TYPE],
        ['poll entry null', () => poll([null], 0), TYPE],
        ['poll string events', () => poll([{ fd: accepted, events: 'POLLIN' }], 0), TYPE],
        ['getaddrinfo number host', () => getaddrinfo(127), TYPE],
        ['getaddrinfo object port', () => getaddrinfo('127.0.0.1', {}), TYPE],
        ['getaddrinfo string hints', () => getaddrinfo('127.0.0.1', 80, 'AF_INET'), TYPE],
        // ERR_OUT_OF_RANGE
        ['port 70000', () => fresh.connect({ address: '127.0.0.1', port: 70000 }), RANGE],
        ['port -1', () => fresh.bind({ address: '127.0.0.1', port: -1 }), RANGE],
        ['port 1.5', () => fresh.connect({ address: '127.0.0.1', port: 1.5 }), RANGE],
        ['port NaN', () => fresh.connect({ address: '127.0.0.1', port: NaN }), RANGE],
        ['sendto port 65536', () => udp.sendto('x', { address: '127.0.0.1', port: 65536 }), RANGE],
        ['negative length', () => accepted.recv(-1), RANGE],
        ['NaN length', () => accepted.recv(NaN), RANGE],
        ['Infinity length', () => accepted.recv(Infinity), RANGE],
        ['1.5 length', () => accepted.recv(1.5), RANGE],
        ['length over MAX_RECV_LENGTH', () => accepted.recv(sockcall.MAX_RECV_LENGTH + 1), RANGE],
        ['recvfrom negative length', () => udp.recvfrom(-5), RANGE],
        ['sendmmsg 1025 messages', () => udp.sendmmsg(new Array(1025).fill({ data: 'x', address: to })), RANGE],
        ['sendmmsg sparse 2**32-1 messages', () => udp.sendmmsg(new Array(2 ** 32 - 1)), RANGE],
        ['sendmmsg 1025 buffers in a message', () => udp.sendmmsg([{ buffers: new Array(1025).fill('x'), address: to }]), RANGE],
        ['recvmmsg count 0', () => udp.recvmmsg(0, 10), RANGE],
        ['recvmmsg count 1025', () => udp.recvmmsg(1025, 10), RANGE],
        ['recvmmsgInto buffer shorter than count * length', () => udp.recvmmsgInto(Buffer.alloc(39), 4, 10, new Int32Array(8)), RANGE],
        ['recvmmsgInto results shorter than 2 * count', () => udp.recvmmsgInto(Buffer.alloc(40), 4, 10, new Int32Array(7)), RANGE],
        ['recvmmsgInto count 0', () => udp.recvmmsgInto(Buffer.alloc(40), 0, 10, new Int32Array(8)), RANGE],
        ['recvfromInto flags 1.5', () => udp.recvfromInto(Buffer.alloc(8), 1.5), RANGE],
        ['recvmmsg count 1.5', () => udp.recvmmsg(1.5, 10), RANGE],
        ['recvmmsg negative length', () => udp.recvmmsg(4, -1), RANGE],
        ['recvmmsg count * length past MAX_RECV_LENGTH', () => udp.recvmmsg(1024, 2 ** 30), RANGE],
        ['recvmmsg negative timeout', () => udp.recvmmsg(4, 10, { timeout: -1 }), RANGE],
        ['recvmmsg NaN timeout', () => udp.recvmmsg(4, 10, { timeout: NaN }), RANGE],
        ['flags 1.5', () => client.send('x', 1.5), RANGE],
        ['flags 2^32', () => client.send('x', 2 ** 32), RANGE],
        ['negative fromFd', () => Socket.fromFd(-1), RANGE],
        ['sendfile negative fd', () => client.sendfile(-1, 0, 1), RANGE],
        ['sendfile negative offset', () => client.sendfile(0, -1, 1), RANGE],
        ['sendfile fractional offset', () => client.sendfile(0, 0.5, 1), RANGE],
        ['sendfile offset 2^53', () => client.sendfile(0, 2 ** 53, 1), RANGE],
        ['sendfile negative count', () => client.sendfile(0, 0, -1), RANGE],
        ['sendfile NaN count', () => client.sendfile(0, null, NaN), RANGE],
        ['sendfileAll Infinity count', () => client.sendfileAll(0, 0, Infinity), RANGE],
        ['fractional domain', () => new Socket(2.5, SOCK_STREAM), RANGE],
        ['getsockopt negative length', () => client.getsockopt(SOL_SOCKET, SO_RCVBUF, -1), RANGE],
        ['setsockopt fractional int', () => client.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096.5), RANGE],
        ['setsockopt negative timeout', () => client.setsockopt(SOL_SOCKET, SO_RCVTIMEO, -1), RANGE],
        ['setsockopt NaN timeout', () => client.setsockopt(SOL_SOCKET, SO_RCVTIMEO, NaN), RANGE],
        ['negative linger', () => client.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: -1 }), RANGE],
        ['select timeout -1', () => select([accepted], [], [], -1), RANGE],
        ['select timeout NaN', () => select([accepted], [], [], NaN), RANGE],
        ['select timeout Infinity', () => select([accepted], [], [], Infinity), RANGE],
        ['select negative fd', () => select([-1], [], [], 0), RANGE],
        ['select fd FD_SETSIZE', () => select([FD_SETSIZE], [], [], 0), { ...RANGE, message: /poll/ }],
        ['select write fd 5000', () => select([], [5000], [], 0), { ...RANGE, message: /poll/ }],
        ['poll timeout -1', () => poll([{ fd: accepted, events: POLLIN }], -1), RANGE],
        ['poll events 0x10000', () => poll([{ fd: accepted, events: 0x10000 }], 0), RANGE],
        ['getaddrinfo port 70000', () => getaddrinfo('127.0.0.1', 70000), RANGE],
        ['unix path too long', () => unix.bind({ path: longPath }), RANGE],
        ['unix path too long (connect)', () => unix.connect({ path: longPath }), RANGE],
        // ERR_INVALID_ARG_VALUE
        ['address 999.1.1.1', () => fresh.connect({ address: '999.1.1.1', port: 80 }), { ...VALUE, message: /getaddrinfo/ }],
        ['localhost as numeric address', () => fresh.connect({ address: 'localhost', port: 80 }), { ...VALUE, message: /getaddrinfo/ }],
        ['empty address', () => fresh.bind({ address: '', port: 0 }), VALUE],
        ['IPv4 on an AF_INET6 socket', () => fresh6.connect({ address: '127.0.0.1', port: 80 }), VALUE],
        ['sendto bad address', () => udp.sendto('x', { address: '1.2.3', port: 9 }), VALUE],
        ['sendmmsg message with data and buffers', () => udp.sendmmsg([{ data: 'x', buffers: ['y'], address: to }]), VALUE],
        ['sendmmsg misspelt message key', () => udp.sendmmsg([{ data: 'x', adress: to }]), VALUE],
        ['recvfromInto misspelt option', () => udp.recvfromInto(Buffer.alloc(8), 0, { sender: [] }), VALUE],
        ['recvfromInto a flag recvfrom does not take', () => udp.recvfromInto(Buffer.alloc(8), sockcall.MSG_EOR), VALUE],
        ['sendmmsg bad address', () => udp.sendmmsg([{ data: 'x', address: { address: '1.2.3', port: 9 } }]), VALUE],
        ['sendmmsg recv flag', () => udp.sendmmsg([{ data: 'x', address: to }], sockcall.MSG_WAITFORONE), VALUE],
        ['recvmmsg send flag', () => udp.recvmmsg(4, 10, { flags: sockcall.MSG_MORE }), VALUE],
        ['recvmmsg misspelt option', () => udp.recvmmsg(4, 10, { timout: 5 }), VALUE],
        ['unix path with embedded NUL', () => unix.bind({ path: join(dir, 'a\0b') }), VALUE],
        ['unix path with trailing NUL', () => unix.connect({ path: `${join(dir, 'a')}\0` }), VALUE],
        ['unknown family name', () => fresh.connect({ family: 'AF_BOGUS', address: '127.0.0.1', port: 80 }), VALUE],
      ];

      const before = openFdCount();
      const failures = [];
      for (const [label, call, expected] of cases) {
        try {
          const error = throwsLike(call, expected);
          if (error instanceof SocketError) failures.push(`${label}: a SocketError (${error.message}) instead of an argument error`);
          if (typeof error.message !== 'string' || error.message.length < 20) failures.push(`${label}: message ${error.message}`);
        } catch (failure) {
          failures.push(`${label}: ${failure.message}`);
        }
      }
      expect(failures).to.deep.equal([]);
      expect(openFdCount(), 'open fds after the bad-argument loop').to.equal(before);
      // All the sockets used above still work.
      expect(client.send('still fine')).to.equal(10);
      expect(accepted.recv(100).toString()).to.equal('still fine');
      expect(readdirSync(dir)).to.deep.equal([]);
    });

    it('messages read like Node’s own argument errors', function () {
      const [, accepted] = tcpPair();
      const nodeType = (() => {
        try {
          Buffer.alloc('10');
        } catch (error) {
          return error;
        }
      })();
      const ours = throwsLike(() => accepted.recv('10'), TYPE);
      expect(ours.message).to.equal(nodeType.message.replace('"size"', '"length"'));
      expect(ours.message).to.equal(`The "length" argument must be of type number. Received type string ('10')`);
      throwsLike(() => accepted.recv(-1), {
        ...RANGE,
        message: /^The value of "length" is out of range\. It must be >= 0 && <= \d+\. Received -1$/,
      });
      throwsLike(() => accepted.recv(1.5), { ...RANGE, message: 'The value of "length" is out of range. It must be an integer. Received 1.5' });
      const fresh = socket();
      throwsLike(() => fresh.connect({ address: '127.0.0.1', port: 70000 }), {
        ...RANGE,
        message: /"address\.port".*Received 70000$/,
      });
      throwsLike(() => fresh.connect(null), { ...TYPE, message: /^The "address" argument must be of type object\. Received null$/ });
      throwsLike(() => fresh.connect({ address: '999.1.1.1', port: 1 }), { ...VALUE, message: /'address\.address'.*999\.1\.1\.1/ });
    });

    it('a bad flag on send sends nothing: the peer’s non-blocking recv gets EAGAIN', function () {
      const [client, accepted] = tcpPair();
      for (const flags of [1.5, NaN, '0', 2 ** 32, -(2 ** 31) - 1, null, {}]) {
        let caught;
        try {
          client.send('must not arrive', flags);
        } catch (error) {
          caught = error;
        }
        expect(caught, `send with flags ${String(flags)}`).to.be.instanceOf(Error);
        expect(caught.code).to.be.oneOf(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE']);
        try {
          client.sendAll('must not arrive', flags);
        } catch (error) {
          caught = error;
        }
        expect(caught.code).to.be.oneOf(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE']);
      }
      expectNothingQueued(accepted);
      // The channel itself works: a good send arrives.
      client.send('good');
      expect(accepted.recv(100).toString()).to.equal('good');
    });

    it('a sendto with an out-of-range port or bad address sends nothing (no wrap to port & 0xffff)', function () {
      const receiver = socket(AF_INET, SOCK_DGRAM);
      receiver.bind({ address: '127.0.0.1', port: 0 });
      const { port } = receiver.getsockname();
      const sender = socket(AF_INET, SOCK_DGRAM);
      throwsLike(() => sender.sendto('wrapped?', { address: '127.0.0.1', port: port + 65536 }), RANGE);
      throwsLike(() => sender.sendto('bad flags', { address: '127.0.0.1', port }, 0.5), RANGE);
      throwsLike(() => sender.sendto('v6 text', { address: '::1', port }), VALUE);
      expectNothingQueued(receiver);
      sender.sendto('good', { address: '127.0.0.1', port });
      expect(receiver.recv(100).toString()).to.equal('good');
    });

    it('a connect with an out-of-range port makes no connection; the socket connects fine afterwards', function () {
      const server = listener();
      const { port } = server.getsockname();
      const client = socket();
      throwsLike(() => client.connect({ address: '127.0.0.1', port: port + 65536 }), RANGE);
      expect(poll([{ fd: server, events: POLLIN }], 0), 'no pending connection on the listener').to.deep.equal([]);
      throwsLike(() => client.getpeername(), { code: 'ENOTCONN', syscall: 'getpeername' });
      client.connect({ address: '127.0.0.1', port });
      expect(poll([{ fd: server, events: POLLIN }], 2000)).to.have.length(1);
    });

    it('a bind with port 70000 or -1 binds nothing', function () {
      const s = socket();
      throwsLike(() => s.bind({ address: '127.0.0.1', port: 70000 }), RANGE);
      throwsLike(() => s.bind({ address: '127.0.0.1', port: -1 }), RANGE);
      throwsLike(() => s.bind({ address: '127.0.0.2.', port: 0 }), VALUE);
      expect(s.getsockname()).to.deep.equal({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
      s.bind({ address: '127.0.0.1', port: 0 });
      expect(s.getsockname().port).to.be.above(0);
    });

    it('a unix path with an embedded NUL or too long creates no file', function () {
      const s = socket(AF_UNIX, SOCK_DGRAM);
      const cut = join(dir, 'cut');
      throwsLike(() => s.bind({ path: `${cut}\0here` }), { ...VALUE, message: /NUL/ });
      throwsLike(() => s.bind({ path: Buffer.from(`${cut}\0here`) }), VALUE);
      // 108 bytes: one more than sun_path can hold with its terminating NUL.
      const long = join(dir, 'y'.repeat(108 - dir.length - 1));
      expect(Buffer.byteLength(long)).to.equal(108);
      throwsLike(() => s.bind({ path: long }), { ...RANGE, message: /108|107/ });
      expect(readdirSync(dir)).to.deep.equal([]);
      expect(s.getsockname()).to.deep.equal({ family: 'AF_UNIX', path: '' });
      // One byte shorter fits.
      const fits = long.slice(0, -1);
      s.bind({ path: fits });
      expect(s.getsockname()).to.deep.equal({ family: 'AF_UNIX', path: fits });
    });

    it('a recv with a bad length consumes nothing', function () {
      const [client, accepted] = tcpPair();
      client.send('keep me');
      expect(poll([{ fd: accepted, events: POLLIN }], 2000)).to.have.length(1);
      for (const length of [-1, NaN, Infinity, 1.5, '7', {}]) {
        let caught;
        try {
          accepted.recv(length);
        } catch (error) {
          caught = error;
        }
        expect(caught && caught.code, `recv(${String(length)})`).to.be.oneOf(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE']);
      }
      throwsLike(() => accepted.recv(7, 0.5), RANGE);
      expect(accepted.recv(100).toString()).to.equal('keep me');
    });

    it('a setsockopt with a bad value leaves the option as it was', function () {
      const s = socket();
      s.setsockopt(SOL_SOCKET, SO_RCVBUF, 8192);
      const before = s.getsockopt(SOL_SOCKET, SO_RCVBUF);
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_RCVBUF, {}), TYPE);
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536.5), RANGE);
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_RCVBUF, 2 ** 40), RANGE);
      expect(s.getsockopt(SOL_SOCKET, SO_RCVBUF)).to.equal(before);
      const linger = s.getsockopt(SOL_SOCKET, SO_LINGER);
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: 'yes', linger: 5 }), TYPE);
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 1.5 }), RANGE);
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal(linger);
    });

    it('SO_ATTACH_FILTER: a malformed program is refused before the syscall, one the kernel refuses is EINVAL', function () {
      const s = socket(AF_INET, SOCK_DGRAM);
      const ret = { code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0 };
      const bad = [
        [5, TYPE],
        ['ret #0', TYPE],
        [{ length: 1, 0: ret }, TYPE],
        [[null], TYPE],
        [[{ ...ret, k: '0' }], TYPE],
        [[{ code: ret.code, jt: 0, jf: 0 }], TYPE], // k missing
        [[{ ...ret, extra: 1 }], VALUE],
        [[], RANGE],
        [new Array(BPF_MAXINSNS + 1).fill(ret), RANGE],
        [[{ ...ret, code: 0x10000 }], RANGE],
        [[{ ...ret, jt: 256 }], RANGE],
        [[{ ...ret, jf: -1 }], RANGE],
        [[{ ...ret, k: 2 ** 32 }], RANGE],
        [[{ ...ret, k: 0.5 }], RANGE],
        [Buffer.alloc(0), RANGE],
        [Buffer.alloc(12), RANGE], // not whole 8-byte instructions
        [Buffer.alloc(8 * (BPF_MAXINSNS + 1)), RANGE],
      ];
      const lines = [];
      trace((line) => lines.push(line));
      try {
        for (const [value, expected] of bad) throwsLike(() => s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, value), expected);
      } finally {
        trace(false);
      }
      expect(lines, 'no syscall for a malformed program').to.deep.equal([]);
      // Well formed, but the kernel's checker refuses it: a jump past the last instruction.
      const error = throwsLike(() => s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, [{ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: 1 }]), {
        instanceOf: SocketError,
        code: 'EINVAL',
        errno: -osConstants.errno.EINVAL,
        syscall: 'setsockopt',
      });
      expect(error.message).to.equal('setsockopt EINVAL');
      // The most instructions the kernel takes are taken (a program of 4096 returns).
      s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, new Array(BPF_MAXINSNS).fill({ ...ret, k: 0xffffffff }));
      expect(s.getsockopt(SOL_SOCKET, SO_ATTACH_FILTER)).to.equal(BPF_MAXINSNS);
      throwsLike(() => s.getsockopt(SOL_SOCKET, SO_ATTACH_FILTER, 8), { code: 'EINVAL', syscall: 'getsockopt' }); // room for 1
      throwsLike(() => s.getsockopt(SOL_SOCKET, SO_ATTACH_FILTER, 12), RANGE);
    });

    it('getsockopt with a length: a failure is the system error, not a Buffer', function () {
      const s = socket(AF_INET, SOCK_DGRAM);
      throwsLike(() => s.getsockopt(SOL_SOCKET, 9999, 4), { instanceOf: SocketError, code: 'ENOPROTOOPT', errno: -osConstants.errno.ENOPROTOOPT, syscall: 'getsockopt' });
    });

    it('reading SO_ATTACH_FILTER (SO_GET_FILTER) never writes past the room given, raw or not', function () {
      const { native } = require(join(root, 'dist', 'native.js'));
      const s = socket(AF_INET, SOCK_DGRAM);
      const program = [{ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0xffffffff }];
      s.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, program);
      // The kernel counts this option's length in 8-byte instructions: 2 bytes must not become 2 instructions.
      const around = Buffer.alloc(24, 0xee);
      expect(native.getsockoptBytes(s.fd, SOL_SOCKET, SO_ATTACH_FILTER, around.subarray(8, 10))).to.equal(8); // the length it has
      expect(around).to.deep.equal(Buffer.alloc(24, 0xee));
      expect(native.getsockoptInt(s.fd, SOL_SOCKET, SO_ATTACH_FILTER)).to.equal(0); // an int holds no instruction
      const bytes = s.getsockopt(SOL_SOCKET, SO_ATTACH_FILTER, 16);
      expect(bytes).to.deep.equal(Buffer.from([BPF_RET | BPF_K, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
    });

    it('shutdown(7) is ERR_INVALID_ARG_VALUE and leaves the connection open both ways', function () {
      const [client, accepted] = tcpPair();
      for (const how of [7, 3, -1]) {
        throwsLike(() => client.shutdown(how), VALUE);
      }
      // Not half-closed: no EOF at the peer, and both directions still carry data.
      expectNothingQueued(accepted);
      client.send('after');
      expect(accepted.recv(100).toString()).to.equal('after');
      accepted.send('back');
      expect(client.recv(100).toString()).to.equal('back');
      client.shutdown(SHUT_WR);
      expect(accepted.recv(100).length).to.equal(0);
    });

    it('select refuses a real socket whose fd is >= FD_SETSIZE, pointing to poll, which handles it', function () {
      const baseline = openFdCount();
      const sockets = [];
      let big;
      try {
        for (let i = 0; i < FD_SETSIZE + 64 && !big; i++) {
          const s = new Socket(AF_UNIX, SOCK_DGRAM);
          sockets.push(s);
          if (s.fd >= FD_SETSIZE) big = s;
        }
        expect(big, `a socket with fd >= ${FD_SETSIZE}`).to.not.equal(undefined);
        const error = throwsLike(() => select([big], [], [], 0), { ...RANGE, message: /poll/ });
        expect(error.message).to.match(new RegExp(`${FD_SETSIZE}`));
        throwsLike(() => select([], [big], [], 0), { ...RANGE, message: /poll/ });
        throwsLike(() => select([], [], [big.fd], 0), { ...RANGE, message: /poll/ });
        // Even with ready low fds in the same call, nothing is waited on or returned.
        const low = sockets[0];
        throwsLike(() => select([], [low, big], [], 0), RANGE);
        // poll has no such limit: an unconnected datagram socket is writable.
        const ready = poll([{ fd: big, events: POLLOUT }], 0);
        expect(ready).to.have.length(1);
        expect(ready[0].fd).to.equal(big);
        expect(ready[0].revents & POLLOUT).to.equal(POLLOUT);
      } finally {
        for (const s of sockets) s.close();
      }
      expect(openFdCount()).to.equal(baseline);
    });

    it('argument errors on a closed socket are still EBADF first (the socket state is checked before the arguments)', function () {
      const s = new Socket(AF_INET, SOCK_STREAM);
      track(s);
      s.close();
      throwsLike(() => s.recv(10), { instanceOf: SocketError, code: 'EBADF', syscall: 'recv' });
      throwsLike(() => s.connect({ address: '127.0.0.1', port: 1 }), { instanceOf: SocketError, code: 'EBADF', syscall: 'connect' });
    });
  });

  describe('inputs that C strings and sparse arrays would get wrong', function () {
    it('a NUL inside a host, a service or a numeric address is refused, not cut short', function () {
      throwsLike(() => getaddrinfo('localhost\0.example.invalid'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      throwsLike(() => getaddrinfo('127.0.0.1', 'http\0x'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      const s = socket();
      throwsLike(() => s.bind({ address: '127.0.0.1\0garbage', port: 0 }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      expect(s.getsockname()).to.deep.equal({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
    });

    it('a hole in a select list or a poll entry list is an ERR_INVALID_ARG_TYPE for that index', function () {
      const [client] = tcpPair();
      // eslint-disable-next-line no-sparse-arrays
      throwsLike(() => select([client, , client], [], [], 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /read\[1\]/ });
      // eslint-disable-next-line no-sparse-arrays
      throwsLike(() => poll([{ fd: client, events: POLLIN }, , { fd: client, events: POLLIN }], 0), {
        instanceOf: TypeError,
        code: 'ERR_INVALID_ARG_TYPE',
        message: /entries\[1\]/,
      });
    });

    it('poll ignores a negative fd, as poll(2) does, and still reports the others', function () {
      const [client, accepted] = tcpPair();
      accepted.send('x');
      const ready = poll([{ fd: -1, events: POLLIN }, { fd: client, events: POLLIN }], 1000);
      expect(ready).to.have.length(1);
      expect(ready[0].fd).to.equal(client);
    });

    it('the binding itself survives a throwing array element and a huge sparse array (no abort)', function () {
      const script = `
        const { native } = require(${JSON.stringify(join(root, 'dist', 'native.js'))});
        const list = [0];
        Object.defineProperty(list, 0, { get() { throw new Error('getter'); } });
        const calls = [
          () => native.select(list, [], [], 0),
          () => native.poll(list, [1], 0),
          () => native.select(new Array(2 ** 32 - 1), [], [], 0),
          () => native.sendmmsg(0, list, 0),
          () => native.sendmmsg(0, [[list, null, null]], 0),
          () => native.sendmmsg(0, new Array(2 ** 32 - 1), 0),
          () => native.recvmmsg(0, Buffer.alloc(8), 4, 4, 0, -1, new Int32Array(8)),
          () => native.recvmmsg(0, Buffer.alloc(16), 4, 4, 0, -1, new Int32Array(2)),
        ];
        for (const call of calls) {
          try { call(); console.log('no throw'); } catch (error) { console.log(error.message); }
        }`;
      const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 });
      expect(output.trim().split('\n')).to.deep.equal([
        'getter',
        'getter',
        'argument 0 must hold numbers',
        'getter',
        'getter',
        'argument 1 holds too many messages',
        'the buffer holds fewer than count * length bytes',
        'the result array holds fewer than 2 * count int32s',
      ]);
    });
  });

  describe('found by the fuzzer (npm run fuzz)', function () {
    it('Socket.pair/fromFd called on anything but a Socket class throw a TypeError before any syscall (no fds leaked)', async function () {
      const P = await import('sockcall/promises');
      const before = openFdCount();
      for (const Class of [sockcall.Socket, P.Socket]) {
        const { pair, fromFd } = Class;
        for (const target of [undefined, {}, function Other() {}, Map]) {
          throwsLike(() => pair.call(target, sockcall.AF_UNIX, sockcall.SOCK_STREAM), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
          throwsLike(() => fromFd.call(target, 0), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
        }
      }
      expect(openFdCount()).to.equal(before);
    });

    it('a view over a detached buffer is an empty view to every receive-into call, a DataView as much as a Uint8Array (both flavours)', async function () {
      const P = await import('sockcall/promises');
      for (const make of VIEW_KINDS) {
        const kind = make(new ArrayBuffer(0)).constructor.name;
        const detached = () => detachedView(make);
        // Blocking: recv(2) of 0 bytes; nothing queued is EAGAIN as for any view.
        const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => track(s));
        throwsLike(() => a.recvInto(detached(), MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recv' });
        expect(a.tryRecvInto(detached(), MSG_DONTWAIT), `${kind} tryRecvInto, nothing queued`).to.equal(null);
        b.send('queued');
        expect(a.recvInto(detached(), MSG_DONTWAIT), `${kind} recvInto`).to.equal(0);
        expect(a.tryRecvInto(detached(), MSG_DONTWAIT), `${kind} tryRecvInto`).to.equal(0);
        expect(String(a.recv(64, MSG_DONTWAIT)), `${kind}: the stream's bytes are still queued`).to.equal('queued');
        a.close();
        b.close();
        const [da, db] = Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => track(s));
        const results = new Int32Array(2);
        throwsLike(() => da.recvmmsgInto(detached(), 1, 0, results, { flags: MSG_DONTWAIT }), { code: 'EAGAIN', syscall: 'recvmmsg' });
        db.send('one');
        throwsLike(() => da.recvmmsgInto(detached(), 1, 16, results, { flags: MSG_DONTWAIT }), {
          ...RANGE,
          message: /"count \* length".*<= buffer\.byteLength \(0\)\. Received 16$/,
        });
        expect(da.recvmmsgInto(detached(), 1, 0, results, { flags: MSG_DONTWAIT }), `${kind} recvmmsgInto of length 0`).to.equal(1);
        expect(results[0], `${kind}: no byte of the datagram kept`).to.equal(0);
        throwsLike(() => da.recv(16, MSG_DONTWAIT), { code: 'EAGAIN' }); // that datagram was taken
        da.close();
        db.close();
        // Promises: the same, with MSG_WAITALL too (nothing to wait for).
        const [pa, pb] = P.Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => track(s));
        await rejectsLike(pa.recvInto(detached(), { timeout: 20 }), { code: 'ETIMEDOUT', syscall: 'recv' });
        await pb.send('queued');
        expect(await pa.recvInto(detached()), `${kind} promise recvInto`).to.equal(0);
        expect(await pa.recvInto(detached(), MSG_WAITALL), `${kind} promise recvInto, MSG_WAITALL`).to.equal(0);
        expect(String(await pa.recv(64)), `${kind}: still queued`).to.equal('queued');
        pa.close();
        pb.close();
        const [pda, pdb] = P.Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => track(s));
        await pdb.send('one');
        await rejectsLike(pda.recvmmsgInto(detached(), 1, 16, results), RANGE);
        expect(await pda.recvmmsgInto(detached(), 1, 0, results), `${kind} promise recvmmsgInto of length 0`).to.equal(1);
        expect(results[0]).to.equal(0);
        pda.close();
        pdb.close();
      }
    });

    it('a buffer detached while a promise receive waits: recvInto resolves 0, recvmmsgInto rejects as it would at the call', async function () {
      const P = await import('sockcall/promises');
      for (const make of VIEW_KINDS) {
        const kind = make(new ArrayBuffer(0)).constructor.name;
        const [a, b] = P.Socket.pair(AF_UNIX, SOCK_STREAM).map((s) => track(s));
        const buffer = new ArrayBuffer(16);
        const waiting = a.recvInto(make(buffer));
        structuredClone(buffer, { transfer: [buffer] });
        await b.send('late');
        expect(await waiting, `${kind} recvInto`).to.equal(0);
        expect(String(await a.recv(64)), `${kind}: the bytes are still queued`).to.equal('late');
        a.close();
        b.close();
        const [da, db] = P.Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => track(s));
        const into = new ArrayBuffer(16);
        const results = new Int32Array(2);
        const batch = da.recvmmsgInto(make(into), 1, 16, results);
        structuredClone(into, { transfer: [into] });
        await db.send('late');
        await rejectsLike(batch, { ...RANGE, message: /<= buffer\.byteLength \(0\)/ });
        expect(String(await da.recv(64)), `${kind}: the datagram is still queued`).to.equal('late');
        const batchResults = new Int32Array(2);
        const second = da.recvmmsgInto(new Uint8Array(16), 1, 16, batchResults);
        structuredClone(batchResults.buffer, { transfer: [batchResults.buffer] });
        await db.send('late');
        await rejectsLike(second, { ...RANGE, message: /"results\.length".*Received 0$/ });
        da.close();
        db.close();
      }
    });

    it('an argument error still names the argument when util.inspect cannot show the value (a DataView over a detached buffer)', async function () {
      const P = await import('sockcall/promises');
      const options = { control: detachedView((buffer) => new DataView(buffer)) };
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => track(s));
      throwsLike(() => a.recvmsg(4, options), { ...VALUE, message: /^The argument 'options' has an unknown key `control`/ });
      const [pa, pb] = P.Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => track(s));
      await rejectsLike(pa.recvmsg(4, options), { ...VALUE, message: /^The argument 'options' has an unknown key `control`/ });
      for (const s of [a, b, pa, pb]) s.close();
    });

    it('the poller refuses an event mask libuv would abort on, and says which call failed when it cannot watch an fd', async function () {
      const { native } = (await import('../dist/native.js')).default;
      const [a, b] = native.socketpair(sockcall.AF_UNIX, sockcall.SOCK_STREAM | sockcall.SOCK_CLOEXEC, 0);
      try {
        const poller = new native.Poller(a, () => {});
        for (const mask of [0x10, 0x100, -1, 2 ** 31 - 1]) expect(poller.start(mask), `mask ${mask}`).to.equal(-osConstants.errno.EINVAL);
        expect(poller.start(native.Poller.READABLE)).to.equal(0);
        // A second handle on the same fd: libuv says EEXIST, as a coded error.
        throwsLike(() => new native.Poller(a, () => {}), { code: 'EEXIST', syscall: 'uv_poll_init', errno: -osConstants.errno.EEXIST });
        poller.close();
      } finally {
        native.close(a);
        native.close(b);
      }
    });
  });
});
