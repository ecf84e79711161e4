// The promise flavour under load, all on Node's event loop and never on the libuv thread pool:
//   - 1,000 concurrent loopback connections echoing through one promise server, in one thread;
//   - 64 pending accepts and 64 pending recvs (far more than the pool's 4 threads) while timers
//     keep ticking and fs.promises.readFile still completes promptly;
//   - a promise server serving 200 clients that run the BLOCKING flavour in a worker thread.
// Every awaited call carries a `timeout` option or is raced against a bounded timer; every socket is
// tracked and closed after the test.
import { expect } from 'chai';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { AF_INET, SHUT_WR, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, Socket } from 'sockcall/promises';

import { openFdCount, root, runPeer, track } from './helpers.mjs';

/** How long any single awaited socket call may wait before it rejects with ETIMEDOUT. */
const CALL_MS = 10000;

/** The size of each client's message. */
const MESSAGE_BYTES = 1024;

/**
 * Client `i`'s message: MESSAGE_BYTES bytes starting with its index in text, the rest a pattern
 * seeded by the index, so no two clients send the same bytes. Self-contained: its source is also
 * evaluated in the worker of the blocking-client test.
 */
function message(i, size) {
  const bytes = Buffer.alloc(size);
  const head = Buffer.from(`client ${i} of the load test|`);
  head.copy(bytes);
  let x = (i * 2654435761 + 1) >>> 0;
  for (let j = head.length; j < size; j++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[j] = x >>> 24;
  }
  return bytes;
}

/** Rejects with a clear message if `promise` has not settled within `ms`. */
function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The soft and hard RLIMIT_NOFILE, as /proc/self/limits states them. */
function nofileLimits() {
  const text = readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (match === null) throw new Error(`no "Max open files" line in /proc/self/limits:\n${text}`);
  const value = (word) => (word === 'unlimited' ? Infinity : Number(word));
  return { soft: value(match[1]), hard: value(match[2]) };
}

/** The number of this process's open fds that are sockets. */
function openSocketCount() {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed between the listing and the readlink
    }
  }).length;
}

/** A tracked promise TCP listener on an ephemeral 127.0.0.1 port. */
function promiseListener(backlog) {
  const server = track(new Socket(AF_INET, SOCK_STREAM));
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(backlog);
  return server;
}

/** Awaits exactly `length` bytes from promise socket `sock`, each recv bounded by CALL_MS. */
async function recvExactly(sock, length) {
  const parts = [];
  let got = 0;
  while (got < length) {
    const chunk = await sock.recv(length - got, { timeout: CALL_MS });
    if (chunk.length === 0) throw new Error(`EOF after ${got} of ${length} bytes`);
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

/**
 * A promise echo server on `server`: accepts `count` connections in a loop and echoes each with
 * recv/sendAll until EOF, then closes it. Counts the connections open at once. No promise it makes
 * can reject unhandled: errors are collected in `errors` and checked by the test.
 */
function echoServer(server, count) {
  const state = { open: 0, maxOpen: 0, accepted: 0, echoed: 0, errors: [], handlers: [] };
  let reachedCount;
  state.allOpen = new Promise((resolve) => {
    reachedCount = resolve;
  });
  async function echo(conn) {
    try {
      for (;;) {
        const data = await conn.recv(4096, { timeout: CALL_MS });
        if (data.length === 0) return;
        await conn.sendAll(data, { timeout: CALL_MS });
        state.echoed += data.length;
      }
    } finally {
      state.open--;
      conn.close();
    }
  }
  state.accepting = (async () => {
    for (let i = 0; i < count; i++) {
      const conn = track(await server.accept({ timeout: CALL_MS }));
      state.accepted++;
      state.open++;
      state.maxOpen = Math.max(state.maxOpen, state.open);
      if (state.open === count) reachedCount();
      state.handlers.push(echo(conn).catch((error) => state.errors.push(error)));
    }
  })().catch((error) => state.errors.push(error));
  return state;
}

describe('94 promises: load', function () {
  it('echoes 1,000 concurrent connections through one promise server on one thread, then frees every fd', async function () {
    this.timeout(30000);
    const N = 1000;
    const { soft } = nofileLimits();
    if (soft < 2100) {
      throw new Error(
        `RLIMIT_NOFILE soft limit is ${soft} (from /proc/self/limits); this test needs at least 2100 fds ` +
          `(${N} client + ${N} server sockets plus Node's own). Raise it (ulimit -n) and run again.`,
      );
    }
    const baseline = openFdCount();
    const baselineSockets = openSocketCount();

    const run = async () => {
      const server = promiseListener(2048);
      const address = server.getsockname();
      const state = echoServer(server, N);

      // Every client connects before any of them sends.
      const clients = Array.from({ length: N }, () => track(new Socket(AF_INET, SOCK_STREAM)));
      await Promise.all(clients.map((client) => client.connect(address, { timeout: CALL_MS })));
      // The server holds all 1,000 connections open at the same time: that is the concurrency.
      await withDeadline(state.allOpen, CALL_MS, `server reaching ${N} open connections (at ${state.open})`);
      expect(state.errors).to.deep.equal([]);
      expect(state.open).to.equal(N);
      expect(state.maxOpen).to.equal(N);
      expect(state.echoed, 'nothing echoed before any client sent').to.equal(0);

      // Each client sends its own message, awaits the whole echo, checks it byte for byte, then
      // half-closes: the server answers EOF with EOF, so nothing was echoed beyond the message.
      const mismatches = [];
      await Promise.all(
        clients.map(async (client, i) => {
          const sent = message(i, MESSAGE_BYTES);
          expect(await client.sendAll(sent, { timeout: CALL_MS })).to.equal(MESSAGE_BYTES);
          const echoed = await recvExactly(client, MESSAGE_BYTES);
          if (!echoed.equals(sent)) mismatches.push(i);
          client.shutdown(SHUT_WR);
          const end = await client.recv(1, { timeout: CALL_MS });
          expect(end.length, `client ${i}: EOF after the echo`).to.equal(0);
          client.close();
        }),
      );
      expect(mismatches, 'clients whose echo differed from what they sent').to.deep.equal([]);

      await state.accepting;
      await Promise.all(state.handlers);
      expect(state.errors).to.deep.equal([]);
      expect(state.accepted).to.equal(N);
      expect(state.open).to.equal(0);
      expect(state.echoed).to.equal(N * MESSAGE_BYTES);
      server.close();
    };
    await withDeadline(run(), 28000, `${N} concurrent echo connections`);

    // All 2,000 connection fds and the listener are closed: back to where the test started. (The
    // total may only drop below it if a worker left by an earlier test file finished closing its own
    // fds meanwhile; the socket count must match exactly.)
    expect(openSocketCount(), 'open socket fds after the test').to.equal(baselineSockets);
    expect(openFdCount(), 'open fds after the test').to.be.at.most(baseline);
  });

  it('keeps 64 accepts and 64 recvs pending off the thread pool: timers tick, readFile completes, then all resolve', async function () {
    this.timeout(20000);
    const COUNT = 64;
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    expect(COUNT, 'pending accepts (and recvs) per kind, against the libuv pool threads').to.be.at.least(poolSize * 4);

    // 64 connected TCP pairs, for the pending recvs.
    const setup = promiseListener(COUNT);
    const senders = Array.from({ length: COUNT }, () => track(new Socket(AF_INET, SOCK_STREAM)));
    const connecting = Promise.all(senders.map((s) => s.connect(setup.getsockname(), { timeout: CALL_MS })));
    const acceptedForSetup = [];
    for (let i = 0; i < COUNT; i++) acceptedForSetup.push(track(await setup.accept({ timeout: CALL_MS })));
    await connecting;
    const byPeerPort = new Map(acceptedForSetup.map((conn) => [conn.getpeername().port, conn]));
    const receivers = senders.map((s) => byPeerPort.get(s.getsockname().port));
    expect(receivers.every((r) => r !== undefined)).to.equal(true);

    // 64 listeners, for the pending accepts.
    const listeners = Array.from({ length: COUNT }, () => promiseListener(4));

    // Start all 128 waits; nothing is there for any of them yet.
    let settled = 0;
    const watch = (promise) => {
      promise.then(
        () => settled++,
        () => settled++,
      );
      return promise;
    };
    const accepts = listeners.map((l) => watch(l.accept({ timeout: CALL_MS }).then((conn) => track(conn))));
    const recvs = receivers.map((r) => watch(r.recv(4096, { timeout: CALL_MS })));

    // While they wait: a 5 ms interval keeps ticking, and readFile (which needs the thread pool)
    // completes promptly, 8 at once, twice the pool's threads.
    let ticks = 0;
    const interval = setInterval(() => ticks++, 5);
    try {
      const expected = readFileSync(join(root, 'package.json'));
      const started = performance.now();
      const contents = await withDeadline(
        Promise.all(Array.from({ length: 8 }, () => readFile(join(root, 'package.json')))),
        2000,
        'fs.promises.readFile while 128 socket calls are pending',
      );
      const readMs = performance.now() - started;
      for (const content of contents) expect(content.equals(expected)).to.equal(true);
      expect(readMs, 'readFile duration (ms) with 128 socket calls pending').to.be.below(500);

      const ticksBefore = ticks;
      await delay(100);
      expect(ticks - ticksBefore, '5 ms interval ticks in 100 ms of waiting').to.be.at.least(10);
    } finally {
      clearInterval(interval);
    }
    expect(settled, 'calls settled before any connection or data arrived').to.equal(0);

    // Now the connections and the data arrive: every pending call resolves with the right thing.
    const clients = Array.from({ length: COUNT }, () => track(new Socket(AF_INET, SOCK_STREAM)));
    await Promise.all(clients.map((c, i) => c.connect(listeners[i].getsockname(), { timeout: CALL_MS })));
    const payloads = senders.map((_, i) => Buffer.from(`pending recv ${i} gets exactly this`));
    await Promise.all(senders.map((s, i) => s.sendAll(payloads[i], { timeout: CALL_MS })));

    const conns = await withDeadline(Promise.all(accepts), CALL_MS, 'the 64 pending accepts');
    conns.forEach((conn, i) => {
      expect(conn).to.be.an.instanceOf(Socket);
      expect(conn.getpeername(), `accept ${i}: peer`).to.deep.equal(clients[i].getsockname());
      expect(conn.getsockname(), `accept ${i}: local`).to.deep.equal(listeners[i].getsockname());
    });
    const received = await withDeadline(Promise.all(recvs), CALL_MS, 'the 64 pending recvs');
    received.forEach((data, i) => expect(data.toString(), `recv ${i}`).to.equal(payloads[i].toString()));
    expect(settled).to.equal(2 * COUNT);

    // The accepted connections work both ways.
    await Promise.all(conns.map((conn, i) => conn.sendAll(`back ${i}`, { timeout: CALL_MS })));
    const back = await Promise.all(clients.map((c, i) => recvExactly(c, `back ${i}`.length)));
    back.forEach((data, i) => expect(data.toString()).to.equal(`back ${i}`));
  });

  it('serves 200 blocking-flavour clients running in a worker thread, 20 at a time', async function () {
    this.timeout(20000);
    const TOTAL = 200;
    const BATCH = 20;
    const server = promiseListener(64);
    const state = echoServer(server, TOTAL);

    // The worker runs the blocking flavour ('sockcall'): each batch connects 20 sockets, sends each
    // its message, then waits with poll() and reads whichever echo is ready, checking each byte for
    // byte and that EOF follows it. SO_RCVTIMEO/SO_SNDTIMEO bound every blocking call.
    const result = await runPeer(
      `
      const { AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, SHUT_WR, POLLIN, Socket, poll } = sockcall;
      const message = ${message.toString()};
      let verified = 0;
      let maxConcurrent = 0;
      for (let start = 0; start < data.total; start += data.batch) {
        const batch = [];
        try {
          for (let i = start; i < Math.min(start + data.batch, data.total); i++) {
            const s = new Socket(AF_INET, SOCK_STREAM);
            batch.push({ s, i, expected: message(i, data.size), parts: [], got: 0 });
            s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 5000);
            s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, 5000);
            s.connect({ address: '127.0.0.1', port: data.port });
          }
          maxConcurrent = Math.max(maxConcurrent, batch.length);
          for (const c of batch) {
            if (c.s.sendAll(c.expected) !== data.size) throw new Error('client ' + c.i + ': short sendAll');
          }
          let pending = batch.slice();
          while (pending.length > 0) {
            const ready = poll(pending.map((c) => ({ fd: c.s, events: POLLIN })), 5000);
            if (ready.length === 0) throw new Error('poll timed out with ' + pending.length + ' echoes missing');
            for (const entry of ready) {
              const c = pending.find((p) => p.s === entry.fd);
              const chunk = c.s.recv(data.size - c.got);
              if (chunk.length === 0) throw new Error('client ' + c.i + ': EOF after ' + c.got + ' bytes');
              c.parts.push(chunk);
              c.got += chunk.length;
              if (c.got === data.size) {
                if (!Buffer.concat(c.parts).equals(c.expected)) throw new Error('client ' + c.i + ': echo differs');
                c.s.shutdown(SHUT_WR);
                if (c.s.recv(1).length !== 0) throw new Error('client ' + c.i + ': bytes after the echo');
                c.s.close();
                verified++;
                pending = pending.filter((p) => p !== c);
              }
            }
          }
        } finally {
          for (const c of batch) c.s.close();
        }
      }
      return { verified, maxConcurrent };
      `,
      { port: server.getsockname().port, total: TOTAL, batch: BATCH, size: MESSAGE_BYTES },
      { timeout: 15000 },
    );
    expect(result).to.deep.equal({ verified: TOTAL, maxConcurrent: BATCH });

    await withDeadline(state.accepting, CALL_MS, 'the server accepting 200 connections');
    await withDeadline(Promise.all(state.handlers), CALL_MS, 'the server finishing its 200 echoes');
    expect(state.errors).to.deep.equal([]);
    expect(state.accepted).to.equal(TOTAL);
    expect(state.open).to.equal(0);
    expect(state.echoed).to.equal(TOTAL * MESSAGE_BYTES);
  });
});
