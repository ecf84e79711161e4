// What a failure says to someone new to sockets, in both flavours. Every system error keeps its
// `code`, `errno` and `syscall`; the message adds what the code alone does not say: that the
// socket was closed (and which fd it had), that an EAGAIN was the socket's own SO_RCVTIMEO or
// SO_SNDTIMEO running out, how far a sendAll got, what cancelled a waiting call. Arguments the call
// does not know, an option key or a flag bit, are refused before any syscall instead of being
// ignored. util.inspect shows a socket's fd, family, type and state.
import { expect } from 'chai';
import { constants as osConstants } from 'node:os';
import { inspect } from 'node:util';

import * as blocking from 'sockcall';
import * as P from 'sockcall/promises';

import { bounded, GUARD_MS, guard, listener, rejectsLike, socket, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  CMSG_SPACE,
  MSG_CMSG_CLOEXEC,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_MORE,
  MSG_PEEK,
  MSG_WAITALL,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_LINGER,
  SO_RCVTIMEO,
  SO_SNDBUF,
  SO_SNDTIMEO,
  Socket,
  SocketError,
} = blocking;

const EAGAIN = -osConstants.errno.EAGAIN;
const EBADF = -osConstants.errno.EBADF;
const ECANCELED = -osConstants.errno.ECANCELED;
const ETIMEDOUT = -osConstants.errno.ETIMEDOUT;
const VALUE = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' };
/** Enough to fill a Unix stream socket's buffers many times over. */
const BIG = Buffer.alloc(16 << 20, 7);

/** A connected AF_UNIX pair of either flavour, both ends tracked; blocking ends are guarded. */
function pair(Class = Socket, type = SOCK_STREAM) {
  const [a, b] = Class.pair(AF_UNIX, type);
  track(a, b);
  if (Class === Socket) for (const end of [a, b]) guard(end);
  return [a, b];
}

/** The syscalls `fn` makes, by name, as the trace reports them. */
function syscallsOf(fn) {
  const lines = [];
  blocking.trace((line) => lines.push(line));
  try {
    fn();
  } catch {
    // the calls made are what is looked at
  } finally {
    blocking.trace(false);
  }
  return lines.map((line) => line.slice(0, line.indexOf('(')));
}

/** Asserts nothing was taken from `s`'s queue: `expected` is still the next thing to read. */
function expectStillQueued(s, expected) {
  expect(String(s.recv(64, MSG_DONTWAIT))).to.equal(expected);
}

describe('72 messages a newcomer understands', function () {
  describe('a call on a closed or detached socket', function () {
    it('blocking: EBADF saying the socket is closed and which fd close() released', function () {
      const [a] = pair();
      const fd = a.fd;
      a.close();
      const error = throwsLike(() => a.recv(10), { instanceOf: SocketError, code: 'EBADF', errno: EBADF, syscall: 'recv' });
      expect(error.message).to.equal(`recv EBADF: the socket is closed (fd ${fd} was released by close())`);
      throwsLike(() => a.sendAll('x'), { code: 'EBADF', syscall: 'send', message: /^send EBADF: the socket is closed/ });
    });

    it('blocking: after detach() it says the fd was handed over, by detach()', function () {
      const [a] = pair();
      const fd = a.detach();
      try {
        throwsLike(() => a.getsockname(), {
          code: 'EBADF',
          syscall: 'getsockname',
          message: `getsockname EBADF: the socket is detached (fd ${fd} was handed over by detach())`,
        });
        throwsLike(() => a.detach(), { code: 'EBADF', syscall: 'detach', message: /detached \(fd \d+ was handed over by detach\(\)\)$/ });
      } finally {
        blocking.Socket.fromFd(fd).close();
      }
    });

    it('promises: the same EBADF, and toBlocking()/fromBlocking() are named as what let the fd go', async function () {
      const [a, b] = pair(P.Socket);
      const fd = a.fd;
      a.close();
      await rejectsLike(a.recv(10), {
        instanceOf: SocketError,
        code: 'EBADF',
        errno: EBADF,
        syscall: 'recv',
        message: `recv EBADF: the socket is closed (fd ${fd} was released by close())`,
      });
      const bFd = b.fd;
      const moved = track(b.toBlocking());
      expect(moved.fd).to.equal(bFd);
      await rejectsLike(b.send('x'), { code: 'EBADF', message: `send EBADF: the socket is detached (fd ${bFd} was handed over by toBlocking())` });
      const back = track(P.Socket.fromBlocking(moved));
      expect(back.fd).to.equal(bFd);
      throwsLike(() => moved.recv(1), { code: 'EBADF', message: `recv EBADF: the socket is detached (fd ${bFd} was handed over by Socket.fromBlocking())` });
    });
  });

  describe('an EAGAIN that SO_RCVTIMEO or SO_SNDTIMEO caused says it timed out (blocking flavour)', function () {
    it('recv, recvfrom, recvInto and recvmsg: "timed out after N ms (SO_RCVTIMEO)", code EAGAIN kept', function () {
      const [a] = pair(Socket, SOCK_SEQPACKET);
      a.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 50);
      for (const [syscall, call] of [
        ['recv', () => a.recv(10)],
        ['recvfrom', () => a.recvfrom(10)],
        ['recv', () => a.recvInto(Buffer.alloc(10))],
        ['recvmsg', () => a.recvmsg(10)],
      ]) {
        const error = throwsLike(call, { instanceOf: SocketError, code: 'EAGAIN', errno: EAGAIN, syscall });
        expect(error.message).to.equal(`${syscall} EAGAIN: timed out after 50 ms (SO_RCVTIMEO)`);
      }
      // The socket knows the timeout it set: telling a timeout from a would-block takes no syscall.
      expect(syscallsOf(() => a.recv(10))).to.deep.equal(['recvfrom']);
    });

    it('an EAGAIN that is a would-block keeps its plain message: MSG_DONTWAIT, setBlocking(false), SOCK_NONBLOCK, no timeout', function () {
      const [a] = pair();
      a.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 50);
      throwsLike(() => a.recv(10, MSG_DONTWAIT), { code: 'EAGAIN', message: 'recv EAGAIN' });
      a.setBlocking(false);
      throwsLike(() => a.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN' });
      a.setBlocking(true);
      throwsLike(() => a.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN: timed out after 50 ms (SO_RCVTIMEO)' });
      a.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 0);
      throwsLike(() => a.recv(10, MSG_DONTWAIT), { code: 'EAGAIN', message: 'recv EAGAIN' });

      const [n, m] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      track(n, m);
      n.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 50);
      throwsLike(() => n.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN' });
    });

    it('accept times out with the listener’s SO_RCVTIMEO, and a connection inherits it (as the kernel copies it)', function () {
      const server = listener();
      server.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 60);
      throwsLike(() => server.accept(), { code: 'EAGAIN', syscall: 'accept', message: 'accept EAGAIN: timed out after 60 ms (SO_RCVTIMEO)' });
      const client = socket();
      client.connect(server.getsockname());
      const conn = track(server.accept());
      expect(conn.getsockopt(SOL_SOCKET, SO_RCVTIMEO)).to.equal(60);
      throwsLike(() => conn.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN: timed out after 60 ms (SO_RCVTIMEO)' });
      // accept(SOCK_NONBLOCK): the same inherited timeout, but an EAGAIN there is a would-block.
      const other = socket();
      other.connect(server.getsockname());
      const nonblocking = track(server.accept(SOCK_NONBLOCK));
      throwsLike(() => nonblocking.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN' });
    });

    it('sendAll times out with SO_SNDTIMEO and says how far it got; bytesSent agrees', function () {
      const [a] = pair();
      a.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 50);
      const error = throwsLike(() => a.sendAll(BIG), { instanceOf: SocketError, code: 'EAGAIN', errno: EAGAIN, syscall: 'send' });
      expect(error.bytesSent).to.be.above(0).and.below(BIG.length);
      expect(error.message).to.equal(`send EAGAIN: timed out after 50 ms (SO_SNDTIMEO); sendAll stopped after ${error.bytesSent} of ${BIG.length} bytes`);
      throwsLike(() => a.send(BIG), { code: 'EAGAIN', message: 'send EAGAIN: timed out after 50 ms (SO_SNDTIMEO)' });
    });

    it('a blocking connect that SO_SNDTIMEO ends says it timed out and that the connection goes on (EINPROGRESS kept)', function () {
      // backlog 0: one completed connection fills the accept queue, so the next SYN is dropped and
      // connect waits until its SO_SNDTIMEO.
      const server = track(new Socket(AF_INET, SOCK_STREAM));
      server.bind({ address: '127.0.0.1', port: 0 });
      server.listen(0);
      const { port } = server.getsockname();
      socket().connect(server.getsockname());
      const client = socket();
      client.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 100);
      const error = throwsLike(() => client.connect(server.getsockname()), {
        instanceOf: SocketError,
        code: 'EINPROGRESS',
        errno: -osConstants.errno.EINPROGRESS,
        syscall: 'connect',
        address: '127.0.0.1',
        port,
      });
      expect(error.message).to.equal(
        `connect EINPROGRESS 127.0.0.1:${port}: timed out after 100 ms (SO_SNDTIMEO); the connection goes on in the background (see SO_ERROR)`,
      );
    });

    it('a timeout sockcall did not set itself (fromFd, raw bytes) is read from the kernel, on the error path only', function () {
      const [a] = pair();
      const timeval = Buffer.alloc(16);
      timeval.writeBigInt64LE(0n, 0);
      timeval.writeBigInt64LE(40_000n, 8); // 40 ms
      a.setsockopt(SOL_SOCKET, SO_RCVTIMEO, timeval);
      throwsLike(() => a.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN: timed out after 40 ms (SO_RCVTIMEO)' });
      const adopted = track(Socket.fromFd(a.detach()));
      throwsLike(() => adopted.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN: timed out after 40 ms (SO_RCVTIMEO)' });
      const [original] = pair();
      original.setsockopt(SOL_SOCKET, SO_RCVTIMEO, timeval);
      const other = track(Socket.fromFd(original.detach()));
      // Asked once, then remembered as for a socket sockcall made.
      expect(syscallsOf(() => other.recv(10))).to.deep.equal(['recvfrom', 'fcntl', 'getsockopt']);
      expect(syscallsOf(() => other.recv(10))).to.deep.equal(['recvfrom']);
      throwsLike(() => other.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN: timed out after 40 ms (SO_RCVTIMEO)' });
      adopted.setBlocking(false);
      throwsLike(() => adopted.recv(10), { code: 'EAGAIN', message: 'recv EAGAIN' });
    });

    it('the promise flavour’s options.timeout says so too: ETIMEDOUT "timed out after N ms (options.timeout)"', async function () {
      const [a] = pair(P.Socket);
      await rejectsLike(a.recv(10, { timeout: 30 }), {
        instanceOf: SocketError,
        code: 'ETIMEDOUT',
        errno: ETIMEDOUT,
        syscall: 'recv',
        message: 'recv ETIMEDOUT: timed out after 30 ms (options.timeout)',
      });
      const error = await rejectsLike(a.sendAll(BIG, { timeout: 30 }), { code: 'ETIMEDOUT', syscall: 'send' });
      expect(error.bytesSent).to.be.above(0).and.below(BIG.length);
      expect(error.message).to.equal(`send ETIMEDOUT: timed out after 30 ms (options.timeout); sendAll stopped after ${error.bytesSent} of ${BIG.length} bytes`);
    });
  });

  describe('sendAll and the calls a close() cancels', function () {
    it('promises: a sendAll cancelled by close() names sendAll and how far it got (ECANCELED, bytesSent)', async function () {
      const [a] = pair(P.Socket);
      const sending = a.sendAll(BIG);
      await new Promise((resolve) => setImmediate(resolve));
      a.close();
      const error = await rejectsLike(sending, { instanceOf: SocketError, code: 'ECANCELED', errno: ECANCELED, syscall: 'send' });
      expect(error.bytesSent).to.be.above(0).and.below(BIG.length);
      expect(error.message).to.equal(`send ECANCELED: cancelled by close(); sendAll stopped after ${error.bytesSent} of ${BIG.length} bytes`);
    });

    it('promises: a waiting recv says what cancelled it: close(), detach() or toBlocking()', async function () {
      for (const [by, release] of [
        ['close()', (s) => s.close()],
        ['detach()', (s) => track(P.Socket.fromFd(s.detach()))],
        ['toBlocking()', (s) => track(s.toBlocking())],
      ]) {
        const [a] = pair(P.Socket);
        const waiting = a.recv(10);
        release(a);
        await rejectsLike(waiting, { code: 'ECANCELED', errno: ECANCELED, syscall: 'recv', message: `recv ECANCELED: cancelled by ${by}` });
      }
    });

    it('blocking and promises: a sendAll that fails part way says how far it got (EPIPE)', async function () {
      for (const Class of [Socket, P.Socket]) {
        const [a, b] = pair(Class);
        b.close();
        let error;
        try {
          await a.sendAll('hello');
        } catch (caught) {
          error = caught;
        }
        expect(error, Class.name).to.be.instanceOf(SocketError);
        expect(error).to.include({ code: 'EPIPE', syscall: 'send', bytesSent: 0, message: 'send EPIPE: sendAll stopped after 0 of 5 bytes' });
      }
    });
  });

  describe('an options object with a key the call does not know is refused', function () {
    it('promises: recv(10, { timout: 100 }) rejects at once, naming the key and the one meant, instead of waiting for ever', async function () {
      const [a, b] = pair(P.Socket);
      await b.send('data');
      const error = await rejectsLike(a.recv(10, { timout: 100 }), VALUE);
      expect(error.message).to.equal(
        "The argument 'options' has an unknown key `timout` (did you mean `timeout`?); the known keys are `signal`, `timeout`. Received { timout: 100 }",
      );
      // Nothing was consumed.
      expect(String(await a.recv(10))).to.equal('data');
    });

    it('promises: every call taking options checks them (wait options, msg options, select, poll, getaddrinfo)', async function () {
      const [a, b] = pair(P.Socket);
      const server = track(new P.Socket(AF_INET, SOCK_STREAM));
      server.bind({ address: '127.0.0.1', port: 0 });
      server.listen();
      const cases = [
        [() => a.recv(10, 0, { Timeout: 5 }), 'options', 'timeout'],
        [() => a.recvInto(Buffer.alloc(4), { signl: undefined }), 'options', 'signal'],
        [() => a.recvfrom(10, { timeoutMs: 5 }), 'options', 'timeout'],
        [() => a.send('x', { timout: 5 }), 'options', 'timeout'],
        [() => a.sendAll('x', 0, { timout: 5 }), 'options', 'timeout'],
        [() => server.accept({ timout: 5 }), 'options', 'timeout'],
        [() => new P.Socket(AF_INET, SOCK_STREAM).connect(server.getsockname(), { timout: 5 }), 'options', 'timeout'],
        [() => a.sendmsg(['x'], { flag: 0 }), 'options', 'flags'],
        [() => a.recvmsg(10, { controllength: 8 }), 'options', 'controlLength'],
        [() => a.sendFds([b], 'x', { adress: {} }), 'options', 'address'],
        [() => a.recvFds(1, { lenght: 10 }), 'options', 'length'],
        [() => P.select([a], [], [], 0, { timout: 5 }), 'options', 'timeout'],
        [() => P.poll([{ fd: a, events: blocking.POLLIN }], 0, { timout: 5 }), 'options', 'timeout'],
        [() => P.getaddrinfo('127.0.0.1', 80, {}, { timout: 5 }), 'options', 'timeout'],
        [() => P.getaddrinfo('127.0.0.1', 80, { famly: AF_INET }), 'hints', 'family'],
      ];
      for (const [call, name, meant] of cases) {
        const error = await rejectsLike(Promise.resolve().then(call), VALUE);
        expect(error.message).to.match(new RegExp(`^The argument '${name}' has an unknown key .* \\(did you mean \`${meant}\`\\?\\)`));
      }
      // The wait keys are known alongside the call's own.
      await b.send('y');
      const { buffers } = await a.recvmsg(10, { flags: 0, controlLength: 0, timeout: GUARD_MS, signal: undefined });
      expect(String(buffers[0])).to.equal('y');
    });

    it('blocking: msg options, hints, linger, membership and trace options are checked before any syscall', function () {
      const [a, b] = pair();
      b.send('kept');
      const cases = [
        [() => a.recvmsg(10, { flag: MSG_PEEK }), 'options', 'flags'],
        [() => a.sendmsg(['x'], { contrl: [] }), 'options', 'control'],
        [() => a.recvFds(1, { Length: 10 }), 'options', 'length'],
        [() => a.sendCredentials('x', { flagz: 0 }), 'options', 'flags'],
        [() => blocking.getaddrinfo('127.0.0.1', 80, { socktype: SOCK_STREAM }), 'hints', undefined],
        [() => a.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0, l_linger: 5 }), 'value', 'linger'],
        [() => blocking.trace(false, { timestamp: true }), 'options', 'timestamps'],
      ];
      for (const [call, name, meant] of cases) {
        const error = throwsLike(call, VALUE);
        expect(error.message).to.match(new RegExp(`^The argument '${name}' has an unknown key `));
        if (meant) expect(error.message).to.include(`(did you mean \`${meant}\`?)`);
        else expect(error.message).to.not.include('did you mean');
      }
      expectStillQueued(a, 'kept');
      // What sockcall returns goes back in as it is: a linger, an address, a control item.
      a.setsockopt(SOL_SOCKET, SO_LINGER, a.getsockopt(SOL_SOCKET, SO_LINGER));
      b.sendmsg(['z'], { control: [] });
      expect(String(a.recvmsg(10).buffers[0])).to.equal('z');
    });

    it('an address written for Node’s net ({ host, port }) gets "did you mean `address`?", and nothing is sent or bound', function () {
      const udp = socket(AF_INET, SOCK_DGRAM);
      const receiver = socket(AF_INET, SOCK_DGRAM);
      receiver.bind({ address: '127.0.0.1', port: 0 });
      const { port } = receiver.getsockname();
      const error = throwsLike(() => udp.sendto('x', { host: '127.0.0.1', port }), VALUE);
      expect(error.message).to.equal(
        "The argument 'address' has an unknown key `host` (did you mean `address`?); the known keys are " +
          `\`family\`, \`address\`, \`port\`, \`flowinfo\`, \`scopeId\`, \`path\`. Received { host: '127.0.0.1', port: ${port} }`,
      );
      throwsLike(() => udp.bind({ adress: '127.0.0.1', port: 0 }), { ...VALUE, message: /unknown key `adress` \(did you mean `address`\?\)/ });
      throwsLike(() => udp.connect({ address: '127.0.0.1', port, scope_id: 0 }), { ...VALUE, message: /\(did you mean `scopeId`\?\)/ });
      throwsLike(() => udp.connect({ sun_path: '/tmp/x' }), { ...VALUE, message: /\(did you mean `path`\?\)/ });
      expect(udp.getsockname().port, 'not bound by any of them').to.equal(0);
      throwsLike(() => receiver.recv(10, MSG_DONTWAIT), { code: 'EAGAIN' });
      // Addresses sockcall returns are accepted back, every key of them.
      udp.sendto('back', receiver.getsockname());
      const { data, address } = receiver.recvfrom(10);
      expect(String(data)).to.equal('back');
      receiver.sendto('again', address);
      expect(String(udp.recv(10))).to.equal('again');
      const six = socket(AF_INET6, SOCK_DGRAM);
      six.bind({ address: '::1', port: 0 });
      six.sendto('v6', six.getsockname()); // flowinfo and scopeId included
      expect(String(six.recv(10))).to.equal('v6');
    });
  });

  describe('a flags argument with bits the syscall does not take is refused', function () {
    it('blocking: recv(10, 5000) (a timeout put where the flags go) throws, naming the bits, instead of waiting for 10 bytes', function () {
      const [a, b] = pair();
      b.send('short');
      const error = throwsLike(() => a.recv(10, 5000), VALUE);
      expect(error.message).to.equal(
        "The argument 'flags' has flags recv(2) does not take: MSG_CTRUNC|MSG_EOR|0x1200 " +
          "(it takes MSG_OOB|MSG_PEEK|MSG_TRUNC|MSG_DONTWAIT|MSG_WAITALL|MSG_ERRQUEUE; flags are MSG_* constants or'ed together, and a timeout is not one). Received 5000",
      );
      expectStillQueued(a, 'short');
    });

    it('promises: recv(10, 5000) rejects at once with the same error', async function () {
      const [a, b] = pair(P.Socket);
      await b.send('short');
      const error = await rejectsLike(a.recv(10, 5000), VALUE);
      expect(error.message).to.match(/^The argument 'flags' has flags recv\(2\) does not take: MSG_CTRUNC\|MSG_EOR\|0x1200 /);
      expect(String(await a.recv(10))).to.equal('short');
    });

    it('every call with flags, both flavours: receive flags on a send, send flags on a receive, -1', async function () {
      for (const Class of [Socket, P.Socket]) {
        const [a, b] = pair(Class, SOCK_SEQPACKET);
        const server = track(new Class(AF_INET, SOCK_STREAM));
        const receive = /^The argument '(options\.)?flags' has flags (recv|recvfrom|recvmsg)\(2\) does not take: MSG_EOR /;
        const send = /^The argument '(options\.)?flags' has flags (send|sendto|sendmsg)\(2\) does not take: MSG_PEEK /;
        const cases = [
          [() => a.recv(10, MSG_EOR), receive],
          [() => a.recvInto(Buffer.alloc(4), MSG_EOR), receive],
          [() => a.recvfrom(10, MSG_EOR), receive],
          [() => a.recvmsg(10, { flags: MSG_EOR }), receive],
          [() => a.recvFds(1, { flags: MSG_EOR }), receive],
          [() => a.send('x', MSG_PEEK), send],
          [() => a.sendAll('x', MSG_PEEK), send],
          [() => a.sendto('x', { path: '\0unused' }, MSG_PEEK), send],
          [() => a.sendmsg(['x'], { flags: MSG_PEEK }), send],
          [() => a.sendFds([b], 'x', { flags: MSG_PEEK }), send],
          [() => a.recv(10, -1), /^The argument 'flags' has flags recv\(2\) does not take: /],
        ];
        if (Class === Socket) cases.push([() => server.accept(MSG_PEEK), /^The argument 'flags' has flags accept4\(2\) does not take: 0x2 \(it takes SOCK_NONBLOCK\|SOCK_CLOEXEC\)/]);
        for (const [call, message] of cases) {
          if (Class === Socket) throwsLike(call, { ...VALUE, message });
          else await rejectsLike(Promise.resolve().then(call), { ...VALUE, message });
        }
        // Nothing went out: the peer has nothing to read.
        if (Class === Socket) throwsLike(() => b.recv(10, MSG_DONTWAIT), { code: 'EAGAIN' });
        else await rejectsLike(b.recv(10, { timeout: 20 }), { code: 'ETIMEDOUT' });
      }
    });

    it('the flags each call knows still go through', async function () {
      const [a, b] = pair(Socket, SOCK_SEQPACKET);
      expect(a.send('one', MSG_DONTWAIT | MSG_EOR)).to.equal(3);
      expect(String(b.recv(10, MSG_PEEK | MSG_DONTWAIT))).to.equal('one');
      expect(String(b.recvmsg(10, { flags: MSG_CMSG_CLOEXEC | MSG_WAITALL, controlLength: CMSG_SPACE(4) }).buffers[0])).to.equal('one');
      const [c, d] = pair(P.Socket);
      expect(await c.send('two', MSG_MORE)).to.equal(3);
      expect(String(await d.recv(10, MSG_PEEK))).to.equal('two');
      const server = listener();
      const client = socket();
      client.connect(server.getsockname());
      track(server.accept(SOCK_NONBLOCK | SOCK_CLOEXEC));
    });
  });

  describe('util.inspect(socket)', function () {
    it('shows the fd, family, type and state, without a syscall, in both flavours', function () {
      const line = (value) => inspect(value, { breakLength: Infinity });
      const s = track(new Socket(AF_INET, SOCK_STREAM));
      expect(inspect(s)).to.equal(`Socket { fd: ${s.fd}, family: 'AF_INET', type: 'SOCK_STREAM', state: 'open' }`);
      const u = track(new P.Socket(AF_INET6, SOCK_DGRAM));
      expect(line(u)).to.equal(`Socket { fd: ${u.fd}, family: 'AF_INET6', type: 'SOCK_DGRAM', state: 'open' }`);
      const [x, y] = pair(Socket, SOCK_SEQPACKET);
      expect(line(x)).to.equal(`Socket { fd: ${x.fd}, family: 'AF_UNIX', type: 'SOCK_SEQPACKET', state: 'open' }`);
      x.close();
      expect(line(x)).to.equal("Socket { fd: -1, family: 'AF_UNIX', type: 'SOCK_SEQPACKET', state: 'closed' }");
      const fd = y.detach();
      track(Socket.fromFd(fd));
      expect(line(y)).to.equal("Socket { fd: -1, family: 'AF_UNIX', type: 'SOCK_SEQPACKET', state: 'detached' }");
      expect(inspect({ a: { b: { c: s } } })).to.equal('{ a: { b: { c: [Socket] } } }');
      expect(syscallsOf(() => inspect(s))).to.deep.equal([]);
    });
  });
});
