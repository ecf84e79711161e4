// Batches of datagrams: sendmmsg and recvmmsg in both flavours, over UDP on 127.0.0.1 and ::1 and
// over Unix datagram sockets: order and boundaries kept, each sender's address, MSG_TRUNC on a cut
// datagram, SCM_RIGHTS in one message of a batch, a send the kernel stops early, empty batches and
// empty datagrams, recvmmsg's own timeout (blocking) and the promise flavour's wait for the first;
// recvmmsgInto into the caller's buffer; the try* forms' null for EAGAIN.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

import * as sockcall from 'sockcall';
import * as P from 'sockcall/promises';

import { bounded, guard, socket, throwsLike, track } from './helpers.mjs';

const { AF_INET, AF_INET6, AF_UNIX, MSG_CTRUNC, MSG_DONTWAIT, MSG_TRUNC, MSG_WAITFORONE, SCM_RIGHTS, SOCK_DGRAM, SOL_SOCKET, SO_RCVTIMEO, SO_SNDBUF, Socket } = sockcall;

const LOOPBACK = { [AF_INET]: '127.0.0.1', [AF_INET6]: '::1' };

/** A tracked, guarded UDP socket bound to an ephemeral loopback port. */
function udp(domain) {
  const s = socket(domain, SOCK_DGRAM);
  s.bind({ address: LOOPBACK[domain], port: 0 });
  return s;
}

/** A tracked promise UDP socket bound to an ephemeral loopback port. */
function promiseUdp(domain) {
  const s = track(new P.Socket(domain, SOCK_DGRAM));
  s.bind({ address: LOOPBACK[domain], port: 0 });
  return s;
}

/** The bytes of the received messages, as strings. */
const texts = (messages) => messages.map(({ data }) => data.toString());

/**
 * More datagrams than `sender`'s send buffer holds: it is made small (SO_SNDBUF), and the datagrams
 * of a Unix socket count against it until the peer reads them. Each starts with its index.
 */
function fillingBatch(sender) {
  sender.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
  const room = sender.getsockopt(SOL_SOCKET, SO_SNDBUF);
  return Array.from({ length: Math.min(1024, Math.ceil(room / 512) + 8) }, (_, i) => ({ data: Buffer.concat([Buffer.from(`${i};`), Buffer.alloc(500)]) }));
}

/** An SCM_RIGHTS item carrying `fd`. */
function rights(fd) {
  const data = Buffer.alloc(4);
  data.writeInt32LE(fd);
  return { level: SOL_SOCKET, type: SCM_RIGHTS, data };
}

describe('54 sendmmsg and recvmmsg', function () {
  this.timeout(20000);

  describe('blocking', function () {
    for (const domain of [AF_INET, AF_INET6]) {
      const family = domain === AF_INET ? 'AF_INET' : 'AF_INET6';

      it(`sends a batch over ${family} in one call and receives it in one, in order, each with its sender`, function () {
        const receiver = udp(domain);
        const sender = udp(domain);
        const to = receiver.getsockname();
        const sent = sender.sendmmsg([
          { data: 'one', address: to },
          { buffers: ['tw', Buffer.from('o')], address: to },
          { data: new Uint8Array([0x74, 0x68, 0x72, 0x65, 0x65]), address: to },
          { data: '', address: to },
          { data: Buffer.alloc(1200, 7), address: to },
        ]);
        expect(sent).to.equal(5);
        const got = receiver.recvmmsg(8, 1500, { flags: MSG_WAITFORONE });
        expect(got).to.have.length(5);
        expect(texts(got.slice(0, 4))).to.deep.equal(['one', 'two', 'three', '']);
        expect(got[4].data.equals(Buffer.alloc(1200, 7))).to.equal(true);
        // data is sized to what arrived, not to `length`.
        expect(got.map(({ data }) => data.length)).to.deep.equal([3, 3, 5, 0, 1200]);
        for (const { address, flags } of got) {
          expect(address).to.deep.equal(sender.getsockname());
          expect(flags).to.equal(0);
        }
      });

      it(`tells each ${family} sender apart, and sends each message of a batch to its own address`, function () {
        const [r1, r2] = [udp(domain), udp(domain)];
        const [s1, s2] = [udp(domain), udp(domain)];
        expect(s1.sendmmsg([{ data: 'to r1', address: r1.getsockname() }, { data: 'to r2', address: r2.getsockname() }, { data: 'r1 again', address: r1.getsockname() }])).to.equal(3);
        expect(s2.sendmmsg([{ data: 'from s2', address: r1.getsockname() }])).to.equal(1);
        const atR1 = r1.recvmmsg(4, 64, { flags: MSG_WAITFORONE });
        expect(texts(atR1)).to.deep.equal(['to r1', 'r1 again', 'from s2']);
        expect(atR1.map(({ address }) => address.port)).to.deep.equal([s1.getsockname().port, s1.getsockname().port, s2.getsockname().port]);
        expect(texts(r2.recvmmsg(4, 64, { flags: MSG_WAITFORONE }))).to.deep.equal(['to r2']);
      });

      it(`cuts a ${family} datagram longer than length and flags it MSG_TRUNC, the next one whole`, function () {
        const receiver = udp(domain);
        const sender = udp(domain);
        sender.connect(receiver.getsockname());
        expect(sender.sendmmsg([{ data: Buffer.alloc(100, 1) }, { data: 'short' }])).to.equal(2);
        const got = receiver.recvmmsg(2, 10);
        expect(got[0].data.equals(Buffer.alloc(10, 1))).to.equal(true);
        expect(got[0].flags & MSG_TRUNC).to.equal(MSG_TRUNC);
        expect(got[1].data.toString()).to.equal('short');
        expect(got[1].flags & MSG_TRUNC).to.equal(0);
      });
    }

    it('waits for all `count` without MSG_WAITFORONE, as C does, and takes what is there with MSG_DONTWAIT', function () {
      const receiver = udp(AF_INET);
      const sender = udp(AF_INET);
      sender.connect(receiver.getsockname());
      sender.sendmmsg([{ data: 'a' }, { data: 'b' }, { data: 'c' }]);
      expect(texts(receiver.recvmmsg(2, 8))).to.deep.equal(['a', 'b']);
      expect(texts(receiver.recvmmsg(8, 8, { flags: MSG_DONTWAIT }))).to.deep.equal(['c']);
      throwsLike(() => receiver.recvmmsg(8, 8, { flags: MSG_DONTWAIT }), { code: 'EAGAIN', syscall: 'recvmmsg' });
    });

    it("applies recvmmsg's own timeout after each datagram: 0 takes one of three queued, a long one takes all", function () {
      const receiver = udp(AF_INET);
      const sender = udp(AF_INET);
      sender.connect(receiver.getsockname());
      sender.sendmmsg([{ data: '1' }, { data: '2' }, { data: '3' }]);
      expect(texts(receiver.recvmmsg(8, 8, { timeout: 0 }))).to.deep.equal(['1']);
      expect(texts(receiver.recvmmsg(8, 8, { flags: MSG_WAITFORONE, timeout: 10_000 }))).to.deep.equal(['2', '3']);
    });

    it('reports an empty queue under SO_RCVTIMEO as a timed-out EAGAIN', function () {
      const receiver = udp(AF_INET);
      receiver.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 50);
      const error = throwsLike(() => receiver.recvmmsg(4, 8, { flags: MSG_WAITFORONE }), { code: 'EAGAIN', syscall: 'recvmmsg' });
      expect(error.message).to.match(/SO_RCVTIMEO/);
    });

    it('sends nothing for an empty batch (0), and receives empty datagrams as empty Buffers', function () {
      const receiver = udp(AF_INET);
      const sender = udp(AF_INET);
      expect(sender.sendmmsg([])).to.equal(0);
      sender.connect(receiver.getsockname());
      expect(sender.sendmmsg([{ data: '' }, { buffers: [] }])).to.equal(2);
      const got = receiver.recvmmsg(4, 0, { flags: MSG_WAITFORONE });
      expect(got.map(({ data }) => data.length)).to.deep.equal([0, 0]);
    });

    it('stops at the first message the kernel refuses: the count of those sent, and an error when it is the first', function () {
      const receiver = udp(AF_INET);
      const sender = udp(AF_INET);
      sender.connect(receiver.getsockname());
      const tooBig = Buffer.alloc(70_000);
      expect(sender.sendmmsg([{ data: 'sent' }, { data: tooBig }, { data: 'never' }])).to.equal(1);
      throwsLike(() => sender.sendmmsg([{ data: tooBig }, { data: 'never' }]), { code: 'EMSGSIZE', syscall: 'sendmmsg' });
      expect(texts(receiver.recvmmsg(8, 16, { flags: MSG_WAITFORONE }))).to.deep.equal(['sent']);
      throwsLike(() => receiver.recvmmsg(8, 16, { flags: MSG_DONTWAIT }), { code: 'EAGAIN' });
    });

    it('sends part of a batch into a Unix datagram send buffer that fills, then EAGAIN, as the kernel counts', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => guard(track(s)));
      const batch = fillingBatch(a);
      const sent = a.sendmmsg(batch, MSG_DONTWAIT);
      expect(sent).to.be.above(0).and.below(batch.length);
      throwsLike(() => a.sendmmsg(batch.slice(sent), MSG_DONTWAIT), { code: 'EAGAIN', syscall: 'sendmmsg' });
      const got = b.recvmmsg(1024, 600, { flags: MSG_DONTWAIT });
      expect(got.map(({ data }) => data.toString('latin1'))).to.deep.equal(batch.slice(0, sent).map(({ data }) => data.toString('latin1')));
    });

    it('passes an fd with SCM_RIGHTS in one message of a batch over a Unix datagram pair', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => guard(track(s)));
      const file = openSync('/proc/self/stat', 'r');
      try {
        expect(a.sendmmsg([{ data: 'plain' }, { data: 'with fd', control: [rights(file)] }, { data: 'after' }])).to.equal(3);
        expect(b.recvmmsg(1, 16).map(({ data }) => data.toString())).to.deep.equal(['plain']);
        const { data, fds } = b.recvFds(1);
        expect(data.toString()).to.equal('with fd');
        expect(fds).to.have.length(1);
        expect(fstatSync(fds[0]).ino).to.equal(fstatSync(file).ino);
        closeSync(fds[0]);
        expect(texts(b.recvmmsg(4, 16, { flags: MSG_DONTWAIT }))).to.deep.equal(['after']);
      } finally {
        closeSync(file);
      }
    });

    it('installs no fd sent to recvmmsg, which offers no control buffer: MSG_CTRUNC, and nothing to leak', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => guard(track(s)));
      const file = openSync('/proc/self/stat', 'r');
      try {
        const before = readdirSync('/proc/self/fd').length;
        a.sendmmsg([{ data: 'fd', control: [rights(file)] }]);
        const [got] = b.recvmmsg(1, 4);
        expect(got.data.toString()).to.equal('fd');
        expect(got.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
        expect(readdirSync('/proc/self/fd').length).to.equal(before);
      } finally {
        closeSync(file);
      }
    });

    it('gives Unix senders their names: an unnamed one as path "", an abstract one as its name', function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => guard(track(s)));
      a.sendmmsg([{ data: 'unnamed' }]);
      expect(b.recvmmsg(2, 16, { flags: MSG_WAITFORONE })[0].address).to.deep.equal({ family: 'AF_UNIX', path: '' });
      const receiver = socket(AF_UNIX, SOCK_DGRAM);
      const name = `\0sockcall-54-${process.pid}-${randomBytes(6).toString('hex')}`;
      receiver.bind({ path: `${name}-r` });
      const sender = socket(AF_UNIX, SOCK_DGRAM);
      sender.bind({ path: name });
      expect(sender.sendmmsg([{ data: 'x', address: { path: `${name}-r` } }, { data: 'y', address: { path: `${name}-r` } }])).to.equal(2);
      const got = receiver.recvmmsg(4, 4, { flags: MSG_WAITFORONE });
      expect(got.map(({ address }) => address)).to.deep.equal([
        { family: 'AF_UNIX', path: name },
        { family: 'AF_UNIX', path: name },
      ]);
    });
  });

  describe('recvmmsgInto, blocking', function () {
    it("receives into the caller's buffer at i * length, lengths and msg_flags in results, the senders only when asked", function () {
      const receiver = udp(AF_INET);
      const sender = udp(AF_INET);
      const to = receiver.getsockname();
      expect(sender.sendmmsg([{ data: 'one', address: to }, { data: 'a longer one', address: to }, { data: '', address: to }])).to.equal(3);
      const buffer = Buffer.alloc(4 * 8, 0xee);
      const results = new Int32Array(8).fill(-1);
      const senders = [];
      expect(receiver.recvmmsgInto(buffer, 4, 8, results, { flags: MSG_WAITFORONE, senders })).to.equal(3);
      expect(buffer.subarray(0, 3).toString()).to.equal('one');
      expect(buffer.subarray(8, 16).toString()).to.equal('a longer');
      expect([...results.subarray(0, 6)]).to.deep.equal([3, 0, 8, MSG_TRUNC, 0, 0]);
      // The fourth slot is untouched: nothing arrived for it.
      expect(buffer.subarray(24).equals(Buffer.alloc(8, 0xee))).to.equal(true);
      expect(results[6]).to.equal(-1);
      expect(senders).to.deep.equal([sender.getsockname(), sender.getsockname(), sender.getsockname()]);
      // Without `senders`, into any ArrayBufferView at its own offset.
      sender.sendto('xy', to);
      const bytes = new Uint8Array(new ArrayBuffer(16), 4, 4);
      expect(receiver.recvmmsgInto(bytes, 2, 2, results)).to.equal(1);
      expect(Buffer.from(bytes.subarray(0, 2)).toString()).to.equal('xy');
      expect([...results.subarray(0, 2)]).to.deep.equal([2, 0]);
      throwsLike(() => receiver.recvmmsgInto(buffer, 4, 8, results, { flags: MSG_DONTWAIT }), { code: 'EAGAIN', syscall: 'recvmmsg' });
    });

    it("reports the real length with MSG_TRUNC, and gives a Unix pair's unnamed sender as path \"\"", function () {
      const [a, b] = Socket.pair(AF_UNIX, SOCK_DGRAM).map((s) => guard(track(s)));
      a.sendmmsg([{ data: Buffer.alloc(100, 1) }, { data: 'ok' }]);
      const buffer = Buffer.alloc(2 * 10);
      const results = new Int32Array(4);
      const senders = [];
      expect(b.recvmmsgInto(buffer, 2, 10, results, { flags: MSG_TRUNC, senders })).to.equal(2);
      expect([...results]).to.deep.equal([100, MSG_TRUNC, 2, 0]);
      expect(buffer.subarray(0, 10).equals(Buffer.alloc(10, 1))).to.equal(true);
      expect(senders).to.deep.equal([{ family: 'AF_UNIX', path: '' }, { family: 'AF_UNIX', path: '' }]);
    });

    it('tryRecvmmsg and tryRecvmmsgInto return null for EAGAIN (results and senders untouched), else as recvmmsg', function () {
      const receiver = udp(AF_INET);
      const sender = udp(AF_INET);
      const buffer = Buffer.alloc(4 * 8);
      const results = new Int32Array(8).fill(-7);
      const senders = ['untouched'];
      expect(receiver.tryRecvmmsg(4, 8, { flags: MSG_DONTWAIT })).to.equal(null);
      expect(receiver.tryRecvmmsgInto(buffer, 4, 8, results, { flags: MSG_DONTWAIT, senders })).to.equal(null);
      expect([...results]).to.deep.equal(new Array(8).fill(-7));
      expect(senders).to.deep.equal(['untouched']);
      expect(sender.sendmmsg([{ data: 'a', address: receiver.getsockname() }, { data: 'bc', address: receiver.getsockname() }])).to.equal(2);
      const got = receiver.tryRecvmmsg(1, 8);
      expect(texts(got)).to.deep.equal(['a']);
      expect(receiver.tryRecvmmsgInto(buffer, 4, 8, results, { flags: MSG_DONTWAIT, senders })).to.equal(1);
      expect(buffer.subarray(0, results[0]).toString()).to.equal('bc');
      expect(senders[0]).to.deep.equal(sender.getsockname());
      // A failure other than EAGAIN still throws.
      receiver.close();
      throwsLike(() => receiver.tryRecvmmsg(1, 8), { code: 'EBADF' });
    });

    it('rejects a buffer or results too short for count, and bad options, before any syscall', function () {
      const receiver = udp(AF_INET);
      const results = new Int32Array(8);
      throwsLike(() => receiver.recvmmsgInto(Buffer.alloc(31), 4, 8, results), { name: 'RangeError' });
      throwsLike(() => receiver.recvmmsgInto(Buffer.alloc(32), 4, 8, new Int32Array(7)), { name: 'RangeError' });
      throwsLike(() => receiver.recvmmsgInto(Buffer.alloc(32), 4, 8, new Uint32Array(8)), { name: 'TypeError' });
      throwsLike(() => receiver.recvmmsgInto('buffer', 4, 8, results), { name: 'TypeError' });
      throwsLike(() => receiver.recvmmsgInto(Buffer.alloc(32), 4, 8, results, { senders: {} }), { name: 'TypeError' });
      throwsLike(() => receiver.recvmmsgInto(Buffer.alloc(32), 0, 8, results), { name: 'RangeError' });
    });
  });

  it('keeps the datagrams of one recvmmsg batch above 64 KiB apart from the next batch into the same kept buffer', function () {
    const receiver = udp(AF_INET);
    const sender = udp(AF_INET);
    sender.connect(receiver.getsockname());
    sender.sendmmsg([{ data: Buffer.alloc(1200, 1) }, { data: Buffer.alloc(1200, 2) }]);
    const first = receiver.recvmmsg(64, 1500, { flags: MSG_WAITFORONE });
    sender.sendmmsg([{ data: Buffer.alloc(1200, 3) }]);
    const second = receiver.recvmmsg(64, 1500, { flags: MSG_WAITFORONE });
    expect(first.map(({ data }, i) => data.equals(Buffer.alloc(1200, i + 1)))).to.deep.equal([true, true]);
    expect(second[0].data.equals(Buffer.alloc(1200, 3))).to.equal(true);
  });

  describe('promises', function () {
    it("recvmmsgInto waits for the first datagram, then takes what else is there into the caller's buffer", async function () {
      const receiver = promiseUdp(AF_INET);
      const sender = promiseUdp(AF_INET);
      const to = receiver.getsockname();
      const buffer = Buffer.alloc(8 * 16);
      const results = new Int32Array(16);
      const senders = [];
      const pending = receiver.recvmmsgInto(buffer, 8, 16, results, { timeout: 5000, senders });
      await delay(30);
      expect(await sender.sendmmsg([{ data: 'a', address: to }, { data: 'bc', address: to }])).to.equal(2);
      expect(await bounded(pending)).to.equal(2);
      expect([...results.subarray(0, 4)]).to.deep.equal([1, 0, 2, 0]);
      expect(buffer.subarray(0, 1).toString() + buffer.subarray(16, 18).toString()).to.equal('abc');
      expect(senders).to.deep.equal([sender.getsockname(), sender.getsockname()]);
      const timedOut = await receiver.recvmmsgInto(buffer, 8, 16, results, { timeout: 30 }).catch((error) => error);
      expect(timedOut).to.include({ code: 'ETIMEDOUT', syscall: 'recvmmsg' });
      expect(await receiver.recvmmsgInto(buffer, 9, 16, results).catch((error) => error)).to.be.instanceOf(RangeError);
    });

    for (const domain of [AF_INET, AF_INET6]) {
      const family = domain === AF_INET ? 'AF_INET' : 'AF_INET6';

      it(`waits over ${family} for the first datagram, then takes what else is there`, async function () {
        const receiver = promiseUdp(domain);
        const sender = promiseUdp(domain);
        const to = receiver.getsockname();
        const pending = receiver.recvmmsg(16, 64, { timeout: 5000 });
        await delay(30);
        expect(await sender.sendmmsg([{ data: 'a', address: to }, { data: 'b', address: to }, { data: 'c', address: to }])).to.equal(3);
        const got = await bounded(pending);
        expect(texts(got)).to.deep.equal(['a', 'b', 'c']);
        for (const { address } of got) expect(address).to.deep.equal(sender.getsockname());
      });
    }

    it('times out (ETIMEDOUT) or aborts having taken nothing: the next call gets the datagram', async function () {
      const receiver = promiseUdp(AF_INET);
      const sender = promiseUdp(AF_INET);
      const timedOut = await receiver.recvmmsg(4, 8, { timeout: 30 }).catch((error) => error);
      expect(timedOut).to.include({ code: 'ETIMEDOUT', syscall: 'recvmmsg' });
      const controller = new AbortController();
      const aborted = receiver.recvmmsg(4, 8, { signal: controller.signal });
      controller.abort();
      expect(await aborted.catch((error) => error)).to.be.instanceOf(P.AbortError);
      await sender.sendmmsg([{ data: 'kept', address: receiver.getsockname() }]);
      expect(texts(await bounded(receiver.recvmmsg(4, 8, { timeout: 5000 })))).to.deep.equal(['kept']);
    });

    it('cuts and flags MSG_TRUNC, and passes an fd with SCM_RIGHTS, over a Unix datagram pair', async function () {
      const [a, b] = P.Socket.pair(AF_UNIX, SOCK_DGRAM);
      track(a, b);
      const file = openSync('/proc/self/stat', 'r');
      try {
        expect(await a.sendmmsg([{ data: 'a long datagram' }, { data: 'fd', control: [rights(file)] }])).to.equal(2);
        const [cut] = await b.recvmmsg(1, 6);
        expect(cut.data.toString()).to.equal('a long');
        expect(cut.flags & MSG_TRUNC).to.equal(MSG_TRUNC);
        expect(cut.address).to.deep.equal({ family: 'AF_UNIX', path: '' });
        const { data, fds } = await b.recvFds(1);
        expect(data.toString()).to.equal('fd');
        expect(fstatSync(fds[0]).ino).to.equal(fstatSync(file).ino);
        closeSync(fds[0]);
      } finally {
        closeSync(file);
      }
    });

    it('sends part of a batch into a full queue, then waits for room (EAGAIN) and sends when the peer reads', async function () {
      const [a, b] = P.Socket.pair(AF_UNIX, SOCK_DGRAM);
      track(a, b);
      const batch = fillingBatch(a);
      const sent = await a.sendmmsg(batch);
      expect(sent).to.be.above(0).and.below(batch.length);
      let settled = false;
      const rest = a.sendmmsg(batch.slice(sent), { timeout: 5000 }).finally(() => (settled = true));
      await delay(30);
      expect(settled, 'the rest waits for room').to.equal(false);
      const got = await bounded(b.recvmmsg(1024, 600, { timeout: 5000 }));
      const more = await bounded(rest);
      expect(more).to.be.above(0);
      for (let i = 0; i < 100 && got.length < sent + more; i++) got.push(...(await bounded(b.recvmmsg(1024, 600, { timeout: 5000 }))));
      expect(got.map(({ data }) => data.toString('latin1'))).to.deep.equal(batch.slice(0, sent + more).map(({ data }) => data.toString('latin1')));
    });

    it('resolves an empty batch with 0 without waiting', async function () {
      const sender = promiseUdp(AF_INET);
      expect(await sender.sendmmsg([])).to.equal(0);
    });
  });
});
