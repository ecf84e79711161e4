// Pre-forking servers: examples/reuseport-server (each worker its own SO_REUSEPORT
// listener on one port, the kernel spreading connections) and examples/fd-passing-server (the
// parent accepts and passes each connection to a worker with SCM_RIGHTS, round robin), each run
// as a child process with 3 workers on port 0. 60 clients from this process (promise flavour) check
// every echo byte-exact and which worker served them; then the server is stopped (SIGTERM,
// --clients, or SIGKILL of the parent alone) and every process of it must be gone.
//
// The examples are run from examples/dist/, which `npx tsc -p examples` builds.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as P from 'sockcall/promises';

import { GUARD_MS, bounded, root, track } from './helpers.mjs';

const { AF_INET, SHUT_WR, SOCK_STREAM } = P;

const WORKERS = 3;
const CLIENTS = 60;
/** Clients connected at once: enough to overlap, few enough for 2 vCPUs. */
const CONCURRENCY = 6;
/** A server not started, or not exited, by then fails its test (and is SIGKILLed). */
const SERVER_MS = 15000;

const running = new Set();

/** Whether `pid` is a live process (a zombie, exited but not yet reaped, counts as gone). */
function alive(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return false;
    throw error;
  }
  // The state follows the command name, which is in parentheses and may itself hold ') '.
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

async function waitGone(pids, ms = 5000) {
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return pids.filter(alive);
}

/**
 * Starts examples/dist/NAME.js on 127.0.0.1 port 0 with 3 workers; resolves once it has printed
 * its `listening on` and `workers` lines, with the port and the workers' pids.
 */
async function startServer(name, extra = []) {
  const child = spawn(process.execPath, [join(root, 'examples', 'dist', `${name}.js`), '0', '127.0.0.1', '--workers', String(WORKERS), ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = { child, stdout: '', stderr: '', workers: [] };
  running.add(server);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (server.stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_MS);
  server.exit = new Promise((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': all of stdout (the workers' lines too, through the inherited pipe) is read.
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => clearTimeout(timer));
  server.exit.catch(() => {});
  await bounded(
    new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        server.stdout += chunk;
        if (server.stdout.split('\n').length > 2) resolve();
      });
      server.exit.then(({ code, signal }) => reject(new Error(`${name} exited (${code ?? signal}) before listening: ${server.stderr}`)));
    }),
    SERVER_MS,
    `${name} start`,
  );
  const [listening, workers] = server.stdout.split('\n');
  const port = /^listening on 127\.0\.0\.1:(\d+)$/.exec(listening);
  const pids = /^workers((?: \d+)+)$/.exec(workers);
  expect(port, listening).to.not.equal(null);
  expect(pids, workers).to.not.equal(null);
  server.port = Number(port[1]);
  server.workers = pids[1].trim().split(' ').map(Number);
  expect(server.workers).to.have.length(WORKERS);
  expect(new Set([child.pid, ...server.workers]).size).to.equal(WORKERS + 1);
  for (const pid of server.workers) expect(alive(pid), `worker ${pid}`).to.equal(true);
  return server;
}

/** Receives until end-of-file, at most `max` bytes (more fails), each recv bounded. */
async function recvToEnd(sock, max) {
  const chunks = [];
  let total = 0;
  for (;;) {
    const chunk = await sock.recv(65536, { timeout: GUARD_MS });
    if (chunk.length === 0) break;
    total += chunk.length;
    if (total > max) throw new Error(`received more than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * One client: reads the `worker PID` greeting, sends `payload`, half-closes, reads the echo to
 * end-of-file. Resolves with the pid and the bytes echoed.
 */
async function client(port, payload) {
  const s = new P.Socket(AF_INET, SOCK_STREAM);
  track(s);
  try {
    await s.connect({ address: '127.0.0.1', port }, { timeout: GUARD_MS });
    let greeting = Buffer.alloc(0);
    for (let i = 0; i < 64 && !greeting.includes(0x0a); i++) {
      const chunk = await s.recv(64, { timeout: GUARD_MS });
      if (chunk.length === 0) break;
      greeting = Buffer.concat([greeting, chunk]);
    }
    const newline = greeting.indexOf(0x0a);
    const match = /^worker (\d+)$/.exec(greeting.subarray(0, Math.max(newline, 0)).toString('latin1'));
    if (newline < 0 || match === null) throw new Error(`bad greeting ${JSON.stringify(greeting.toString('latin1'))}`);
    await s.sendAll(payload, { timeout: GUARD_MS });
    s.shutdown(SHUT_WR);
    const echoed = Buffer.concat([greeting.subarray(newline + 1), await recvToEnd(s, payload.length)]);
    return { pid: Number(match[1]), echoed };
  } finally {
    s.close();
  }
}

/** CLIENTS clients, CONCURRENCY at a time, each with its own random payload; checks every echo. */
async function runClients(port) {
  const pids = [];
  for (let first = 0; first < CLIENTS; first += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, CLIENTS - first) }, (_, i) => randomBytes(1 + (((first + i) * 7919) % 50000)));
    const results = await Promise.all(batch.map((payload) => client(port, payload)));
    results.forEach(({ pid, echoed }, i) => {
      expect(echoed.length, `client ${first + i}'s echo length`).to.equal(batch[i].length);
      expect(echoed.equals(batch[i]), `client ${first + i}'s echo bytes`).to.equal(true);
      pids.push(pid);
    });
  }
  return pids;
}

function countBy(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** What the workers printed: one `closed PEER after echoing N bytes` per client, by worker pid. */
function closedLines(stdout) {
  return [...stdout.matchAll(/^worker (\d+): closed 127\.0\.0\.1:\d+ after echoing (\d+) bytes$/gm)].map((m) => ({ pid: Number(m[1]), bytes: Number(m[2]) }));
}

async function expectStopped(server, expected = { code: 0, signal: null }) {
  const exit = await bounded(server.exit, SERVER_MS, 'server exit');
  expect(exit, server.stderr).to.deep.equal(expected);
  expect(await waitGone([server.child.pid, ...server.workers]), 'processes left').to.deep.equal([]);
}

describe('88 pre-forking servers', function () {
  this.timeout(60000);

  afterEach(async function () {
    for (const server of running) {
      for (const pid of [server.child.pid, ...server.workers]) {
        try {
          if (alive(pid)) process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await server.exit.catch(() => {});
    }
    running.clear();
  });

  describe('reuseport-server: each worker its own SO_REUSEPORT listener', function () {
    it('echoes 60 clients byte-exact from ≥ 2 of its workers, and stops on SIGTERM with all its processes', async function () {
      const server = await startServer('reuseport-server');
      const pids = await runClients(server.port);
      const counts = countBy(pids);
      for (const pid of counts.keys()) expect(server.workers, `pid ${pid} served a client`).to.include(pid);
      expect(counts.size, `spread ${JSON.stringify([...counts])}`).to.be.at.least(2);

      server.child.kill('SIGTERM');
      await expectStopped(server);
      const closed = closedLines(server.stdout);
      expect(closed).to.have.length(CLIENTS);
      expect(countBy(closed.map(({ pid }) => pid))).to.deep.equal(counts);
    });

    it('stops by itself after --clients 60', async function () {
      const server = await startServer('reuseport-server', ['--clients', String(CLIENTS)]);
      await runClients(server.port);
      await expectStopped(server);
      expect(closedLines(server.stdout)).to.have.length(CLIENTS);
    });

    it('its workers exit on their own when the parent is SIGKILLed (no orphans)', async function () {
      const server = await startServer('reuseport-server');
      await client(server.port, Buffer.from('before'));
      server.child.kill('SIGKILL');
      await expectStopped(server, { code: null, signal: 'SIGKILL' });
    });
  });

  describe('fd-passing-server: the parent accepts and passes each connection with SCM_RIGHTS', function () {
    it('echoes 60 clients byte-exact, exactly 20 to each worker, and stops on SIGTERM with all its processes', async function () {
      const server = await startServer('fd-passing-server');
      const pids = await runClients(server.port);
      expect(countBy(pids)).to.deep.equal(new Map(server.workers.map((pid) => [pid, CLIENTS / WORKERS])));

      server.child.kill('SIGTERM');
      await expectStopped(server);
      const passed = [...server.stdout.matchAll(/^passed 127\.0\.0\.1:\d+ to worker (\d+)$/gm)].map((m) => Number(m[1]));
      // Round robin in the order accepted: worker 1, 2, 3, 1, 2, 3, ...
      expect(passed).to.deep.equal(Array.from({ length: CLIENTS }, (_, i) => server.workers[i % WORKERS]));
      expect(closedLines(server.stdout)).to.have.length(CLIENTS);
    });

    it('stops by itself after --clients 60', async function () {
      const server = await startServer('fd-passing-server', ['--clients', String(CLIENTS)]);
      const pids = await runClients(server.port);
      expect(countBy(pids)).to.deep.equal(new Map(server.workers.map((pid) => [pid, CLIENTS / WORKERS])));
      await expectStopped(server);
    });

    it('its workers exit on their own when the parent is SIGKILLed (no orphans)', async function () {
      const server = await startServer('fd-passing-server');
      await client(server.port, Buffer.from('before'));
      server.child.kill('SIGKILL');
      await expectStopped(server, { code: null, signal: 'SIGKILL' });
    });
  });
});
