// ioctl(2) on sockets: FIONREAD/SIOCINQ (bytes waiting; a datagram's size), SIOCOUTQ and
// SIOCOUTQNSD (the send queue, measured with a peer that does not read), SIOCATMARK and sockatmark()
// around TCP's urgent mark (MSG_OOB), in both flavours; every other request refused before any
// syscall; the kernel's own refusals (ENOTTY, EINVAL, EBADF); the trace in strace's notation.
import { expect } from 'chai';

import * as sockcall from 'sockcall';
import * as promises from 'sockcall/promises';

import { listener, socket, tcpPair, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_UNIX,
  FIONREAD,
  MSG_DONTWAIT,
  MSG_OOB,
  POLLIN,
  POLLPRI,
  SIOCATMARK,
  SIOCINQ,
  SIOCOUTQ,
  SIOCOUTQNSD,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_SNDBUF,
  Socket,
  SocketError,
  poll,
} = sockcall;

/** Waits (bounded) until `s` has `bytes` bytes to read, as FIONREAD reports them. */
function waitForBytes(s, bytes) {
  for (let i = 0; i < 200 && s.ioctl(FIONREAD) < bytes; i++) poll([{ fd: s, events: POLLIN }], 10);
  return s.ioctl(FIONREAD);
}

describe('42 ioctl', function () {
  it('has the values of the system headers; SIOCINQ is FIONREAD', function () {
    expect(FIONREAD).to.equal(0x541b);
    expect(SIOCINQ).to.equal(FIONREAD);
    expect([SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK]).to.deep.equal([0x5411, 0x894b, 0x8905]);
    expect(promises.FIONREAD).to.equal(FIONREAD);
  });

  it('FIONREAD and SIOCINQ: the bytes waiting on a stream; a datagram socket reports its next datagram', function () {
    const [x, y] = Socket.pair(AF_UNIX, SOCK_STREAM);
    track(x, y);
    expect(x.ioctl(FIONREAD)).to.equal(0);
    y.send('hello');
    y.send(', world');
    expect(x.ioctl(FIONREAD)).to.equal(12);
    expect(x.ioctl(SIOCINQ)).to.equal(12);
    x.recv(5);
    expect(x.ioctl(FIONREAD)).to.equal(7);
    const [d1, d2] = Socket.pair(AF_UNIX, SOCK_DGRAM);
    track(d1, d2);
    d2.send('first');
    d2.send('the second');
    expect(d1.ioctl(FIONREAD), 'the next datagram only').to.equal(5);
  });

  it('SIOCOUTQ and SIOCOUTQNSD: a TCP send queue that the peer does not drain', function () {
    const [client, accepted] = tcpPair();
    accepted.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
    client.setsockopt(SOL_SOCKET, SO_SNDBUF, 65536);
    expect(client.ioctl(SIOCOUTQ)).to.equal(0);
    expect(client.ioctl(SIOCOUTQNSD)).to.equal(0);
    const chunk = Buffer.alloc(16384, 1);
    let sent = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        sent += client.send(chunk, MSG_DONTWAIT);
      } catch (error) {
        if (error.code !== 'EAGAIN') throw error;
        break;
      }
    }
    // Every byte send() took is in our send queue (SIOCOUTQ) until the peer acknowledges it, and then
    // in the peer's receive queue (FIONREAD), which nobody reads; a byte being acknowledged just now
    // counts in both for a moment, so wait (bounded) for the two to settle.
    let queued = client.ioctl(SIOCOUTQ);
    let received = accepted.ioctl(FIONREAD);
    for (let i = 0; i < 100 && queued + received !== sent; i++) {
      poll([{ fd: accepted, events: POLLPRI }], 10);
      queued = client.ioctl(SIOCOUTQ);
      received = accepted.ioctl(FIONREAD);
    }
    expect(queued + received).to.equal(sent);
    expect(queued, 'the window is full: some of it waits in our queue').to.be.above(0);
    const unsent = client.ioctl(SIOCOUTQNSD);
    expect(unsent).to.be.above(0).and.at.most(queued);
  });

  it('SIOCATMARK and sockatmark(): false before the urgent mark, true once the bytes before it are read', function () {
    const [client, accepted] = tcpPair();
    client.send('ab');
    client.send('c', MSG_OOB);
    // The urgent byte is signalled apart from the stream: POLLPRI.
    for (let i = 0; i < 200 && poll([{ fd: accepted, events: POLLPRI }], 10).length === 0; i++);
    expect(waitForBytes(accepted, 2)).to.equal(2);
    expect(accepted.sockatmark()).to.equal(false);
    expect(accepted.ioctl(SIOCATMARK)).to.equal(0);
    expect(accepted.recv(100).toString(), 'a recv stops at the mark').to.equal('ab');
    expect(accepted.sockatmark()).to.equal(true);
    expect(accepted.recv(1, MSG_OOB).toString()).to.equal('c');
  });

  it('works on a promise Socket the same way', async function () {
    const [a, b] = promises.Socket.pair(AF_UNIX, SOCK_STREAM);
    track(a, b);
    await b.send('four');
    expect(a.ioctl(FIONREAD)).to.equal(4);
    expect(a.sockatmark()).to.equal(false);
  });

  it('refuses every other request before any syscall, and reports the kernel refusals', function () {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
    track(a, b);
    for (const request of [0x5401 /* TCGETS */, 0x8912 /* SIOCGIFCONF */, 0, -1]) {
      throwsLike(() => a.ioctl(request), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /takes FIONREAD, SIOCINQ, SIOCOUTQ, SIOCOUTQNSD and SIOCATMARK/ });
    }
    throwsLike(() => a.ioctl('FIONREAD'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
    throwsLike(() => a.ioctl(1.5), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
    throwsLike(() => a.ioctl(), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
    throwsLike(() => a.ioctl(SIOCOUTQNSD), { instanceOf: SocketError, code: 'ENOTTY', syscall: 'ioctl' });
    const server = listener();
    throwsLike(() => server.ioctl(FIONREAD), { instanceOf: SocketError, code: 'EINVAL', syscall: 'ioctl' });
    const closed = socket(AF_INET, SOCK_STREAM);
    closed.close();
    throwsLike(() => closed.ioctl(FIONREAD), { code: 'EBADF', syscall: 'ioctl' });
    throwsLike(() => closed.sockatmark(), { code: 'EBADF', syscall: 'ioctl' });
  });

  it('is traced in strace notation (SIOCOUTQ under its number\'s name, TIOCOUTQ)', function () {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
    track(a, b);
    b.send('xyz');
    const lines = [];
    sockcall.trace((line) => lines.push(line.replace(/\s+=/, ' =')));
    try {
      a.ioctl(SIOCINQ);
      a.sockatmark();
      b.ioctl(SIOCOUTQ);
      try {
        b.ioctl(SIOCOUTQNSD);
      } catch {
        // ENOTTY on a Unix socket: traced with the buffer's address
      }
    } finally {
      sockcall.trace(false);
    }
    expect(lines.slice(0, 2)).to.deep.equal([`ioctl(${a.fd}, FIONREAD, [3]) = 0`, `ioctl(${a.fd}, SIOCATMARK, [0]) = 0`]);
    expect(lines[2]).to.match(new RegExp(`^ioctl\\(${b.fd}, TIOCOUTQ, \\[\\d+\\]\\) = 0$`));
    expect(lines[3]).to.match(new RegExp(`^ioctl\\(${b.fd}, SIOCOUTQNSD, 0x[0-9a-f]+\\) = -1 ENOTTY \\(Inappropriate ioctl for device\\)$`));
  });
});
