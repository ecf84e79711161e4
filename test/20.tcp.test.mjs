// TCP over loopback: each syscall's success path and the errors Linux documents for it. Peers that
// must act while the main thread blocks run in worker threads (runPeer); the SIGPIPE checks run in
// child processes so that a wrongly raised SIGPIPE kills the child, not mocha.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { getSystemErrorName } from 'node:util';

import * as sockcall from 'sockcall';

import { guard, listener, root, runPeer, socket, tcpPair, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  MSG_DONTWAIT,
  MSG_WAITALL,
  SHUT_RD,
  SHUT_WR,
  SO_DOMAIN,
  SO_LINGER,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_TYPE,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  SocketError,
  poll,
} = sockcall;

/** Reads exactly `length` bytes (bounded number of recv calls, each guarded by SO_RCVTIMEO). */
function recvExactly(sock, length) {
  const parts = [];
  let got = 0;
  for (let calls = 0; got < length; calls++) {
    if (calls > 100000) throw new Error(`recvExactly: still ${length - got} bytes short after ${calls} calls`);
    const chunk = sock.recv(Math.min(length - got, 1 << 20));
    if (chunk.length === 0) throw new Error(`recvExactly: EOF after ${got} of ${length} bytes`);
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

/** A socket bound to an ephemeral loopback port and NOT listening: connecting to that port is refused. */
function boundNotListening(domain = AF_INET) {
  const holder = socket(domain, SOCK_STREAM);
  holder.bind({ address: domain === AF_INET6 ? '::1' : '127.0.0.1', port: 0 });
  return holder;
}

describe('20 tcp', function () {
  describe('bind', function () {
    it('binds to port 0 and getsockname() reports the port the kernel picked', function () {
      const s = socket();
      expect(s.getsockname()).to.deep.equal({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
      s.bind({ address: '127.0.0.1', port: 0 });
      const name = s.getsockname();
      expect(name.family).to.equal('AF_INET');
      expect(name.address).to.equal('127.0.0.1');
      expect(name.port).to.be.a('number').within(1, 65535);
      // The port is really held: another socket cannot take it.
      const other = socket();
      throwsLike(() => other.bind({ address: '127.0.0.1', port: name.port }), { code: 'EADDRINUSE', syscall: 'bind' });
    });

    it('refuses a second bind on the same socket with EINVAL, keeping the first address', function () {
      const s = socket();
      s.bind({ address: '127.0.0.1', port: 0 });
      const first = s.getsockname();
      const error = throwsLike(() => s.bind({ address: '127.0.0.1', port: 0 }), {
        code: 'EINVAL',
        syscall: 'bind',
        instanceOf: SocketError,
      });
      expect(error.errno).to.equal(-22);
      expect(s.getsockname()).to.deep.equal(first);
    });

    it('gives EADDRINUSE for a port a listening socket holds, with or without SO_REUSEADDR on either side', function () {
      for (const firstReuse of [0, 1]) {
        for (const secondReuse of [0, 1]) {
          const first = socket();
          first.setsockopt(SOL_SOCKET, SO_REUSEADDR, firstReuse);
          first.bind({ address: '127.0.0.1', port: 0 });
          first.listen(4);
          const { port } = first.getsockname();
          const second = socket();
          second.setsockopt(SOL_SOCKET, SO_REUSEADDR, secondReuse);
          expect(second.getsockopt(SOL_SOCKET, SO_REUSEADDR) !== 0).to.equal(secondReuse === 1);
          const error = throwsLike(() => second.bind({ address: '127.0.0.1', port }), {
            code: 'EADDRINUSE',
            syscall: 'bind',
            instanceOf: SocketError,
            address: '127.0.0.1',
            port,
            message: `bind EADDRINUSE 127.0.0.1:${port}`,
          });
          expect(getSystemErrorName(error.errno), `first reuse ${firstReuse}, second reuse ${secondReuse}`).to.equal('EADDRINUSE');
          first.close();
          second.close();
        }
      }
    });

    it('SO_REUSEADDR on both lets two sockets bind one port, but only one of them can listen (EADDRINUSE)', function () {
      // The control for the test above: the option really reaches the kernel (Linux lets two
      // SO_REUSEADDR sockets share a port while neither listens), and listening is still exclusive.
      const a = socket();
      const b = socket();
      a.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      b.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      a.bind({ address: '127.0.0.1', port: 0 });
      const { port } = a.getsockname();
      b.bind({ address: '127.0.0.1', port });
      expect(b.getsockname().port).to.equal(port);
      a.listen(4);
      throwsLike(() => b.listen(4), { code: 'EADDRINUSE', syscall: 'listen', instanceOf: SocketError });
    });

    it('gives EADDRNOTAVAIL for an address not on this host (192.0.2.1, TEST-NET-1; bind sends nothing)', function () {
      const s = socket();
      throwsLike(() => s.bind({ address: '192.0.2.1', port: 0 }), {
        code: 'EADDRNOTAVAIL',
        syscall: 'bind',
        instanceOf: SocketError,
        address: '192.0.2.1',
        port: 0,
        message: 'bind EADDRNOTAVAIL 192.0.2.1:0',
      });
      // The socket is unharmed and can still bind to a local address.
      s.bind({ address: '127.0.0.1', port: 0 });
      expect(s.getsockname().port).to.be.above(0);
    });
  });

  describe('listen and accept', function () {
    it('accepts a connection from a worker peer; getpeername() of the accepted socket is the client\'s getsockname()', async function () {
      const server = listener();
      const { port } = server.getsockname();
      const peer = runPeer(
        `
        const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, MSG_WAITALL } = sockcall;
        const s = new Socket(AF_INET, SOCK_STREAM);
        try {
          s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
          s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 5000);
          s.connect({ address: '127.0.0.1', port: data.port });
          const local = s.getsockname();
          const remote = s.getpeername();
          s.sendAll('hello from the peer');
          const reply = s.recv(7, MSG_WAITALL).toString();
          return { local, remote, reply };
        } finally {
          s.close();
        }`,
        { port },
      );
      const conn = guard(track(server.accept()));
      expect(conn).to.be.an.instanceOf(Socket);
      expect(conn.fd).to.not.equal(server.fd);
      expect(recvExactly(conn, 19).toString()).to.equal('hello from the peer');
      conn.sendAll('welcome');
      const { local, remote, reply } = await peer;
      expect(reply).to.equal('welcome');
      expect(conn.getpeername()).to.deep.equal(local);
      expect(local.family).to.equal('AF_INET');
      expect(local.address).to.equal('127.0.0.1');
      expect(local.port).to.not.equal(port);
      expect(remote).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
      expect(conn.getsockname()).to.deep.equal(server.getsockname());
    });

    it('gives the accepted socket the listener\'s domain and type (as the kernel reports them too)', function () {
      for (const domain of [AF_INET, AF_INET6]) {
        const [client, conn, server] = tcpPair(domain);
        expect(conn.domain, 'domain').to.equal(server.domain);
        expect(conn.type, 'type').to.equal(server.type);
        expect(conn.protocol, 'protocol').to.equal(server.protocol);
        expect(conn.getsockopt(SOL_SOCKET, SO_DOMAIN)).to.equal(domain);
        expect(conn.getsockopt(SOL_SOCKET, SO_TYPE)).to.equal(SOCK_STREAM);
        expect(conn.getpeername()).to.deep.equal(client.getsockname());
      }
    });

    it('gives EINVAL for accept() on a socket that is not listening (unbound, or bound only)', function () {
      const unbound = socket();
      throwsLike(() => unbound.accept(), { code: 'EINVAL', syscall: 'accept', instanceOf: SocketError });
      const bound = boundNotListening();
      throwsLike(() => bound.accept(), { code: 'EINVAL', syscall: 'accept', instanceOf: SocketError });
    });
  });

  describe('connect', function () {
    it('gives ECONNREFUSED, shaped like net\'s error, for a port with no listener', function () {
      const holder = boundNotListening(); // keeps the port ours, so nobody else can listen on it
      const { port } = holder.getsockname();
      const client = socket();
      const error = throwsLike(() => client.connect({ address: '127.0.0.1', port }), {
        code: 'ECONNREFUSED',
        syscall: 'connect',
        instanceOf: SocketError,
        address: '127.0.0.1',
        port,
        message: `connect ECONNREFUSED 127.0.0.1:${port}`,
        name: 'SocketError',
      });
      expect(error).to.be.an.instanceOf(Error);
      expect(error.errno).to.be.below(0);
      expect(getSystemErrorName(error.errno)).to.equal('ECONNREFUSED');
    });

    it('gives EISCONN for a second connect on a connected socket', function () {
      const [client, , server] = tcpPair();
      throwsLike(() => client.connect(server.getsockname()), {
        code: 'EISCONN',
        syscall: 'connect',
        instanceOf: SocketError,
      });
      // Still connected to the same peer.
      expect(client.getpeername()).to.deep.equal(server.getsockname());
    });

    it('gives ENOTCONN for getpeername() on an unconnected socket (fresh, bound or listening)', function () {
      throwsLike(() => socket().getpeername(), { code: 'ENOTCONN', syscall: 'getpeername', instanceOf: SocketError });
      throwsLike(() => boundNotListening().getpeername(), { code: 'ENOTCONN', syscall: 'getpeername' });
      throwsLike(() => listener().getpeername(), { code: 'ENOTCONN', syscall: 'getpeername' });
    });

    it('gives EPIPE (not ENOTCONN) for send() on an unconnected TCP socket, as Linux does', function () {
      // Linux's tcp_sendmsg answers -EPIPE for a stream socket that never connected (POSIX allows
      // ENOTCONN; Linux returns EPIPE). MSG_NOSIGNAL keeps the process alive.
      const s = socket();
      throwsLike(() => s.send('x'), { code: 'EPIPE', syscall: 'send', instanceOf: SocketError, errno: -32 });
      throwsLike(() => s.sendAll('x'), { code: 'EPIPE', syscall: 'send', bytesSent: 0 });
    });
  });

  describe('send, sendAll and recvInto', function () {
    it('send() returns the byte count, and the peer receives exactly those bytes', function () {
      const [client, conn] = tcpPair();
      const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
      expect(client.send(data)).to.equal(1000);
      expect(client.send('héllo')).to.equal(6); // UTF-8 bytes, not characters
      expect(recvExactly(conn, 1006)).to.deep.equal(Buffer.concat([data, Buffer.from('héllo')]));
    });

    it('send() on a full non-blocking socket returns a partial count, and exactly that many bytes arrive', function () {
      const [client, conn] = tcpPair();
      client.setsockopt(SOL_SOCKET, SO_SNDBUF, 16384);
      client.setBlocking(false);
      const big = Buffer.alloc(4 << 20, 0x5a);
      const sent = client.send(big);
      expect(sent).to.be.above(0).and.below(big.length);
      const got = recvExactly(conn, sent);
      expect(got.length).to.equal(sent);
      expect(got.every((byte) => byte === 0x5a)).to.equal(true);
      throwsLike(() => conn.recv(1, MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'recv' });
    });

    it('sendAll() sends 8 MiB, far more than both socket buffers, while a worker drains it (SHA-256 equal)', async function () {
      const server = listener();
      const peer = runPeer(
        `
        const { createHash } = require('node:crypto');
        const { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_RCVBUF } = sockcall;
        const s = new Socket(AF_INET, SOCK_STREAM);
        try {
          s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
          s.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536); // fixed, small: no autotuning to hold it all
          const rcvbuf = s.getsockopt(SOL_SOCKET, SO_RCVBUF);
          s.connect({ address: '127.0.0.1', port: data.port });
          const hash = createHash('sha256');
          let total = 0;
          let calls = 0;
          const deadline = Date.now() + 10000;
          for (;;) {
            if (++calls > 1000000 || Date.now() > deadline) throw new Error('drain did not finish: ' + total + ' bytes');
            const chunk = s.recv(65536);
            if (chunk.length === 0) break;
            hash.update(chunk);
            total += chunk.length;
          }
          return { total, digest: hash.digest('hex'), rcvbuf };
        } finally {
          s.close();
        }`,
        { port: server.getsockname().port },
      );
      const conn = guard(track(server.accept()));
      conn.setsockopt(SOL_SOCKET, SO_SNDBUF, 65536);
      const sndbuf = conn.getsockopt(SOL_SOCKET, SO_SNDBUF);
      const big = Buffer.allocUnsafe(8 << 20);
      for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
      expect(conn.sendAll(big)).to.equal(big.length);
      conn.close(); // EOF for the drain
      const { total, digest, rcvbuf } = await peer;
      expect(big.length).to.be.above(4 * (sndbuf + rcvbuf));
      expect(total).to.equal(big.length);
      expect(digest).to.equal(createHash('sha256').update(big).digest('hex'));
    });

    it('sendAll() takes a string, a Buffer, a Uint16Array and a DataView, byte-exact (views at offsets)', function () {
      const [client, conn] = tcpPair();
      const text = 'grüß ☃ 𝄞\n';
      const backing = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
      const buffer = backing.subarray(5, 21); // 16 bytes at offset 5
      const u16 = new Uint16Array(backing.buffer, backing.byteOffset + 8, 6); // 12 bytes at offset 8
      const dataView = new DataView(backing.buffer, backing.byteOffset + 33, 9); // 9 bytes at offset 33
      const expected = [
        Buffer.from(text, 'utf8'),
        Buffer.from(backing.subarray(5, 21)),
        Buffer.from(backing.subarray(8, 20)),
        Buffer.from(backing.subarray(33, 42)),
      ];
      expect(client.sendAll(text)).to.equal(expected[0].length);
      expect(client.sendAll(buffer)).to.equal(16);
      expect(client.sendAll(u16)).to.equal(12);
      expect(client.sendAll(dataView)).to.equal(9);
      const all = Buffer.concat(expected);
      expect(recvExactly(conn, all.length)).to.deep.equal(all);
      throwsLike(() => conn.recv(1, MSG_DONTWAIT), { code: 'EAGAIN' }); // nothing extra was sent
    });

    it('recvInto() writes only inside a subarray view of a bigger buffer', function () {
      const [client, conn] = tcpPair();
      const payload = Buffer.from(Array.from({ length: 48 }, (_, i) => i + 1));
      client.sendAll(payload);
      const big = Buffer.alloc(64, 0xaa);
      const view = big.subarray(16, 32);
      expect(conn.recvInto(view, MSG_WAITALL)).to.equal(16);
      expect(big.subarray(16, 32)).to.deep.equal(payload.subarray(0, 16));
      expect(big.subarray(0, 16).every((b) => b === 0xaa), 'bytes before the view').to.equal(true);
      expect(big.subarray(32).every((b) => b === 0xaa), 'bytes after the view').to.equal(true);
      // The other 32 bytes are still queued, in order.
      expect(recvExactly(conn, 32)).to.deep.equal(payload.subarray(16));
    });

    it('recvInto() fills a DataView and a Float64Array view at an offset, and nothing around them', function () {
      const [client, conn] = tcpPair();
      const backing = new ArrayBuffer(64);
      new Uint8Array(backing).fill(0xee);
      const dataView = new DataView(backing, 3, 10);
      const floats = new Float64Array(backing, 24, 2); // bytes 24..40
      const values = new Float64Array([Math.PI, -1.5e300]);
      const payload = Buffer.concat([Buffer.from('0123456789'), Buffer.from(values.buffer), Buffer.from('tail')]);
      client.sendAll(payload);
      expect(conn.recvInto(dataView, MSG_WAITALL)).to.equal(10);
      expect(conn.recvInto(floats, MSG_WAITALL)).to.equal(16);
      expect(Buffer.from(backing, 3, 10).toString()).to.equal('0123456789');
      expect(Array.from(floats)).to.deep.equal([Math.PI, -1.5e300]);
      const bytes = new Uint8Array(backing);
      const untouched = [...bytes.subarray(0, 3), ...bytes.subarray(13, 24), ...bytes.subarray(40)];
      expect(untouched.length).to.equal(3 + 11 + 24);
      expect(untouched.every((b) => b === 0xee)).to.equal(true);
      expect(recvExactly(conn, 4).toString()).to.equal('tail');
    });
  });

  describe('EOF and half-close', function () {
    it('recv() returns an empty Buffer after the peer closes, every time it is called', function () {
      const [client, conn] = tcpPair();
      client.sendAll('last words');
      client.close();
      expect(recvExactly(conn, 10).toString()).to.equal('last words');
      for (let i = 0; i < 3; i++) {
        const eof = conn.recv(100);
        expect(Buffer.isBuffer(eof), `call ${i}`).to.equal(true);
        expect(eof.length, `call ${i}`).to.equal(0);
      }
      const view = new Uint8Array(8);
      expect(conn.recvInto(view)).to.equal(0);
    });

    it('shutdown(SHUT_WR): the server reads EOF, yet can still send, and the client still receives', function () {
      const [client, conn] = tcpPair();
      client.sendAll('request');
      client.shutdown(SHUT_WR);
      expect(recvExactly(conn, 7).toString()).to.equal('request');
      expect(conn.recv(100).length, 'EOF after the half-close').to.equal(0);
      expect(conn.recv(100).length, 'EOF again').to.equal(0);
      expect(conn.sendAll('response after your FIN')).to.equal(23);
      expect(recvExactly(client, 23).toString()).to.equal('response after your FIN');
      // The client's own sending side is shut: EPIPE (MSG_NOSIGNAL, so no signal).
      throwsLike(() => client.send('more'), { code: 'EPIPE', syscall: 'send' });
      conn.close();
      expect(client.recv(100).length).to.equal(0);
    });

    it('shutdown(SHUT_RD): queued data is still read, then recv returns EOF at once instead of blocking; sending still works', function () {
      const [client, conn] = tcpPair();
      conn.sendAll('queued');
      expect(poll([{ fd: client, events: sockcall.POLLIN }], 2000)).to.have.length(1);
      client.shutdown(SHUT_RD);
      expect(client.recv(100).toString()).to.equal('queued');
      // Without SHUT_RD an empty queue gives EAGAIN here; after it, EOF (Linux keeps delivering
      // data that arrives later, so this is not asserted about later data).
      const eof = client.recv(100, MSG_DONTWAIT);
      expect(eof.length).to.equal(0);
      const started = Date.now();
      expect(client.recv(100).length).to.equal(0); // blocking recv: does not wait for the guard
      expect(Date.now() - started).to.be.below(1000);
      expect(client.sendAll('still talking')).to.equal(13);
      expect(recvExactly(conn, 13).toString()).to.equal('still talking');
    });

    it('gives ENOTCONN for shutdown() on an unconnected socket', function () {
      for (const how of [SHUT_RD, SHUT_WR, sockcall.SHUT_RDWR]) {
        throwsLike(() => socket().shutdown(how), { code: 'ENOTCONN', syscall: 'shutdown', instanceOf: SocketError });
      }
      throwsLike(() => boundNotListening().shutdown(SHUT_WR), { code: 'ENOTCONN', syscall: 'shutdown' });
    });
  });

  describe('EPIPE without SIGPIPE (child processes)', function () {
    // Node starts with SIGPIPE ignored, which would hide a missing MSG_NOSIGNAL. The child adds and
    // removes a SIGPIPE listener first: on removal libuv restores SIG_DFL, so the child ends up with
    // no handler installed and the kernel's default action (terminate) in force — which the child
    // checks in /proc/self/status and prints.
    const preamble = `
      const fs = require('node:fs');
      const sc = require(${JSON.stringify(root)});
      const { Socket, SocketError, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_LINGER, SO_RCVTIMEO, SO_SNDTIMEO, SO_REUSEADDR, poll } = sc;
      const noop = () => {};
      process.on('SIGPIPE', noop);
      process.off('SIGPIPE', noop);
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      const mask = (name) => BigInt('0x' + new RegExp(name + ':\\\\s*([0-9a-f]+)').exec(status)[1]);
      const bit = 1n << 12n; // SIGPIPE is 13
      console.log('sigpipe ' + ((mask('SigIgn') & bit) ? 'ignored' : (mask('SigCgt') & bit) ? 'caught' : 'default'));
      const guard = (s) => { s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000); s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 5000); return s; };
      const server = guard(new Socket(AF_INET, SOCK_STREAM));
      server.bind({ address: '127.0.0.1', port: 0 });
      server.listen(1);
      const client = guard(new Socket(AF_INET, SOCK_STREAM));
      client.connect(server.getsockname());
      const peer = server.accept();
      if (process.argv[1] === 'rst') peer.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
      peer.close();
    `;

    function runChild(script, mode) {
      return spawnSync(process.execPath, ['-e', script, mode], { encoding: 'utf8', timeout: 10000 });
    }

    it('control: with SIGPIPE at its default, a plain write(2) to the dead connection kills the child', function () {
      const script = `${preamble}
        poll([{ fd: client, events: 0 }], 3000); // wait for the RST (POLLERR|POLLHUP)
        // write(2), no MSG_NOSIGNAL: the first one reports the reset (ECONNRESET, no signal), the
        // next one is EPIPE, which comes with SIGPIPE.
        for (let i = 0; i < 3; i++) {
          try { fs.writeSync(client.fd, 'x'); } catch (e) { console.log('write ' + e.code); }
        }
        console.log('survived');`;
      const result = runChild(script, 'rst');
      expect(result.stdout).to.include('sigpipe default');
      expect(result.stdout).to.not.include('survived');
      expect(result.signal, result.stderr).to.equal('SIGPIPE');
    });

    for (const mode of ['close', 'rst']) {
      it(`send() after the peer ${mode === 'rst' ? 'reset (SO_LINGER 0)' : 'closed'} throws EPIPE/ECONNRESET and the process lives`, function () {
        const script = `${preamble}
          let error;
          for (let i = 0; i < 20 && !error; i++) {
            try {
              client.send(Buffer.alloc(1000, 120));
              // A send to a closed peer draws its RST: wait for it (POLLERR|POLLHUP need no events bit).
              poll([{ fd: client, events: 0 }], 2000);
            } catch (e) {
              error = e;
            }
          }
          if (!error) throw new Error('send never failed');
          console.log('error ' + (error instanceof SocketError) + ' ' + error.code + ' ' + error.syscall + ' ' + error.errno);
          let again;
          try { client.send('y'); } catch (e) { again = e.code; }
          console.log('again ' + again);
          client.close(); server.close();`;
        const result = runChild(script, mode);
        expect(result.signal, `killed; stderr: ${result.stderr}`).to.equal(null);
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.include('sigpipe default');
        const match = /^error (\w+) (\w+) (\w+) (-?\d+)$/m.exec(result.stdout);
        expect(match, result.stdout).to.not.equal(null);
        const [, isSocketError, code, syscall, errno] = match;
        expect(isSocketError).to.equal('true');
        expect(code).to.be.oneOf(['EPIPE', 'ECONNRESET']);
        expect(syscall).to.equal('send');
        expect(getSystemErrorName(Number(errno))).to.equal(code);
        // Once the connection is gone, every later send is EPIPE.
        expect(result.stdout).to.match(/^again EPIPE$/m);
      });
    }
  });

  describe('IPv6 and dual stack', function () {
    before(function () {
      let probe;
      try {
        probe = new Socket(AF_INET6, SOCK_STREAM);
        probe.bind({ address: '::1', port: 0 });
      } catch (error) {
        if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') {
          throw new Error(
            `IPv6 loopback ::1 is not configured on this machine (${error.message}); these tests need it: ` +
              'enable IPv6 on lo (sysctl net.ipv6.conf.lo.disable_ipv6=0)',
          );
        }
        throw error;
      } finally {
        probe?.close();
      }
    });

    it('works end to end on ::1; getsockname() gives AF_INET6 with flowinfo and scopeId', function () {
      const [client, conn, server] = tcpPair(AF_INET6);
      const serverName = server.getsockname();
      expect(serverName).to.have.all.keys('family', 'address', 'port', 'flowinfo', 'scopeId');
      expect(serverName.family).to.equal('AF_INET6');
      expect(serverName.address).to.equal('::1');
      expect(serverName.port).to.be.within(1, 65535);
      expect(serverName.flowinfo).to.equal(0);
      expect(serverName.scopeId).to.equal(0);
      const clientName = client.getsockname();
      expect(clientName).to.include({ family: 'AF_INET6', address: '::1', flowinfo: 0, scopeId: 0 });
      expect(conn.getpeername()).to.deep.equal(clientName);
      expect(client.getpeername()).to.deep.equal(serverName);
      expect(client.sendAll('over six')).to.equal(8);
      expect(recvExactly(conn, 8).toString()).to.equal('over six');
      expect(conn.sendAll('and back')).to.equal(8);
      expect(recvExactly(client, 8).toString()).to.equal('and back');
    });

    it('an AF_INET6 listener on :: with IPV6_V6ONLY=0 accepts an IPv4 client, seen as ::ffff:127.0.0.1', function () {
      const server = socket(AF_INET6);
      server.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
      expect(server.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).to.equal(0);
      server.bind({ address: '::', port: 0 });
      server.listen(4);
      const { port } = server.getsockname();
      const client = socket(AF_INET);
      client.connect({ address: '127.0.0.1', port });
      const conn = guard(track(server.accept()));
      const peer = conn.getpeername();
      expect(peer).to.deep.equal({
        family: 'AF_INET6',
        address: '::ffff:127.0.0.1',
        port: client.getsockname().port,
        flowinfo: 0,
        scopeId: 0,
      });
      expect(conn.getsockname()).to.include({ family: 'AF_INET6', address: '::ffff:127.0.0.1', port });
      expect(client.getpeername()).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
      client.sendAll('v4 to v6');
      expect(recvExactly(conn, 8).toString()).to.equal('v4 to v6');
    });

    it('with IPV6_V6ONLY=1 the same IPv4 connect is refused', function () {
      const server = socket(AF_INET6);
      server.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
      expect(server.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).to.equal(1);
      server.bind({ address: '::', port: 0 });
      server.listen(4);
      const { port } = server.getsockname();
      const client = socket(AF_INET);
      throwsLike(() => client.connect({ address: '127.0.0.1', port }), {
        code: 'ECONNREFUSED',
        syscall: 'connect',
        message: `connect ECONNREFUSED 127.0.0.1:${port}`,
      });
      // IPv6 clients still get through.
      const client6 = socket(AF_INET6);
      client6.connect({ address: '::1', port });
      const conn = guard(track(server.accept()));
      expect(conn.getpeername()).to.deep.equal(client6.getsockname());
    });

    it('an AF_INET6 socket connecting to ::ffff:127.0.0.1 reaches an IPv4 listener', function () {
      const server = listener({ domain: AF_INET });
      const { port } = server.getsockname();
      const client = socket(AF_INET6);
      client.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
      client.connect({ address: '::ffff:127.0.0.1', port });
      const conn = guard(track(server.accept()));
      const local = client.getsockname();
      expect(local).to.include({ family: 'AF_INET6', address: '::ffff:127.0.0.1' });
      expect(client.getpeername()).to.include({ family: 'AF_INET6', address: '::ffff:127.0.0.1', port });
      expect(conn.getpeername()).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: local.port });
      client.sendAll('mapped');
      expect(recvExactly(conn, 6).toString()).to.equal('mapped');
    });
  });
});
