// Datagrams and Unix sockets: UDP over 127.0.0.1 and ::1 (sender addresses, message boundaries,
// truncation, empty datagrams, connected sockets and their kernel-side filter, ICMP port unreachable
// as ECONNREFUSED), recvfromInto into the caller's buffer (the sender only when asked), and AF_UNIX in its three address forms (pathname, abstract, unnamed) and three
// types (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';

import { guard, socket, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  MSG_DONTWAIT,
  MSG_TRUNC,
  POLLIN,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVTIMEO,
  Socket,
  SocketError,
  poll,
} = sockcall;

/** A tracked, guarded UDP socket bound to an ephemeral loopback port. */
function udp(domain = AF_INET) {
  const s = socket(domain, SOCK_DGRAM);
  s.bind({ address: domain === AF_INET6 ? '::1' : '127.0.0.1', port: 0 });
  return s;
}

/** `size` bytes all equal to `byte`, so a merged or cut datagram shows in its content too. */
function filled(size, byte) {
  return Buffer.alloc(size, byte);
}

/** Asserts nothing more is queued: a non-blocking recv fails with EAGAIN. */
function expectEmpty(s) {
  throwsLike(() => s.recv(65536, MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recv' });
}

// Unix pathnames: unique per test, under os.tmpdir(), removed after each test.
const paths = [];
function uniquePath(tag = 'sock') {
  const path = join(tmpdir(), `sockcall-50-${process.pid}-${randomBytes(4).toString('hex')}-${tag}`);
  paths.push(path);
  return path;
}

/** A Unix datagram receiver bound to a path, a sender bound to another (named) and one never bound (unnamed). */
function unixDatagrams() {
  const receiverPath = uniquePath('rx');
  const senderPath = uniquePath('tx');
  const receiver = socket(AF_UNIX, SOCK_DGRAM);
  receiver.bind({ path: receiverPath });
  const named = socket(AF_UNIX, SOCK_DGRAM);
  named.bind({ path: senderPath });
  const unnamed = socket(AF_UNIX, SOCK_DGRAM);
  return { receiverPath, senderPath, receiver, named, unnamed };
}

/** An abstract name: a leading NUL, then a name nobody else uses. */
function abstractName() {
  return `\0sockcall-50-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The names in /proc/net/unix (abstract ones shown with a leading '@', as the kernel prints them). */
function procNetUnixNames() {
  return readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[7])
    .filter(Boolean);
}

describe('50 datagrams and Unix sockets', function () {
  this.timeout(10000);

  afterEach(function () {
    for (const path of paths.splice(0)) rmSync(path, { force: true });
  });

  describe('UDP', function () {
    it('sendto/recvfrom on 127.0.0.1 delivers the datagram with the sender address', function () {
      const receiver = udp();
      const sender = udp();
      const to = receiver.getsockname();
      expect(sender.sendto('hello datagram', to)).to.equal(14);
      const { data, address } = receiver.recvfrom(1024);
      expect(data.toString()).to.equal('hello datagram');
      expect(address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: sender.getsockname().port });
      // And back the other way, to the address recvfrom reported.
      receiver.sendto('reply', address);
      const back = sender.recvfrom(1024);
      expect(back.data.toString()).to.equal('reply');
      expect(back.address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: to.port });
    });

    it('keeps message boundaries: three datagrams of different sizes arrive as three, never merged', function () {
      const receiver = udp();
      const sender = udp();
      const to = receiver.getsockname();
      const sizes = [1, 1400, 300];
      sizes.forEach((size, i) => expect(sender.sendto(filled(size, 0x41 + i), to)).to.equal(size));
      const received = [];
      for (let i = 0; i < sizes.length; i++) received.push(receiver.recvfrom(65536).data);
      expect(received.map((d) => d.length)).to.deep.equal(sizes);
      received.forEach((d, i) => expect(d.equals(filled(sizes[i], 0x41 + i)), `datagram ${i}`).to.equal(true));
      expectEmpty(receiver);
    });

    it('truncates a datagram read with a short buffer: first bytes returned, rest discarded', function () {
      const receiver = udp();
      const sender = udp();
      const to = receiver.getsockname();
      const first = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
      sender.sendto(first, to);
      sender.sendto('second', to);
      const cut = receiver.recvfrom(10);
      expect(cut.data.equals(first.subarray(0, 10))).to.equal(true);
      expect(cut.address.port).to.equal(sender.getsockname().port);
      // The other 90 bytes are gone: the next read is the next datagram, whole.
      const next = receiver.recvfrom(1000);
      expect(next.data.toString()).to.equal('second');
      expectEmpty(receiver);
    });

    it('MSG_TRUNC reports the real length of a datagram larger than the buffer', function () {
      const receiver = udp();
      const sender = udp();
      sender.sendto(filled(500, 7), receiver.getsockname());
      const view = new Uint8Array(16);
      expect(receiver.recvInto(view, MSG_TRUNC)).to.equal(500);
      expect(Buffer.from(view).equals(filled(16, 7))).to.equal(true);
      expectEmpty(receiver);
    });

    it('delivers a zero-length datagram: an empty Buffer and the sender address', function () {
      const receiver = udp();
      const sender = udp();
      expect(sender.sendto(Buffer.alloc(0), receiver.getsockname())).to.equal(0);
      sender.sendto('after', receiver.getsockname());
      // The empty datagram makes the socket readable like any other.
      expect(poll([{ fd: receiver, events: POLLIN }], 2000).map((r) => r.revents & POLLIN)).to.deep.equal([POLLIN]);
      const empty = receiver.recvfrom(100);
      expect(empty.data).to.be.instanceOf(Buffer);
      expect(empty.data.length).to.equal(0);
      expect(empty.address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: sender.getsockname().port });
      // It was a datagram of its own: the next one is intact.
      expect(receiver.recvfrom(100).data.toString()).to.equal('after');
    });

    it('connected UDP: send/recv without addresses, and the kernel drops datagrams from anyone else', function () {
      const receiver = udp();
      const peer = udp();
      const stranger = udp();
      receiver.connect(peer.getsockname());
      peer.connect(receiver.getsockname());
      expect(receiver.getpeername()).to.deep.equal(peer.getsockname());
      stranger.sendto('from the stranger', receiver.getsockname());
      expect(peer.send('from the peer')).to.equal(13);
      const got = receiver.recvfrom(100);
      expect(got.data.toString()).to.equal('from the peer');
      expect(got.address).to.deep.equal(peer.getsockname());
      expectEmpty(receiver);
      receiver.send('answer');
      expect(peer.recv(100).toString()).to.equal('answer');
    });

    it('works over IPv6 on ::1, reporting an AF_INET6 sender address', function () {
      const receiver = udp(AF_INET6);
      const sender = udp(AF_INET6);
      sender.sendto('over v6', receiver.getsockname());
      const { data, address } = receiver.recvfrom(100);
      expect(data.toString()).to.equal('over v6');
      expect(address).to.deep.equal({
        family: 'AF_INET6',
        address: '::1',
        port: sender.getsockname().port,
        flowinfo: 0,
        scopeId: 0,
      });
    });

    it('a datagram to a closed port makes the next recv on the connected socket fail with ECONNREFUSED', function () {
      // A port nobody listens on: bind to get a free one, then close it.
      const probe = new Socket(AF_INET, SOCK_DGRAM);
      probe.bind({ address: '127.0.0.1', port: 0 });
      const closed = probe.getsockname();
      probe.close();
      const client = udp();
      client.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 2000);
      client.connect(closed);
      expect(client.send('anyone there?')).to.equal(13);
      // The ICMP port unreachable comes back on loopback; Linux reports it on the next call.
      const error = throwsLike(() => client.recv(100), { code: 'ECONNREFUSED', syscall: 'recv', instanceOf: SocketError });
      expect(error.errno).to.be.below(0);
      // The error is reported once: it is cleared by the call that reported it.
      expectEmpty(client);
    });
  });

  describe('recvfromInto: a datagram into the caller\'s buffer, the sender only when asked', function () {
    for (const domain of [AF_INET, AF_INET6]) {
      const family = domain === AF_INET ? 'AF_INET' : 'AF_INET6';

      it(`over ${family}: the count, the bytes at the view's start, the sender into senders[0]`, function () {
        const receiver = udp(domain);
        const sender = udp(domain);
        const to = receiver.getsockname();
        sender.sendto('first', to);
        sender.sendto('second!', to);
        const buffer = Buffer.alloc(64, 0xee);
        const senders = ['stale'];
        expect(receiver.recvfromInto(buffer, 0, { senders })).to.equal(5);
        expect(buffer.subarray(0, 6).toString('latin1')).to.equal('first\xee');
        expect(senders).to.deep.equal([sender.getsockname()]);
        // The same array again: index 0 overwritten, nothing appended.
        expect(receiver.recvfromInto(buffer, 0, { senders })).to.equal(7);
        expect(buffer.subarray(0, 7).toString()).to.equal('second!');
        expect(senders).to.have.length(1);
        expect(senders[0]).to.deep.equal(sender.getsockname());
        // The reported sender is an address to answer to.
        receiver.sendto('back', senders[0]);
        expect(sender.recvfrom(100).data.toString()).to.equal('back');
      });
    }

    it('without senders, or a try* form: the count only, and null for EAGAIN (senders untouched)', function () {
      const receiver = udp();
      const sender = udp();
      sender.sendto('plain', receiver.getsockname());
      const view = new Uint8Array(new ArrayBuffer(32), 8, 8); // at an offset: writes only inside it
      expect(receiver.recvfromInto(view)).to.equal(5);
      expect(Buffer.from(view.buffer).subarray(8, 13).toString()).to.equal('plain');
      expect(Buffer.from(view.buffer).subarray(0, 8).equals(Buffer.alloc(8))).to.equal(true);
      const senders = ['untouched'];
      expect(receiver.tryRecvfromInto(view, MSG_DONTWAIT, { senders })).to.equal(null);
      expect(senders).to.deep.equal(['untouched']);
      throwsLike(() => receiver.recvfromInto(view, MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recvfrom' });
      sender.sendto('tried', receiver.getsockname());
      expect(poll([{ fd: receiver, events: POLLIN }], 2000)).to.have.length(1);
      expect(receiver.tryRecvfromInto(view, MSG_DONTWAIT, { senders })).to.equal(5);
      expect(senders).to.deep.equal([sender.getsockname()]);
    });

    it('a run of datagrams from one sender shares one frozen address object; another sender gets its own', function () {
      const receiver = udp();
      const first = udp();
      const second = udp();
      const to = receiver.getsockname();
      first.sendto('a', to);
      first.sendto('b', to);
      second.sendto('c', to);
      first.sendto('d', to);
      const buffer = Buffer.alloc(8);
      const senders = [];
      const got = [];
      for (let i = 0; i < 4; i++) {
        expect(receiver.recvfromInto(buffer, 0, { senders })).to.equal(1);
        got.push(senders[0]);
      }
      expect(got.map(({ port }) => port)).to.deep.equal([first, first, second, first].map((s) => s.getsockname().port));
      expect(got[1]).to.equal(got[0]);
      expect(got[2]).to.not.equal(got[1]);
      expect(got[3]).to.not.equal(got[0]); // the last sender only is kept
      expect(Object.isFrozen(got[0])).to.equal(true);
      expect(() => {
        got[0].port = 1;
      }).to.throw(TypeError);
      // recvfrom's address is the caller's own, as before: a new object each time.
      first.sendto('e', to);
      first.sendto('f', to);
      const [one, two] = [receiver.recvfrom(8).address, receiver.recvfrom(8).address];
      expect(one).to.deep.equal(two);
      expect(one).to.not.equal(two);
      expect(Object.isFrozen(one)).to.equal(false);
    });

    it('cuts a datagram longer than the view (the rest dropped); MSG_TRUNC returns its real length', function () {
      const receiver = udp();
      const sender = udp();
      const to = receiver.getsockname();
      const long = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
      sender.sendto(long, to);
      sender.sendto(long, to);
      sender.sendto('next', to);
      const view = Buffer.alloc(10);
      const senders = [];
      expect(receiver.recvfromInto(view, 0, { senders })).to.equal(10);
      expect(view.equals(long.subarray(0, 10))).to.equal(true);
      expect(receiver.recvfromInto(view, MSG_TRUNC, { senders })).to.equal(100);
      expect(view.equals(long.subarray(0, 10))).to.equal(true);
      expect(senders[0].port).to.equal(sender.getsockname().port);
      expect(receiver.recvfromInto(view)).to.equal(4);
      expect(view.subarray(0, 4).toString()).to.equal('next');
      expectEmpty(receiver);
    });

    it('an empty datagram returns 0 with its sender, and into an empty view too', function () {
      const receiver = udp();
      const sender = udp();
      sender.sendto(Buffer.alloc(0), receiver.getsockname());
      sender.sendto('x', receiver.getsockname());
      const senders = [];
      expect(receiver.recvfromInto(Buffer.alloc(8), 0, { senders })).to.equal(0);
      expect(senders).to.deep.equal([sender.getsockname()]);
      expect(receiver.recvfromInto(new Uint8Array(0), MSG_TRUNC, { senders })).to.equal(1);
      expectEmpty(receiver);
    });

    it('Unix datagrams: a bound sender by its path, an unbound one as the unnamed address', function () {
      const { receiverPath, senderPath, receiver, named, unnamed } = unixDatagrams();
      named.sendto('from named', { path: receiverPath });
      unnamed.sendto('from unnamed!', { path: receiverPath });
      const buffer = Buffer.alloc(100);
      const senders = [];
      expect(receiver.recvfromInto(buffer, 0, { senders })).to.equal(10);
      expect(senders).to.deep.equal([{ family: 'AF_UNIX', path: senderPath }]);
      expect(receiver.recvfromInto(buffer, 0, { senders })).to.equal(13);
      expect(buffer.subarray(0, 13).toString()).to.equal('from unnamed!');
      expect(senders).to.deep.equal([{ family: 'AF_UNIX', path: '' }]);
    });

    it('a sender whose Unix name is not UTF-8 (a Buffer) is decoded anew each time: writing into one leaves the next intact', function () {
      const receiverName = abstractName();
      const senderName = Buffer.concat([Buffer.from(abstractName()), Buffer.from([0xff, 0x41])]);
      const receiver = socket(AF_UNIX, SOCK_DGRAM);
      receiver.bind({ path: receiverName });
      const sender = socket(AF_UNIX, SOCK_DGRAM);
      sender.bind({ path: senderName });
      sender.sendto('one', { path: receiverName });
      sender.sendto('two', { path: receiverName });
      const senders = [];
      expect(receiver.recvfromInto(Buffer.alloc(8), 0, { senders })).to.equal(3);
      const first = senders[0];
      expect(Buffer.isBuffer(first.path) && first.path.equals(senderName)).to.equal(true);
      first.path[first.path.length - 2] = 0x42;
      expect(receiver.recvfromInto(Buffer.alloc(8), 0, { senders })).to.equal(3);
      expect(senders[0]).to.not.equal(first);
      expect(senders[0].path.equals(senderName), 'the second sender is the real one').to.equal(true);
    });

    it('refuses a senders array it could not write into, before the syscall', function () {
      const receiver = udp();
      const sender = udp();
      sender.sendto('kept', receiver.getsockname());
      for (const senders of [Object.freeze([null]), Object.seal([null]), Object.preventExtensions([])]) {
        throwsLike(() => receiver.recvfromInto(Buffer.alloc(8), 0, { senders }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', syscall: undefined });
      }
      // A Proxy passes Array.isArray, but the binding could not write through it.
      throwsLike(() => receiver.recvfromInto(Buffer.alloc(8), 0, { senders: new Proxy([], {}) }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      const senders = [];
      expect(receiver.recvfromInto(Buffer.alloc(8), 0, { senders }), 'the datagram is still queued').to.equal(4);
      expect(senders).to.deep.equal([sender.getsockname()]);
    });

    it('waits as recv does: SO_RCVTIMEO ends it with EAGAIN from recvfrom', function () {
      const receiver = udp();
      receiver.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 30);
      throwsLike(() => receiver.recvfromInto(Buffer.alloc(8), 0, { senders: [] }), { code: 'EAGAIN', syscall: 'recvfrom', message: /SO_RCVTIMEO/ });
    });
  });

  describe('AF_UNIX', function () {
    it('SOCK_STREAM on a pathname: bind, listen, connect, accept, data both ways, getsockname', function () {
      const path = uniquePath();
      const server = socket(AF_UNIX, SOCK_STREAM);
      server.bind({ path });
      expect(statSync(path).isSocket(), 'bind creates a socket file').to.equal(true);
      server.listen(4);
      expect(server.getsockname()).to.deep.equal({ family: 'AF_UNIX', path });
      const client = socket(AF_UNIX, SOCK_STREAM);
      client.connect({ path });
      const conn = guard(track(server.accept()));
      expect(client.getpeername()).to.deep.equal({ family: 'AF_UNIX', path });
      expect(conn.getsockname()).to.deep.equal({ family: 'AF_UNIX', path });
      // The client never bound: it is unnamed.
      expect(conn.getpeername()).to.deep.equal({ family: 'AF_UNIX', path: '' });
      expect(client.send('ping')).to.equal(4);
      expect(conn.recv(100).toString()).to.equal('ping');
      expect(conn.send('pong')).to.equal(4);
      expect(client.recv(100).toString()).to.equal('pong');
      client.close();
      expect(conn.recv(100).length, 'EOF after the client closes').to.equal(0);
    });

    it('connect to a missing path fails with ENOENT and the path on the error', function () {
      const path = uniquePath('missing');
      const client = socket(AF_UNIX, SOCK_STREAM);
      const error = throwsLike(() => client.connect({ path }), {
        code: 'ENOENT',
        syscall: 'connect',
        path,
        instanceOf: SocketError,
      });
      expect(error.message).to.equal(`connect ENOENT ${path}`);
      expect(existsSync(path)).to.equal(false);
    });

    it('bind to an existing path fails with EADDRINUSE, even after its socket is closed', function () {
      const path = uniquePath();
      const first = socket(AF_UNIX, SOCK_STREAM);
      first.bind({ path });
      const second = socket(AF_UNIX, SOCK_STREAM);
      throwsLike(() => second.bind({ path }), { code: 'EADDRINUSE', syscall: 'bind', path });
      // The file outlives the socket: the path stays taken until someone unlinks it.
      first.close();
      throwsLike(() => second.bind({ path }), { code: 'EADDRINUSE', syscall: 'bind', path });
      rmSync(path);
      second.bind({ path });
      expect(second.getsockname()).to.deep.equal({ family: 'AF_UNIX', path });
    });

    it('abstract namespace: no file is created and getsockname keeps the leading NUL', function () {
      const name = abstractName();
      const server = socket(AF_UNIX, SOCK_STREAM);
      server.bind({ path: name });
      server.listen(4);
      expect(server.getsockname()).to.deep.equal({ family: 'AF_UNIX', path: name });
      expect(server.getsockname().path.charCodeAt(0)).to.equal(0);
      // The kernel knows it (listed with '@' for the NUL); the filesystem does not.
      expect(procNetUnixNames()).to.include(`@${name.slice(1)}`);
      expect(existsSync(name.slice(1))).to.equal(false);
      expect(existsSync(join(tmpdir(), name.slice(1)))).to.equal(false);
      const client = socket(AF_UNIX, SOCK_STREAM);
      client.connect({ path: name });
      const conn = guard(track(server.accept()));
      expect(client.getpeername()).to.deep.equal({ family: 'AF_UNIX', path: name });
      client.send('abstract');
      expect(conn.recv(100).toString()).to.equal('abstract');
      // No file to unlink: the name is gone as soon as the sockets holding it are closed (the
      // accepted one carries the same local name).
      conn.close();
      server.close();
      expect(procNetUnixNames()).to.not.include(`@${name.slice(1)}`);
      const again = socket(AF_UNIX, SOCK_STREAM);
      again.bind({ path: name });
      expect(again.getsockname().path).to.equal(name);
    });

    it('an unnamed socket (socketpair) reports path ""', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, b);
      expect(a.getsockname()).to.deep.equal({ family: 'AF_UNIX', path: '' });
      expect(a.getpeername()).to.deep.equal({ family: 'AF_UNIX', path: '' });
      expect(b.getsockname()).to.deep.equal({ family: 'AF_UNIX', path: '' });
    });

    it('SOCK_DGRAM: recvfrom reports a bound sender by its path and an unbound one as ""', function () {
      const { receiverPath, senderPath, receiver, named, unnamed } = unixDatagrams();
      expect(named.sendto('from named', { path: receiverPath })).to.equal(10);
      expect(unnamed.sendto('from unnamed!', { path: receiverPath })).to.equal(13);
      const first = receiver.recvfrom(100);
      expect(first.data.toString()).to.equal('from named');
      expect(first.address).to.deep.equal({ family: 'AF_UNIX', path: senderPath });
      const second = receiver.recvfrom(100);
      expect(second.data.toString()).to.equal('from unnamed!');
      expect(second.address).to.deep.equal({ family: 'AF_UNIX', path: '' });
      // The reported path is an address to answer to.
      receiver.sendto('answer', first.address);
      expect(named.recvfrom(100)).to.deep.equal({
        data: Buffer.from('answer'),
        address: { family: 'AF_UNIX', path: receiverPath },
      });
    });

    it('SOCK_DGRAM sendto a path that does not exist fails with ENOENT and the path', function () {
      const path = uniquePath('gone');
      const sender = socket(AF_UNIX, SOCK_DGRAM);
      throwsLike(() => sender.sendto('x', { path }), { code: 'ENOENT', syscall: 'sendto', path });
    });

    it('SOCK_SEQPACKET over socketpair keeps message boundaries and reports EOF', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_SEQPACKET);
      track(a, b);
      guard(b);
      expect(b.getsockopt(SOL_SOCKET, sockcall.SO_TYPE)).to.equal(SOCK_SEQPACKET);
      const messages = ['one', 'three three', 'fifteen fifteen'];
      for (const message of messages) expect(a.send(message)).to.equal(message.length);
      for (const message of messages) expect(b.recv(1000).toString()).to.equal(message);
      // A short read truncates the record; the next read starts at the next record.
      a.send('truncated record');
      a.send('next');
      expect(b.recv(4).toString()).to.equal('trun');
      expect(b.recv(1000).toString()).to.equal('next');
      a.close();
      const eof = b.recv(1000);
      expect(eof.length).to.equal(0);
    });

    it('takes the path as a Buffer too (pathname and abstract), and reports it as a string', function () {
      const path = uniquePath('buf');
      const server = socket(AF_UNIX, SOCK_STREAM);
      server.bind({ path: Buffer.from(path) });
      server.listen(2);
      expect(server.getsockname()).to.deep.equal({ family: 'AF_UNIX', path });
      expect(statSync(path).isSocket()).to.equal(true);
      const client = socket(AF_UNIX, SOCK_STREAM);
      client.connect({ path: new Uint8Array(Buffer.from(path)) });
      const conn = guard(track(server.accept()));
      client.send('via buffer');
      expect(conn.recv(100).toString()).to.equal('via buffer');

      const name = abstractName();
      const abstract = socket(AF_UNIX, SOCK_DGRAM);
      abstract.bind({ path: Buffer.from(name) });
      expect(abstract.getsockname()).to.deep.equal({ family: 'AF_UNIX', path: name });
      const sender = socket(AF_UNIX, SOCK_DGRAM);
      sender.sendto('to abstract', { path: name });
      expect(abstract.recv(100).toString()).to.equal('to abstract');
    });
  });
});
