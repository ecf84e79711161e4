// Kernel states where epoll keeps reporting a socket ready while the syscall still says EAGAIN.
// A level-triggered poller would wake on every loop turn and spin a CPU until the call ends; the
// promise flavour notices wake-ups that let no call finish and backs off to timed retries (1 ms
// doubling to 64 ms). Asserted here: the CPU time the process spends while one call waits, and
// that the call still completes once the state clears.
import { expect } from 'chai';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as P from 'sockcall/promises';

import { track } from './helpers.mjs';

const { AF_INET, AF_UNIX, IPPROTO_IP, IP_RECVERR, SHUT_RD, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, Socket, select } = P;

/**
 * Runs `wait` and reports what share of one CPU the process used meanwhile (user + system time over
 * wall time) and how the call ended. Spinning is ~100%; an idle wait stays near 0.
 */
async function cpuWhile(wait) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const outcome = await wait().then(
    (value) => ({ value }),
    (error) => ({ code: error.code }),
  );
  const used = process.cpuUsage(cpu);
  const wallUs = Number(process.hrtime.bigint() - start) / 1e3;
  return { ...outcome, cpuShare: (used.user + used.system) / wallUs, ms: wallUs / 1e3 };
}

/** Well under a spin (≈1.0) and above an idle wait with timed retries (a few %). */
const MAX_CPU_SHARE = 0.3;

describe('92 promise calls in states that read ready but would block', function () {
  this.timeout(20000);

  it('recv on a UDP socket after shutdown(SHUT_RD) waits without spinning until its timeout', async function () {
    const udp = track(new Socket(AF_INET, SOCK_DGRAM));
    udp.bind({ address: '127.0.0.1', port: 0 });
    await udp.connect(udp.getsockname());
    udp.shutdown(SHUT_RD);
    const result = await cpuWhile(() => udp.recv(100, { timeout: 1000 }));
    expect(result.code).to.equal('ETIMEDOUT');
    expect(result.cpuShare).to.be.below(MAX_CPU_SHARE);
  });

  it('sendto from an unconnected AF_UNIX datagram socket to a full receiver: no spin, and it goes through once the receiver reads', async function () {
    const path = join(tmpdir(), `sockcall-stuck-${process.pid}.sock`);
    const receiver = track(new Socket(AF_UNIX, SOCK_DGRAM));
    receiver.bind({ path });
    try {
      const sender = track(new Socket(AF_UNIX, SOCK_DGRAM));
      const datagram = Buffer.alloc(100, 7);
      // Fill the receiver's queue (max_dgram_qlen, 10 by default) until a send has to wait.
      let queued = 0;
      for (; queued < 10000; queued++) {
        const outcome = await sender.sendto(datagram, { path }, { timeout: 20 }).catch((error) => error);
        if (outcome instanceof Error) {
          expect(outcome.code).to.equal('ETIMEDOUT');
          break;
        }
      }
      expect(queued).to.be.above(0).and.below(10000);
      const drain = setTimeout(() => receiver.recv(200).catch(() => {}), 700);
      const result = await cpuWhile(() => sender.sendto(datagram, { path }, { timeout: 5000 }));
      clearTimeout(drain);
      expect(result.value, `ended with ${result.code}`).to.equal(100);
      expect(result.ms, 'resolved soon after the receiver read').to.be.within(600, 2000);
      expect(result.cpuShare).to.be.below(MAX_CPU_SHARE);
      let received = 0;
      // queued + 1 went in; the timer read one.
      for (let i = 0; i < queued; i++) received += (await receiver.recv(200, { timeout: 1000 })).length;
      expect(received, 'every datagram queued, none lost').to.equal(100 * queued);
    } finally {
      unlinkSync(path);
    }
  });

  it('recv on a connected UDP socket with IP_RECVERR and a queued ICMP error: reports it once, then waits without spinning', async function () {
    // A port nobody listens on: bind, read the port back, close.
    const gone = new Socket(AF_INET, SOCK_DGRAM);
    gone.bind({ address: '127.0.0.1', port: 0 });
    const target = gone.getsockname();
    gone.close();
    const udp = track(new Socket(AF_INET, SOCK_DGRAM));
    udp.setsockopt(IPPROTO_IP, IP_RECVERR, 1);
    await udp.connect(target);
    await udp.send('anyone there?');
    const first = await udp.recv(100, { timeout: 2000 }).catch((error) => error);
    expect(first.code, 'the ICMP port unreachable, as the pending socket error').to.equal('ECONNREFUSED');
    // The error stays queued (it is read with MSG_ERRQUEUE): epoll keeps saying POLLERR.
    const result = await cpuWhile(() => udp.recv(100, { timeout: 1000 }));
    expect(result.code).to.equal('ETIMEDOUT');
    expect(result.cpuShare).to.be.below(MAX_CPU_SHARE);
  });

  it('select on the except set of a hung-up stream socket waits out its timeout without spinning', async function () {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
    track(a, b);
    b.close();
    const result = await cpuWhile(() => select([], [], [a], 800));
    expect(result.value).to.deep.equal({ read: [], write: [], except: [] });
    expect(result.ms).to.be.at.least(750);
    expect(result.cpuShare).to.be.below(MAX_CPU_SHARE);
  });

  it('a sendAll to a reader taking small bites completes with every byte (partial sends are progress, not fruitless wake-ups)', async function () {
    const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
    track(a, b);
    const size = 8 * 1024 * 1024;
    const sending = a.sendAll(Buffer.alloc(size, 1), { timeout: 15000 });
    let received = 0;
    while (received < size) {
      const chunk = await b.recv(4096, { timeout: 5000 });
      if (chunk.length === 0) break;
      received += chunk.length;
    }
    expect(await sending).to.equal(size);
    expect(received).to.equal(size);
    a.shutdown(SHUT_WR);
    expect((await b.recv(1, { timeout: 1000 })).length).to.equal(0);
  });
});
