// Socket lifecycle and fd ownership: socket(2) for every valid family × type, the domain/type/protocol
// a Socket reports, SOCK_NONBLOCK, socketpair(2), adopting an fd (fromFd) and giving one up (detach),
// close() and [Symbol.dispose], use after close (EBADF, never touching the old fd number even when
// another socket has it by now), setBlocking/getBlocking with real EAGAIN/EINPROGRESS, the try* calls
// that return null for EAGAIN, and no fd leaks over hundreds of sockets.
import { expect } from 'chai';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { randomBytes } from 'node:crypto';
import { getSystemErrorName } from 'node:util';

import * as sockcall from 'sockcall';

import { guard, listener, openFdCount, socket, tcpPair, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_TCP,
  IPPROTO_UDP,
  MSG_DONTWAIT,
  POLLIN,
  POLLOUT,
  SHUT_RDWR,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_DOMAIN,
  SO_ERROR,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_TYPE,
  Socket,
  SocketError,
  poll,
  select,
} = sockcall;

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const EBADF = -osConstants.errno.EBADF;

/** The file status flags the kernel holds for `fd` (from /proc/self/fdinfo), as a number. */
function fdFlags(fd) {
  const text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  return Number.parseInt(/flags:\s+([0-7]+)/.exec(text)[1], 8);
}

/** What the kernel says the socket on `fd` is, via a second, independent getsockopt path. */
function kernelIdentity(s) {
  return {
    domain: s.getsockopt(SOL_SOCKET, SO_DOMAIN),
    type: s.getsockopt(SOL_SOCKET, SO_TYPE),
    protocol: s.getsockopt(SOL_SOCKET, SO_PROTOCOL),
  };
}

/** Sends `text` from `a` and asserts `b` receives exactly it. */
function expectFlow(a, b, text) {
  expect(a.send(text)).to.equal(Buffer.byteLength(text));
  expect(b.recv(1024).toString()).to.equal(text);
}

function abstractName() {
  return `\0sockcall-10-${process.pid}-${randomBytes(6).toString('hex')}`;
}

describe('10 socket lifecycle and fd ownership', function () {
  this.timeout(10000);

  describe('new Socket(domain, type, protocol)', function () {
    const combos = [
      ['AF_INET', AF_INET, 'SOCK_STREAM', SOCK_STREAM, IPPROTO_TCP],
      ['AF_INET', AF_INET, 'SOCK_DGRAM', SOCK_DGRAM, IPPROTO_UDP],
      ['AF_INET6', AF_INET6, 'SOCK_STREAM', SOCK_STREAM, IPPROTO_TCP],
      ['AF_INET6', AF_INET6, 'SOCK_DGRAM', SOCK_DGRAM, IPPROTO_UDP],
      ['AF_UNIX', AF_UNIX, 'SOCK_STREAM', SOCK_STREAM, 0],
      ['AF_UNIX', AF_UNIX, 'SOCK_DGRAM', SOCK_DGRAM, 0],
      ['AF_UNIX', AF_UNIX, 'SOCK_SEQPACKET', SOCK_SEQPACKET, 0],
    ];
    for (const [domainName, domain, typeName, type, kernelProtocol] of combos) {
      it(`${domainName} × ${typeName}: an open fd whose domain/type/protocol the kernel confirms`, function () {
        const s = track(new Socket(domain, type));
        expect(s.fd).to.be.a('number').and.to.be.at.least(0);
        expect(s.closed).to.equal(false);
        expect(fstatSync(s.fd).isSocket(), 'fd is a socket').to.equal(true);
        expect({ domain: s.domain, type: s.type, protocol: s.protocol }).to.deep.equal({ domain, type, protocol: 0 });
        expect(kernelIdentity(s)).to.deep.equal({ domain, type, protocol: kernelProtocol });
        expect(s.getBlocking()).to.equal(true);
        expect(fdFlags(s.fd) & O_CLOEXEC, 'close-on-exec').to.not.equal(0);
        // An explicit protocol is kept as given.
        if (kernelProtocol !== 0) {
          const explicit = track(new Socket(domain, type, kernelProtocol));
          expect(explicit.protocol).to.equal(kernelProtocol);
          expect(kernelIdentity(explicit).protocol).to.equal(kernelProtocol);
        }
      });
    }

    it('an invalid combination (AF_INET × SOCK_SEQPACKET) fails in socket(2) with the kernel errno', function () {
      const before = openFdCount();
      const error = throwsLike(() => new Socket(AF_INET, SOCK_SEQPACKET), {
        instanceOf: SocketError,
        code: 'ESOCKTNOSUPPORT',
        syscall: 'socket',
        message: 'socket ESOCKTNOSUPPORT',
      });
      expect(error.errno).to.be.below(0);
      expect(getSystemErrorName(error.errno)).to.equal('ESOCKTNOSUPPORT');
      throwsLike(() => new Socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), { code: 'EPROTONOSUPPORT', syscall: 'socket' });
      expect(openFdCount()).to.equal(before);
    });

    it('type keeps neither SOCK_NONBLOCK nor SOCK_CLOEXEC', function () {
      const s = track(new Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC));
      expect(s.type).to.equal(SOCK_STREAM);
      const d = track(new Socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC));
      expect(d.type).to.equal(SOCK_DGRAM);
      expect(d.getBlocking()).to.equal(true);
    });

    it('SOCK_NONBLOCK gives a non-blocking socket: getBlocking() false, O_NONBLOCK set, recv throws EAGAIN', function () {
      const plain = track(new Socket(AF_INET, SOCK_STREAM));
      expect(plain.getBlocking()).to.equal(true);
      expect(fdFlags(plain.fd) & O_NONBLOCK).to.equal(0);
      const s = track(new Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK));
      expect(s.getBlocking()).to.equal(false);
      expect(fdFlags(s.fd) & O_NONBLOCK).to.not.equal(0);
      // Connect it (non-blocking: EINPROGRESS, then writable), then recv with nothing queued: EAGAIN at once.
      const listening = listener();
      throwsLike(() => s.connect(listening.getsockname()), { code: 'EINPROGRESS', syscall: 'connect' });
      expect(poll([{ fd: s, events: POLLOUT }], 2000).map((r) => r.revents & POLLOUT)).to.deep.equal([POLLOUT]);
      expect(s.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      track(listening.accept());
      const started = Date.now();
      throwsLike(() => s.recv(100), { code: 'EAGAIN', syscall: 'recv', instanceOf: SocketError });
      expect(Date.now() - started).to.be.below(1000);
    });
  });

  describe('Socket.pair', function () {
    for (const [typeName, type] of [
      ['SOCK_STREAM', SOCK_STREAM],
      ['SOCK_DGRAM', SOCK_DGRAM],
      ['SOCK_SEQPACKET', SOCK_SEQPACKET],
    ]) {
      it(`AF_UNIX × ${typeName}: two distinct open sockets, connected both ways`, function () {
        const [a, b] = Socket.pair(AF_UNIX, type);
        track(a, b);
        guard(a);
        guard(b);
        expect(a.fd).to.not.equal(b.fd);
        for (const s of [a, b]) {
          expect({ domain: s.domain, type: s.type, protocol: s.protocol }).to.deep.equal({ domain: AF_UNIX, type, protocol: 0 });
          expect(kernelIdentity(s)).to.deep.equal({ domain: AF_UNIX, type, protocol: 0 });
          expect(s.getpeername()).to.deep.equal({ family: 'AF_UNIX', path: '' });
          expect(fdFlags(s.fd) & O_CLOEXEC).to.not.equal(0);
        }
        expectFlow(a, b, 'a to b');
        expectFlow(b, a, 'b to a');
      });
    }

    it('SOCK_NONBLOCK applies to both ends and is not part of type', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      track(a, b);
      expect([a.type, b.type]).to.deep.equal([SOCK_STREAM, SOCK_STREAM]);
      expect([a.getBlocking(), b.getBlocking()]).to.deep.equal([false, false]);
      throwsLike(() => a.recv(10), { code: 'EAGAIN', syscall: 'recv' });
      throwsLike(() => b.recv(10), { code: 'EAGAIN', syscall: 'recv' });
    });

    it('closing one end gives the other EOF', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, b);
      guard(b);
      a.send('last words');
      a.close();
      expect(b.recv(100).toString()).to.equal('last words');
      const eof = b.recv(100);
      expect(eof).to.be.instanceOf(Buffer);
      expect(eof.length).to.equal(0);
    });
  });

  describe('detach() and Socket.fromFd()', function () {
    it('detach() gives up the fd without closing it; fromFd adopts it and reads domain/type/protocol from the kernel', function () {
      const [client, accepted] = tcpPair(AF_INET6);
      const fd = accepted.detach();
      expect(fd).to.be.a('number').and.at.least(0);
      expect(accepted.fd).to.equal(-1);
      expect(accepted.closed).to.equal(true);
      // The detached Socket no longer works and no longer closes anything.
      throwsLike(() => accepted.recv(10), { code: 'EBADF', syscall: 'recv' });
      accepted.close();
      expect(fstatSync(fd).isSocket(), 'fd still open after detach + close').to.equal(true);

      const adopted = track(Socket.fromFd(fd));
      expect(adopted.fd).to.equal(fd);
      // Created with protocol 0; the kernel reports what it picked (IPPROTO_TCP).
      expect({ domain: adopted.domain, type: adopted.type, protocol: adopted.protocol }).to.deep.equal({
        domain: AF_INET6,
        type: SOCK_STREAM,
        protocol: IPPROTO_TCP,
      });
      // The same connection: data flows both ways through the adopted socket.
      expectFlow(client, adopted, 'to the adopted socket');
      expectFlow(adopted, client, 'from the adopted socket');
      expect(adopted.getpeername()).to.deep.equal(client.getsockname());

      // Closing the adopted Socket closes the fd: the peer sees EOF, and adopting again gives EBADF.
      adopted.close();
      expect(adopted.fd).to.equal(-1);
      const eof = client.recv(100);
      expect(eof.length).to.equal(0);
      throwsLike(() => Socket.fromFd(fd), { code: 'EBADF', syscall: 'getsockopt', instanceOf: SocketError });
    });

    it('fromFd reads the real type of a UDP, a Unix datagram and a non-blocking socket', function () {
      const udp = new Socket(AF_INET, SOCK_DGRAM);
      const adoptedUdp = track(Socket.fromFd(udp.detach()));
      expect([adoptedUdp.domain, adoptedUdp.type, adoptedUdp.protocol]).to.deep.equal([AF_INET, SOCK_DGRAM, IPPROTO_UDP]);

      const [a, b] = Socket.pair(AF_UNIX, SOCK_SEQPACKET);
      track(b);
      const adoptedA = track(Socket.fromFd(a.detach()));
      expect([adoptedA.domain, adoptedA.type, adoptedA.protocol]).to.deep.equal([AF_UNIX, SOCK_SEQPACKET, 0]);
      guard(b);
      expectFlow(adoptedA, b, 'seqpacket record');

      const nonblocking = new Socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK);
      const adoptedNb = track(Socket.fromFd(nonblocking.detach()));
      expect(adoptedNb.type).to.equal(SOCK_STREAM);
      // O_NONBLOCK lives on the open file, so it comes along with the fd.
      expect(adoptedNb.getBlocking()).to.equal(false);
    });

    it('fromFd refuses a file fd with ENOTSOCK and leaves it open (no ownership taken)', function () {
      const fd = openSync('/proc/self/status', 'r');
      try {
        throwsLike(() => Socket.fromFd(fd), {
          instanceOf: SocketError,
          code: 'ENOTSOCK',
          syscall: 'getsockopt',
          errno: -osConstants.errno.ENOTSOCK,
        });
        expect(fstatSync(fd).isFile(), 'file fd still open').to.equal(true);
      } finally {
        closeSync(fd);
      }
    });

    it('fromFd refuses a closed fd with EBADF', function () {
      const s = new Socket(AF_UNIX, SOCK_DGRAM);
      const fd = s.fd;
      s.close();
      // Nothing opened since: `fd` is not open (check independently of sockcall).
      expect(() => fstatSync(fd)).to.throw().with.property('code', 'EBADF');
      throwsLike(() => Socket.fromFd(fd), { instanceOf: SocketError, code: 'EBADF', syscall: 'getsockopt', errno: EBADF });
    });

    it('detach() on a closed socket throws EBADF', function () {
      const s = new Socket(AF_UNIX, SOCK_STREAM);
      s.close();
      throwsLike(() => s.detach(), { code: 'EBADF', syscall: 'detach', instanceOf: SocketError });
    });
  });

  describe('close()', function () {
    it('sets fd to -1 and closed to true, and really closes the fd', function () {
      const s = new Socket(AF_INET, SOCK_STREAM);
      const fd = s.fd;
      expect(fstatSync(fd).isSocket()).to.equal(true);
      s.close();
      expect(s.fd).to.equal(-1);
      expect(s.closed).to.equal(true);
      expect(() => fstatSync(fd)).to.throw().with.property('code', 'EBADF');
    });

    it('is idempotent: a second and third close do nothing and do not throw', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(b);
      a.close();
      expect(() => a.close()).to.not.throw();
      expect(() => a.close()).to.not.throw();
      expect(a.fd).to.equal(-1);
      expect(b.recv(10).length).to.equal(0);
    });

    it('releases a bound port: the same address can be bound again at once', function () {
      const first = new Socket(AF_INET, SOCK_STREAM);
      first.bind({ address: '127.0.0.1', port: 0 });
      first.listen(1);
      const address = first.getsockname();
      const second = track(new Socket(AF_INET, SOCK_STREAM));
      throwsLike(() => second.bind(address), { code: 'EADDRINUSE', syscall: 'bind' });
      first.close();
      const third = track(new Socket(AF_INET, SOCK_STREAM));
      third.bind(address);
      expect(third.getsockname()).to.deep.equal(address);
    });
  });

  describe('use after close', function () {
    /** Every method, called with valid arguments, and the syscall its EBADF must name. */
    function everyMethod(s, name) {
      const buffer = Buffer.alloc(8);
      return [
        ['bind', () => s.bind({ path: name })],
        ['listen', () => s.listen(1)],
        ['accept', () => s.accept()],
        ['connect', () => s.connect({ path: name })],
        ['send', () => s.send('x')],
        ['send', () => s.sendAll('xyz')],
        ['sendfile', () => s.sendfile(0, 0, 1)],
        ['sendfile', () => s.sendfileAll(0, null, 1)],
        ['sendto', () => s.sendto('x', { path: name })],
        ['recv', () => s.recv(8)],
        ['recv', () => s.recv(8, MSG_DONTWAIT)],
        ['recv', () => s.recvInto(buffer)],
        ['recvfrom', () => s.recvfrom(8)],
        ['shutdown', () => s.shutdown(SHUT_RDWR)],
        ['getsockname', () => s.getsockname()],
        ['getpeername', () => s.getpeername()],
        ['setsockopt', () => s.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096)],
        ['getsockopt', () => s.getsockopt(SOL_SOCKET, SO_RCVBUF)],
        ['getsockopt', () => s.getsockopt(SOL_SOCKET, SO_RCVBUF, 4)],
        ['fcntl', () => s.setBlocking(false)],
        ['fcntl', () => s.getBlocking()],
        ['detach', () => s.detach()],
        ['select', () => select([s], [], [], 0)],
        ['select', () => select([], [s], [], 0)],
        ['poll', () => poll([{ fd: s, events: POLLIN }], 0)],
      ];
    }

    it('every method throws a SocketError EBADF naming its syscall, and saying the socket is closed', function () {
      const s = new Socket(AF_UNIX, SOCK_STREAM);
      const fd = s.fd;
      s.close();
      for (const [syscall, call] of everyMethod(s, abstractName())) {
        const error = throwsLike(call, { instanceOf: SocketError, code: 'EBADF', syscall, errno: EBADF });
        expect(error.message).to.equal(`${syscall} EBADF: the socket is closed (fd ${fd} was released by close())`);
      }
    });

    it('never touches the old fd number once another socket owns it', function () {
      const a = new Socket(AF_UNIX, SOCK_STREAM);
      const oldFd = a.fd;
      a.close();
      // Create pairs until one end reuses A's number (the kernel hands out the lowest free fd).
      let b;
      let peer;
      for (let i = 0; i < 64 && !b; i++) {
        const [x, y] = Socket.pair(AF_UNIX, SOCK_STREAM);
        track(x, y);
        if (x.fd === oldFd) [b, peer] = [x, y];
        else if (y.fd === oldFd) [b, peer] = [y, x];
      }
      expect(b, `a new socket reusing fd ${oldFd}`).to.not.equal(undefined);
      guard(b);
      guard(peer);
      const rcvbuf = b.getsockopt(SOL_SOCKET, SO_RCVBUF);
      const name = abstractName();

      // A.close() again, then every method on A: all EBADF (or nothing), none reaching fd `oldFd`.
      a.close();
      a[Symbol.dispose]();
      for (const [syscall, call] of everyMethod(a, name)) {
        throwsLike(call, { code: 'EBADF', syscall });
      }
      // B is untouched: still open, blocking, unbound, not shut down, same options, still connected.
      expect(b.fd).to.equal(oldFd);
      expect(b.closed).to.equal(false);
      expect(b.getBlocking()).to.equal(true);
      expect(fdFlags(oldFd) & O_NONBLOCK).to.equal(0);
      expect(b.getsockname()).to.deep.equal({ family: 'AF_UNIX', path: '' });
      expect(b.getsockopt(SOL_SOCKET, SO_RCVBUF)).to.equal(rcvbuf);
      throwsLike(() => peer.recv(10, MSG_DONTWAIT), { code: 'EAGAIN' });
      expectFlow(b, peer, 'b still works');
      expectFlow(peer, b, 'and both ways');
    });

    it('a stale close() after the number was handed out again does not close the new owner (fd count)', function () {
      const before = openFdCount();
      const a = new Socket(AF_INET, SOCK_DGRAM);
      a.close();
      const b = track(new Socket(AF_INET, SOCK_DGRAM));
      a.close();
      expect(openFdCount()).to.equal(before + 1);
      b.bind({ address: '127.0.0.1', port: 0 });
      expect(b.getsockname().port).to.be.above(0);
    });
  });

  describe('[Symbol.dispose]', function () {
    it('closes the socket, like close(), and is idempotent', function () {
      expect(Socket.prototype[Symbol.dispose]).to.be.a('function');
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(b);
      guard(b);
      const fd = a.fd;
      a.send('before dispose');
      a[Symbol.dispose]();
      expect(a.fd).to.equal(-1);
      expect(a.closed).to.equal(true);
      expect(() => fstatSync(fd)).to.throw().with.property('code', 'EBADF');
      expect(b.recv(100).toString()).to.equal('before dispose');
      expect(b.recv(100).length).to.equal(0);
      expect(() => a[Symbol.dispose]()).to.not.throw();
      throwsLike(() => a.send('x'), { code: 'EBADF', syscall: 'send' });
    });

    it('closes at the end of a `using` block where the runtime parses `using`', function () {
      let usingBlock;
      try {
        // eslint-disable-next-line no-new-func
        usingBlock = new Function('Socket', 'AF_UNIX', 'SOCK_DGRAM', 'using s = new Socket(AF_UNIX, SOCK_DGRAM); return s;');
      } catch (error) {
        expect(error).to.be.instanceOf(SyntaxError);
      }
      // Without `using`, do by hand what it would: the disposer in a finally.
      const manual = (() => {
        const s = new Socket(AF_UNIX, SOCK_DGRAM);
        try {
          expect(s.closed).to.equal(false);
          return s;
        } finally {
          s[Symbol.dispose]();
        }
      })();
      expect(manual.fd).to.equal(-1);
      if (usingBlock) {
        const s = usingBlock(Socket, AF_UNIX, SOCK_DGRAM);
        expect(s.fd).to.equal(-1);
        expect(s.closed).to.equal(true);
      }
    });
  });

  describe('setBlocking / getBlocking', function () {
    it('toggles O_NONBLOCK in the kernel, as fdinfo shows', function () {
      const s = socket(AF_INET, SOCK_STREAM);
      expect(s.getBlocking()).to.equal(true);
      expect(fdFlags(s.fd) & O_NONBLOCK).to.equal(0);
      s.setBlocking(false);
      expect(s.getBlocking()).to.equal(false);
      expect(fdFlags(s.fd) & O_NONBLOCK).to.not.equal(0);
      s.setBlocking(true);
      expect(s.getBlocking()).to.equal(true);
      expect(fdFlags(s.fd) & O_NONBLOCK).to.equal(0);
      // Setting it twice is harmless.
      s.setBlocking(true);
      expect(s.getBlocking()).to.equal(true);
    });

    it('non-blocking recv on a connected socket with nothing queued throws EAGAIN at once, then gets data', function () {
      const [client, accepted] = tcpPair();
      accepted.setBlocking(false);
      const started = Date.now();
      throwsLike(() => accepted.recv(100), { code: 'EAGAIN', syscall: 'recv', instanceOf: SocketError });
      throwsLike(() => accepted.recvfrom(100), { code: 'EAGAIN', syscall: 'recvfrom' });
      expect(Date.now() - started).to.be.below(1000);
      client.send('now there is data');
      expect(poll([{ fd: accepted, events: POLLIN }], 2000)).to.have.length(1);
      expect(accepted.recv(100).toString()).to.equal('now there is data');
      throwsLike(() => accepted.recv(100), { code: 'EAGAIN', syscall: 'recv' });
      // Back to blocking: a recv now waits (bounded here by a short SO_RCVTIMEO) instead of failing at once.
      accepted.setBlocking(true);
      accepted.setsockopt(SOL_SOCKET, sockcall.SO_RCVTIMEO, 150);
      const waited = Date.now();
      throwsLike(() => accepted.recv(100), { code: 'EAGAIN', syscall: 'recv' });
      expect(Date.now() - waited).to.be.at.least(100);
    });

    it('non-blocking accept with no pending connection throws EAGAIN; a pending one is accepted', function () {
      const server = listener();
      server.setBlocking(false);
      throwsLike(() => server.accept(), { code: 'EAGAIN', syscall: 'accept', instanceOf: SocketError });
      const client = socket();
      client.connect(server.getsockname());
      expect(select([server], [], [], 2000).read).to.deep.equal([server]);
      const conn = track(server.accept());
      // accept4 without SOCK_NONBLOCK: the new socket is blocking even though the listener is not.
      expect(conn.getBlocking()).to.equal(true);
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
      throwsLike(() => server.accept(), { code: 'EAGAIN', syscall: 'accept' });
      // And with SOCK_NONBLOCK the accepted socket is non-blocking.
      const client2 = socket();
      client2.connect(server.getsockname());
      expect(select([server], [], [], 2000).read).to.deep.equal([server]);
      const conn2 = track(server.accept(SOCK_NONBLOCK));
      expect(conn2.getBlocking()).to.equal(false);
      expect(conn2.type).to.equal(SOCK_STREAM);
    });

    it('non-blocking connect to a listening loopback port throws EINPROGRESS, then completes', function () {
      const server = listener();
      const client = socket();
      client.setBlocking(false);
      const error = throwsLike(() => client.connect(server.getsockname()), {
        instanceOf: SocketError,
        code: 'EINPROGRESS',
        syscall: 'connect',
        errno: -osConstants.errno.EINPROGRESS,
        address: '127.0.0.1',
        port: server.getsockname().port,
      });
      expect(error.message).to.equal(`connect EINPROGRESS 127.0.0.1:${server.getsockname().port}`);
      // The connection completes in the background: writable, SO_ERROR 0, then connected.
      expect(select([], [client], [], 2000).write).to.deep.equal([client]);
      expect(client.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      expect(client.getpeername()).to.deep.equal(server.getsockname());
      // As in C, a second connect() once the handshake is done succeeds, and a third says EISCONN.
      client.connect(server.getsockname());
      throwsLike(() => client.connect(server.getsockname()), { code: 'EISCONN', syscall: 'connect' });
      const conn = guard(track(server.accept()));
      client.setBlocking(true);
      expectFlow(client, conn, 'after EINPROGRESS');
    });
  });

  describe('tryAccept, trySend, trySendto, tryRecv, tryRecvInto, tryRecvfrom: EAGAIN as null', function () {
    it('return null on an empty non-blocking socket, and exactly what recv/recvInto/recvfrom return once there is data', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      track(a, b);
      const into = Buffer.alloc(16);
      expect(b.tryRecv(16)).to.equal(null);
      expect(b.tryRecvInto(into)).to.equal(null);
      expect(b.tryRecvfrom(16)).to.equal(null);
      expect(a.trySend('hello')).to.equal(5);
      expect(b.tryRecvInto(into, sockcall.MSG_PEEK)).to.equal(5);
      expect(into.subarray(0, 5).toString()).to.equal('hello');
      expect(b.tryRecvfrom(2)).to.deep.equal({ data: Buffer.from('he'), address: { family: 'AF_UNIX', path: '' } });
      expect(b.tryRecv(16).toString()).to.equal('llo');
      expect(b.tryRecv(16)).to.equal(null);
      // A blocking socket with MSG_DONTWAIT: null too, and the socket stays blocking.
      const [c, d] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(c, d);
      expect(d.tryRecvInto(into, MSG_DONTWAIT)).to.equal(null);
      expect(d.getBlocking()).to.equal(true);
      // EOF is not EAGAIN: an empty Buffer and 0, as from recv and recvInto.
      a.close();
      expect(b.tryRecv(16)).to.deep.equal(Buffer.alloc(0));
      expect(b.tryRecvInto(into)).to.equal(0);
    });

    it('trySend returns null when the send buffer is full, having sent nothing, and the bytes sent before', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
      track(a, b);
      const chunk = Buffer.alloc(65536, 0x61);
      let sent = 0;
      let result;
      for (let i = 0; i < 1000 && (result = a.trySend(chunk)) !== null; i++) sent += result;
      expect(result).to.equal(null);
      expect(sent).to.be.above(0);
      // Everything trySend counted arrives, and nothing more.
      let received = 0;
      for (let n; (n = b.tryRecvInto(chunk)) !== null; ) received += n;
      expect(received).to.equal(sent);
      expect(a.trySend('x')).to.equal(1);
    });

    it('trySendto and tryRecvfrom on datagram sockets: null when empty, the datagram and its sender when not', function () {
      const receiver = track(new Socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK));
      receiver.bind({ address: '127.0.0.1', port: 0 });
      const sender = track(new Socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK));
      sender.bind({ address: '127.0.0.1', port: 0 });
      expect(receiver.tryRecvfrom(64)).to.equal(null);
      expect(sender.trySendto('ping', receiver.getsockname())).to.equal(4);
      expect(poll([{ fd: receiver, events: POLLIN }], 2000)).to.have.length(1);
      expect(receiver.tryRecvfrom(64)).to.deep.equal({ data: Buffer.from('ping'), address: sender.getsockname() });
      expect(receiver.tryRecvfrom(64)).to.equal(null);
    });

    it('tryAccept returns null with no pending connection, and a Socket as accept does when one waits', function () {
      const server = listener();
      server.setBlocking(false);
      expect(server.tryAccept()).to.equal(null);
      const client = socket();
      client.connect(server.getsockname());
      expect(poll([{ fd: server, events: POLLIN }], 2000)).to.have.length(1);
      const conn = track(server.tryAccept(SOCK_NONBLOCK));
      expect(conn).to.be.an.instanceOf(Socket);
      expect(conn.getBlocking()).to.equal(false);
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
      expect(server.tryAccept()).to.equal(null);
    });

    it('a blocking socket whose SO_RCVTIMEO runs out gives null too, after the timeout', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, b);
      b.setsockopt(SOL_SOCKET, sockcall.SO_RCVTIMEO, 50);
      const started = Date.now();
      expect(b.tryRecvInto(Buffer.alloc(4))).to.equal(null);
      expect(Date.now() - started).to.be.at.least(40);
    });

    it('throw every other error as the throwing calls do, and the same TypeError/RangeError for bad arguments', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
      track(a, b);
      const server = track(new Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK));
      // Not listening: accept4 says EINVAL.
      throwsLike(() => server.tryAccept(), { instanceOf: SocketError, code: 'EINVAL', syscall: 'accept' });
      // A stream socket never connected: ENOTCONN (recv), EPIPE (send: MSG_NOSIGNAL, no signal).
      throwsLike(() => server.tryRecv(4), { instanceOf: SocketError, code: 'ENOTCONN', syscall: 'recv' });
      throwsLike(() => server.tryRecvInto(Buffer.alloc(4)), { instanceOf: SocketError, code: 'ENOTCONN', syscall: 'recv' });
      throwsLike(() => server.trySend('x'), { instanceOf: SocketError, code: 'EPIPE', syscall: 'send' });
      // A datagram too long for the Unix socket's buffer: EMSGSIZE, not null.
      throwsLike(() => a.trySend(Buffer.alloc(8 * 1024 * 1024)), { instanceOf: SocketError, code: 'EMSGSIZE', syscall: 'send' });
      const closed = new Socket(AF_INET, SOCK_DGRAM);
      closed.close();
      for (const call of [() => closed.tryRecvInto(Buffer.alloc(1)), () => closed.tryRecv(1), () => closed.trySend('x'), () => closed.tryAccept()]) {
        throwsLike(call, { instanceOf: SocketError, code: 'EBADF' });
      }
      throwsLike(() => closed.trySendto('x', { address: '127.0.0.1', port: 9 }), { code: 'EBADF', syscall: 'sendto' });
      throwsLike(() => closed.tryRecvfrom(1), { code: 'EBADF', syscall: 'recvfrom' });
      throwsLike(() => b.tryRecvInto('not a view'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => b.tryRecv(-1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => b.tryRecvfrom(1.5), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => b.tryRecvInto(Buffer.alloc(1), 5000), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      throwsLike(() => a.trySend(42), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => a.trySendto('x', { host: '127.0.0.1', port: 9 }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      throwsLike(() => server.tryAccept(MSG_DONTWAIT), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      // The throwing forms keep their EAGAIN: same class, code, errno and syscall.
      throwsLike(() => b.recvInto(Buffer.alloc(1)), { instanceOf: SocketError, code: 'EAGAIN', errno: -osConstants.errno.EAGAIN, syscall: 'recv' });
    });
  });

  describe('fd accounting', function () {
    it('creating and closing 200 sockets and 50 connected pairs leaves the open-fd count at its baseline', function () {
      const baseline = openFdCount();
      const kinds = [
        [AF_INET, SOCK_STREAM],
        [AF_INET, SOCK_DGRAM],
        [AF_INET6, SOCK_STREAM],
        [AF_INET6, SOCK_DGRAM],
        [AF_UNIX, SOCK_STREAM],
        [AF_UNIX, SOCK_DGRAM],
        [AF_UNIX, SOCK_SEQPACKET],
        [AF_INET, SOCK_STREAM | SOCK_NONBLOCK],
      ];
      const open = [];
      for (let i = 0; i < 200; i++) {
        const [domain, type] = kinds[i % kinds.length];
        open.push(new Socket(domain, type));
      }
      expect(openFdCount()).to.equal(baseline + 200);
      for (const s of open) s.close();
      expect(openFdCount()).to.equal(baseline);

      // 25 socketpairs and 25 TCP connections (client + accepted), each pair used once.
      const server = new Socket(AF_INET, SOCK_STREAM);
      server.bind({ address: '127.0.0.1', port: 0 });
      server.listen(64);
      const address = server.getsockname();
      const pairs = [];
      for (let i = 0; i < 25; i++) pairs.push(Socket.pair(AF_UNIX, i % 2 ? SOCK_STREAM : SOCK_DGRAM));
      for (let i = 0; i < 25; i++) {
        const client = new Socket(AF_INET, SOCK_STREAM);
        client.connect(address);
        pairs.push([client, server.accept()]);
      }
      expect(openFdCount()).to.equal(baseline + 1 + 100);
      pairs.forEach(([a, b], i) => {
        const text = `pair ${i}`;
        a.send(text);
        expect(b.recv(100, MSG_DONTWAIT).toString()).to.equal(text);
      });
      for (const [a, b] of pairs) {
        a.close();
        b.close();
        b.close();
      }
      server.close();
      expect(openFdCount()).to.equal(baseline);
    });

    it('detach + fromFd moves ownership without leaking or double-closing', function () {
      const baseline = openFdCount();
      for (let i = 0; i < 50; i++) {
        const s = new Socket(AF_UNIX, SOCK_DGRAM);
        const adopted = Socket.fromFd(s.detach());
        s.close();
        expect(adopted.closed).to.equal(false);
        adopted.close();
      }
      expect(openFdCount()).to.equal(baseline);
    });
  });
});
