#!/usr/bin/env node
// bench/run.mjs: the runner behind `npm run bench` (full) and `npm run bench -- --quick`.
//
// Builds the C contender, then runs every contender on every workload following the protocol the
// contender programs implement (see the header of each contender): start the server, wait for
// `READY <port>`, start the client, read `RESULT {...}` from the measuring side (the server for bulk,
// the client otherwise), stop the server. Repetitions are interleaved (A B C ... A B C ...).
// "many" also measures each server's memory per idle connection: its RSS after READY, and again once
// the load generator has made one round trip on every connection and holds them idle (it prints
// `IDLE`, then waits for a line on stdin), each reading after a full GC (a Node server runs with
// --expose-gc and collects on a line `GC` on its stdin, then prints `GC`) from /proc/<pid>/status
// (VmRSS).
// Headline figures pin server and client to CPU 0 (udp: the receiver to CPU 0, the sender to CPU 1);
// a second pass runs unpinned.
// Writes a table to stdout, the raw samples and the environment to bench/results/<timestamp>.json and
// one SVG chart per workload to bench/results/<timestamp>-<workload>.svg. bench/results/ is ignored by
// git: the charts the docs show are copied by hand from a run chosen for them, never by a run.
//
// Options:
//   --quick            about a minute: fewer sizes, repetitions and counts; pinned pass only
//   --unpinned         with --quick: add the unpinned pass
//   --no-unpinned      full run: pinned pass only
//   --reps=N           repetitions (default 5 full, 3 quick)
//   --only=w1,w2       workloads: pingpong, recv64k, bulk, file, connrate, many, http, udp, overhead
//   --contenders=a,b   contender ids: c, sockcall-blocking, sockcall-promises, node-net, koffi,
//                      node-http (a contender in the http workload only), c-mmsg,
//                      sockcall-blocking-mmsg, sockcall-promises-mmsg, sockcall-blocking-into,
//                      sockcall-promises-into, node-dgram (udp only)
//   --no-save          do not write bench/results (for trying things out)

import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENDERS, WORKLOADS, summarize, renderTables, renderSvg, fmtBytes, fmtValue, pairKey, UDP_SENDER } from './report.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(benchDir);
const rel = (p) => path.relative(root, p) || '.';

// ---------------------------------------------------------------------------------------------
// command line

const argv = process.argv.slice(2);
const opts = { quick: false, unpinned: null, reps: null, only: null, contenders: null, save: true };
for (const a of argv) {
  const [k, v] = a.split('=', 2);
  if (k === '--quick') opts.quick = true;
  else if (k === '--unpinned') opts.unpinned = true;
  else if (k === '--no-unpinned' || k === '--pinned-only') opts.unpinned = false;
  else if (k === '--reps' && v) opts.reps = Number(v);
  else if (k === '--only' && v) opts.only = v.split(',');
  else if (k === '--contenders' && v) opts.contenders = v.split(',');
  else if (k === '--no-save') opts.save = false;
  else if (k === '--help' || k === '-h') {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 25).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    process.exit(0);
  } else {
    console.error(`bench: unknown option ${a} (try --help)`);
    process.exit(2);
  }
}
if (opts.reps != null && !(Number.isInteger(opts.reps) && opts.reps >= 1)) {
  console.error('bench: --reps wants a positive integer');
  process.exit(2);
}
for (const w of opts.only ?? []) {
  if (!WORKLOADS[w]) {
    console.error(`bench: unknown workload ${w}`);
    process.exit(2);
  }
}
for (const c of opts.contenders ?? []) {
  if (!CONTENDERS.some((x) => x.id === c)) {
    console.error(`bench: unknown contender ${c}`);
    process.exit(2);
  }
}

const MiB = 1024 * 1024;
const CONFIG = opts.quick
  ? {
      reps: 3,
      pingpong: { sizes: [64], count: 4000, warmup: 400 },
      recv64k: { count: 50_000 },
      bulk: { sizes: [64 * 1024], total: 256 * MiB },
      file: { size: 64 * MiB, times: 4, chunk: 64 * 1024 },
      connrate: { count: 1500, warmup: 150 },
      many: { conns: [100], size: 64, seconds: 1 },
      http: { conns: [50], seconds: 1 },
      udp: { sizes: [64, 1200], seconds: 1 },
      overhead: { ops: { getsockopt: 100_000, recvdata: 20_000, eagain: 100_000, tryeagain: 100_000 } },
    }
  : {
      reps: 5,
      pingpong: { sizes: [1, 64, 4096], count: 20_000, warmup: 2000 },
      recv64k: { count: 300_000 },
      bulk: { sizes: [64 * 1024, MiB], total: 1024 * MiB },
      file: { size: 64 * MiB, times: 16, chunk: 64 * 1024 },
      connrate: { count: 10_000, warmup: 1000 },
      many: { conns: [100, 1000, 10_000], size: 64, seconds: 3 },
      http: { conns: [50, 1000], seconds: 2 },
      udp: { sizes: [64, 1200], seconds: 2 },
      overhead: { ops: { getsockopt: 2_000_000, recvdata: 300_000, eagain: 1_000_000, tryeagain: 1_000_000 } },
    };
if (opts.reps) CONFIG.reps = opts.reps;

const READY_TIMEOUT_MS = 15_000;
const IDLE_TIMEOUT_MS = 150_000; // many: connecting (60 s at most) and one round trip on each (60 s)
const GC_TIMEOUT_MS = 30_000; // a Node server's full GC, asked on stdin
/** Open files a process needs beyond one per connection: stdio, the listener, epoll, Node's own. */
const FD_MARGIN = 64;
const MEASURE_TIMEOUT_MS = 90_000; // a whole measurement (client run), generous: figures are much shorter
const SERVER_EXIT_TIMEOUT_MS = 10_000; // a pingpong/bulk server exits by itself after the client's EOF
const KILL_GRACE_MS = 2000; // SIGTERM, then SIGKILL after this

// ---------------------------------------------------------------------------------------------
// contenders and the plan

// Node contenders run with --expose-gc: the memory readings of "many" follow a full GC.
const node = (file) => [process.execPath, '--expose-gc', path.join(benchDir, 'contenders', file)];
const CONTENDER_CMD = {
  c: [path.join(benchDir, 'build', 'contender')],
  'sockcall-blocking': node('blocking.mjs'),
  'sockcall-promises': node('promises.mjs'),
  'node-net': node('net.mjs'),
  koffi: node('koffi.mjs'),
  'node-http': node('http.mjs'),
  'node-dgram': node('dgram.mjs'),
};
// The mmsg contenders: the same programs, given api=mmsg (udpApi below).
CONTENDER_CMD['c-mmsg'] = CONTENDER_CMD.c;
CONTENDER_CMD['sockcall-blocking-mmsg'] = CONTENDER_CMD['sockcall-blocking'];
CONTENDER_CMD['sockcall-promises-mmsg'] = CONTENDER_CMD['sockcall-promises'];
// The into contenders: the same programs, given api=into.
CONTENDER_CMD['sockcall-blocking-into'] = CONTENDER_CMD['sockcall-blocking'];
CONTENDER_CMD['sockcall-promises-into'] = CONTENDER_CMD['sockcall-promises'];
/** udp: the api= argument a contender runs with. */
const udpApi = (id) => `api=${id.endsWith('-mmsg') ? 'mmsg' : id.endsWith('-into') ? 'into' : 'plain'}`;
const selected = CONTENDERS.map((c) => c.id).filter((id) => !opts.contenders || opts.contenders.includes(id));
/** The selected contenders that take part in a workload (node:http only in http, node:net not in udp ...). */
const selectedFor = (workload) =>
  selected.filter((id) => {
    const { only, skips } = CONTENDERS.find((c) => c.id === id);
    return (only?.includes(workload) ?? true) && !skips?.includes(workload);
  });

// udp's pairs: each receiver fed by the C sendmmsg sender (the receiver is the measured side); in a
// full run, also each contender at both ends.
function udpPairs() {
  const ids = selectedFor('udp');
  const pairs = ids.includes(UDP_SENDER) ? ids.map((id) => ({ server: id, client: UDP_SENDER })) : [];
  if (!opts.quick) for (const id of ids) if (id !== UDP_SENDER) pairs.push({ server: id, client: id });
  return pairs;
}

// Pairs for a two-ended workload: each contender at both ends, then the C server with each other
// client, then each other server with the C client.
function twoEndedPairs(workload) {
  const ids = selectedFor(workload);
  const pairs = ids.map((id) => ({ server: id, client: id }));
  if (ids.includes('c')) {
    for (const id of ids) if (id !== 'c') pairs.push({ server: 'c', client: id });
    for (const id of ids) if (id !== 'c') pairs.push({ server: id, client: 'c' });
  }
  return pairs;
}

function sizeLabel(n) {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return n === 1 ? '1 byte' : `${n} B`;
}

const FILE_METHODS = ['sendfile', 'read+send', 'stream'];
const FILE_METHOD_LABELS = {
  sendfile: 'sendfile(2) loop',
  'read+send': 'read() 64 KiB + send() loop',
  stream: 'fs.createReadStream().pipe(socket)',
};

/**
 * The file the "file" workload sends: `size` bytes of the bulk pattern in a temporary directory,
 * written once per run (so it is in the page cache: every repetition reads it warm), removed at
 * exit.
 */
let benchFileDir = null;
function benchFile(size) {
  if (benchFileDir === null) {
    benchFileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockcall-bench-'));
    const pattern = Buffer.allocUnsafe(MiB);
    for (let i = 0; i < MiB; i++) pattern[i] = i % 251;
    const fd = fs.openSync(path.join(benchFileDir, 'file'), 'w');
    for (let written = 0; written < size; written += MiB) fs.writeSync(fd, pattern, 0, Math.min(MiB, size - written));
    fs.closeSync(fd);
  }
  return path.join(benchFileDir, 'file');
}
function removeBenchFile() {
  if (benchFileDir !== null) fs.rmSync(benchFileDir, { recursive: true, force: true });
  benchFileDir = null;
}

function buildCases() {
  const cases = [];
  const want = (w) => !opts.only || opts.only.includes(w);
  const C = CONFIG;
  if (want('pingpong'))
    for (const size of C.pingpong.sizes)
      cases.push({
        workload: 'pingpong', variant: `size=${size}`, label: sizeLabel(size),
        params: { size, count: C.pingpong.count, warmup: C.pingpong.warmup },
        pairs: twoEndedPairs('pingpong'),
        serverArgs: () => ['server', 'pingpong', 'port=0', `size=${size}`],
        clientArgs: (port) => ['client', 'pingpong', `port=${port}`, `size=${size}`, `count=${C.pingpong.count}`, `warmup=${C.pingpong.warmup}`],
        measuring: 'client', serverRunsUntilKilled: false,
      });
  if (want('recv64k'))
    cases.push({
      workload: 'recv64k', variant: 'size=64', label: '64 B',
      params: { size: 64, count: C.recv64k.count },
      // A cost of sockcall's own API: only its two flavours have a recv that allocates.
      pairs: selectedFor('recv64k').filter((id) => id.startsWith('sockcall-')).map((id) => ({ server: null, client: id })),
      serverArgs: null,
      clientArgs: () => ['client', 'recv64k', `count=${C.recv64k.count}`, 'size=64'],
      measuring: 'client', serverRunsUntilKilled: false,
    });
  if (want('bulk'))
    for (const size of C.bulk.sizes)
      cases.push({
        workload: 'bulk', variant: `size=${size}`, label: sizeLabel(size),
        params: { size, total: C.bulk.total },
        pairs: twoEndedPairs('bulk'),
        serverArgs: () => ['server', 'bulk', 'port=0', `size=${size}`, `total=${C.bulk.total}`],
        clientArgs: (port) => ['client', 'bulk', `port=${port}`, `size=${size}`, `total=${C.bulk.total}`],
        measuring: 'server', serverRunsUntilKilled: false,
      });
  if (want('file'))
    // Each method its own variant; a contender without it prints UNSUPPORTED (node:net has no
    // sendfile; only node:net has the stream idiom). The C client receives and measures.
    for (const method of FILE_METHODS)
      cases.push({
        workload: 'file', variant: `method=${method}`, label: FILE_METHOD_LABELS[method],
        params: { method, size: C.file.size, times: C.file.times, chunk: C.file.chunk },
        pairs: selectedFor('file').map((id) => ({ server: id, client: 'c' })),
        serverArgs: () => ['server', 'file', 'port=0', `path=${benchFile(C.file.size)}`, `method=${method}`, `chunk=${C.file.chunk}`, `times=${C.file.times}`],
        clientArgs: (port) => ['client', 'file', `port=${port}`, `size=${C.file.size * C.file.times}`],
        measuring: 'client', serverRunsUntilKilled: false,
      });
  if (want('connrate'))
    cases.push({
      workload: 'connrate', variant: 'sequential', label: 'sequential connections',
      params: { count: C.connrate.count, warmup: C.connrate.warmup },
      pairs: twoEndedPairs('connrate'),
      serverArgs: () => ['server', 'connrate', 'port=0'],
      clientArgs: (port) => ['client', 'connrate', `port=${port}`, `count=${C.connrate.count}`, `warmup=${C.connrate.warmup}`],
      measuring: 'client', serverRunsUntilKilled: true,
    });
  if (want('many'))
    for (const conns of C.many.conns)
      cases.push({
        workload: 'many', variant: `conns=${conns}`, label: `${conns.toLocaleString('en-US')} connections`,
        params: { conns, size: C.many.size, seconds: C.many.seconds },
        pairs: selectedFor('many').map((id) => ({ server: id, client: 'c' })),
        serverArgs: () => ['server', 'many', 'port=0', `size=${C.many.size}`],
        clientArgs: (port) => ['client', 'many', `port=${port}`, `conns=${conns}`, `size=${C.many.size}`, `seconds=${C.many.seconds}`, 'pause=1'],
        measuring: 'client', serverRunsUntilKilled: true, memory: true,
      });
  if (want('http'))
    for (const conns of C.http.conns)
      cases.push({
        workload: 'http', variant: `conns=${conns}`, label: `${conns.toLocaleString('en-US')} connections`,
        params: { conns, seconds: C.http.seconds },
        pairs: selectedFor('http').map((id) => ({ server: id, client: 'c' })),
        serverArgs: () => ['server', 'http', 'port=0'],
        clientArgs: (port) => ['client', 'http', `port=${port}`, `conns=${conns}`, `seconds=${C.http.seconds}`],
        measuring: 'client', serverRunsUntilKilled: true,
      });
  if (want('udp'))
    for (const size of C.udp.sizes)
      cases.push({
        workload: 'udp', variant: `size=${size}`, label: `${sizeLabel(size)} datagrams`,
        params: { size, seconds: C.udp.seconds },
        pairs: udpPairs(),
        serverArgs: () => ['server', 'udp', 'port=0', `size=${size}`, `seconds=${C.udp.seconds}`],
        clientArgs: (port) => ['client', 'udp', `port=${port}`, `size=${size}`, `seconds=${C.udp.seconds}`],
        measuring: 'server', serverRunsUntilKilled: false, api: udpApi, pinApart: true,
      });
  if (want('overhead'))
    for (const [op, count] of Object.entries(C.overhead.ops))
      cases.push({
        workload: 'overhead', variant: op, label: op,
        params: { op, count },
        pairs: selectedFor('overhead').map((id) => ({ server: null, client: id })),
        serverArgs: null,
        clientArgs: () => ['client', 'overhead', `count=${count}`, `op=${op}`],
        measuring: 'client', serverRunsUntilKilled: false,
      });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// processes

const live = new Set();

class Proc {
  constructor(cmd, role, { stdin = 'ignore' } = {}) {
    this.role = role;
    this.cmd = cmd;
    this.lines = [];
    this.partial = '';
    this.stderr = '';
    this.closed = false;
    this.code = null;
    this.signal = null;
    this.killedByUs = false;
    this.waiters = [];
    this.child = spawn(cmd[0], cmd.slice(1), { cwd: root, stdio: [stdin, 'pipe', 'pipe'] });
    this.child.stdin?.on('error', () => {}); // it may exit before reading
    live.add(this);
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (d) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop();
      for (const l of parts) this.lines.push(l.replace(/\r$/, ''));
      this.notify();
    });
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-8000);
    });
    this.exited = new Promise((resolve) => {
      const finish = (code, signal) => {
        if (this.closed) return;
        if (this.partial) this.lines.push(this.partial), (this.partial = '');
        this.closed = true;
        this.code = code;
        this.signal = signal;
        live.delete(this);
        resolve({ code, signal });
        this.notify();
      };
      this.child.on('error', (e) => {
        this.stderr += `\n[runner] could not start ${cmd[0]}: ${e.message}\n`;
        finish(-1, null);
      });
      this.child.on('close', finish);
    });
  }

  notify() {
    for (const w of [...this.waiters]) w();
  }

  // Resolve with pred(this) once it returns something other than undefined; null if the process
  // ends first; 'timeout' after ms.
  waitFor(pred, ms) {
    return new Promise((resolve) => {
      let timer = null;
      const check = () => {
        const v = pred(this);
        if (v !== undefined) return done(v);
        if (this.closed) return done(null);
      };
      const done = (v) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(v);
      };
      this.waiters.push(check);
      timer = setTimeout(() => done('timeout'), ms);
      check();
    });
  }

  async waitExit(ms) {
    let timer;
    const r = await Promise.race([this.exited, new Promise((res) => (timer = setTimeout(() => res('timeout'), ms)))]);
    clearTimeout(timer);
    return r;
  }

  // SIGTERM, then SIGKILL after the grace period.
  async stop() {
    if (this.closed) return;
    this.killedByUs = true;
    try {
      this.child.kill('SIGTERM');
    } catch {}
    if ((await this.waitExit(KILL_GRACE_MS)) !== 'timeout') return;
    try {
      this.child.kill('SIGKILL');
    } catch {}
    await this.waitExit(5000);
  }

  exitText() {
    if (!this.closed) return 'still running';
    return this.signal ? `killed by ${this.signal}` : `exit code ${this.code}`;
  }

  result() {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const m = /^RESULT (.*)$/.exec(this.lines[i]);
      if (m) {
        try {
          return JSON.parse(m[1]);
        } catch (e) {
          throw new Failure(`${this.role} printed a RESULT line that is not JSON: ${m[1].slice(0, 200)}`);
        }
      }
    }
    return null;
  }
}

class Failure extends Error {}

function killAllAndExit(sig) {
  for (const p of live) {
    try {
      p.child.kill('SIGKILL');
    } catch {}
  }
  removeBenchFile();
  console.error(`\nbench: interrupted (${sig}); killed ${live.size} contender process(es)`);
  process.exit(130);
}
process.on('SIGINT', () => killAllAndExit('SIGINT'));
process.on('SIGTERM', () => killAllAndExit('SIGTERM'));

// ---------------------------------------------------------------------------------------------
// one measurement

const missing = new Set();

/** Whether CPU 1 exists, for the workloads whose two ends are pinned apart (udp). */
const haveSecondCpu = os.availableParallelism() > 1;

async function measure(cs, pair, pass, rep) {
  const pinned = pass === 'pinned';
  const pin = pinned ? ['taskset', '-c', '0'] : [];
  const clientPin = pinned && cs.pinApart && haveSecondCpu ? ['taskset', '-c', '1'] : pin;
  const apiArgs = (id) => (cs.api ? [cs.api(id)] : []);
  const sample = {
    pass, workload: cs.workload, variant: cs.variant, params: cs.params, rep,
    server: pair.server, client: pair.client, status: 'failed', result: null,
  };
  const t0 = performance.now();
  let server = null;
  let client = null;
  const tail = () => {
    const t = {};
    if (server?.stderr.trim()) t.server = server.stderr.slice(-1500);
    if (client?.stderr.trim()) t.client = client.stderr.slice(-1500);
    return Object.keys(t).length ? t : null;
  };
  try {
    for (const id of [pair.server, pair.client]) if (id && missing.has(id)) throw new Failure(`contender ${id} is missing (${rel(CONTENDER_CMD[id].at(-1))})`);
    let port = null;
    if (pair.server) {
      server = new Proc([...pin, ...CONTENDER_CMD[pair.server], ...cs.serverArgs(), ...apiArgs(pair.server)], 'server', { stdin: cs.memory ? 'pipe' : 'ignore' });
      const r = await server.waitFor((p) => {
        for (const l of p.lines) {
          const m = /^(?:READY (\d+)|(UNSUPPORTED))\s*$/.exec(l);
          if (m) return m;
        }
      }, READY_TIMEOUT_MS);
      if (r === 'timeout') throw new Failure(`server did not print READY within ${READY_TIMEOUT_MS / 1000} s`);
      if (r === null) throw new Failure(`server ended (${server.exitText()}) without printing READY`);
      if (r[2]) {
        sample.status = 'unsupported';
        sample.unsupportedBy = 'server';
        return sample;
      }
      port = Number(r[1]);
    }
    const memory = cs.memory ? { rssBefore: await serverRss(server, pair.server) } : null;
    client = new Proc([...clientPin, ...CONTENDER_CMD[pair.client], ...cs.clientArgs(port), ...apiArgs(pair.client)], 'client', { stdin: memory ? 'pipe' : 'ignore' });
    if (memory) {
      const idle = await client.waitFor((p) => (p.lines.some((l) => l.startsWith('IDLE')) ? true : undefined), IDLE_TIMEOUT_MS);
      if (idle === 'timeout') throw new Failure(`load generator did not hold its connections idle within ${IDLE_TIMEOUT_MS / 1000} s`);
      if (idle === null) throw new Failure(`load generator ended (${client.exitText()}) before its connections were idle`);
      if (server.closed) throw new Failure(`server ended early (${server.exitText()})`);
      memory.rssIdle = await serverRss(server, pair.server);
      memory.rssPerConn = (memory.rssIdle - memory.rssBefore) / cs.params.conns;
      client.child.stdin.end('GO\n');
    }
    const timeout = cs.params.conns ? (cs.params.seconds + 30) * 1000 : MEASURE_TIMEOUT_MS;
    if ((await client.waitExit(timeout)) === 'timeout') throw new Failure(`client did not finish within ${timeout / 1000} s`);
    if (client.lines.some((l) => l.trim() === 'UNSUPPORTED')) {
      sample.status = 'unsupported';
      sample.unsupportedBy = 'client';
      return sample;
    }
    if (server) {
      if (cs.serverRunsUntilKilled) {
        if (server.closed) throw new Failure(`server ended early (${server.exitText()}); it should run until killed`);
        await server.stop();
      } else if ((await server.waitExit(SERVER_EXIT_TIMEOUT_MS)) === 'timeout') {
        if (cs.measuring === 'server') throw new Failure(`server (the receiver) did not finish within ${SERVER_EXIT_TIMEOUT_MS / 1000} s of the client's exit`);
        (sample.warnings ??= []).push(`server did not exit within ${SERVER_EXIT_TIMEOUT_MS / 1000} s of the client closing; killed`);
        await server.stop();
      }
    }
    const measuring = cs.measuring === 'server' ? server : client;
    const other = cs.measuring === 'server' ? client : server;
    if (measuring.code !== 0) throw new Failure(`${measuring.role} failed (${measuring.exitText()})`);
    if (other && !other.killedByUs && other.code !== 0) throw new Failure(`${other.role} failed (${other.exitText()})`);
    const result = measuring.result();
    if (!result) throw new Failure(`${measuring.role} exited 0 without a RESULT line`);
    sample.result = memory ? { ...result, ...memory } : result;
    validate(cs, result, sample);
    sample.status = 'ok';
  } catch (e) {
    sample.status = 'failed';
    sample.error = e instanceof Failure ? e.message : `runner error: ${e.stack ?? e}`;
  } finally {
    await Promise.all([server?.stop(), client?.stop()]);
    sample.stderrTail = tail();
    sample.wallSeconds = Number(((performance.now() - t0) / 1000).toFixed(3));
  }
  return sample;
}

function validate(cs, r, sample) {
  const metric = WORKLOADS[cs.workload].metric;
  if (!(Number.isFinite(r[metric]) && r[metric] > 0)) throw new Failure(`RESULT has no positive ${metric}: ${JSON.stringify(r)}`);
  const warn = (m) => (sample.warnings ??= []).push(m);
  const p = cs.params;
  switch (cs.workload) {
    case 'pingpong':
      if (r.roundTrips !== p.count) warn(`roundTrips ${r.roundTrips}, expected ${p.count}`);
      if (!Number.isFinite(r.p50us) || !Number.isFinite(r.p99us)) warn('RESULT lacks p50us/p99us');
      break;
    case 'bulk':
      if (r.verified !== true) throw new Failure('bulk receiver did not report verified: true');
      if (r.bytes !== p.total) throw new Failure(`bulk receiver got ${r.bytes} bytes, expected ${p.total}`);
      break;
    case 'file':
      if (r.bytes !== p.size * p.times) throw new Failure(`file receiver got ${r.bytes} bytes, expected ${p.size * p.times}`);
      break;
    case 'connrate':
      if (r.connections !== p.count) warn(`connections ${r.connections}, expected ${p.count}`);
      break;
    case 'many':
    case 'http':
      if (r.conns !== p.conns) warn(`conns ${r.conns}, expected ${p.conns}`);
      break;
    case 'recv64k':
      if (r.calls !== p.count) warn(`calls ${r.calls}, expected ${p.count}`);
      if (!Number.isFinite(r.recvNs) || !Number.isFinite(r.recvIntoNs)) warn('RESULT lacks recvNs/recvIntoNs');
      break;
    case 'udp':
      if (r.wrongSize !== 0) throw new Failure(`the receiver got ${r.wrongSize} datagrams of another size than ${p.size}`);
      if (!(r.cycles > 0)) warn('RESULT has no drain cycles');
      break;
    case 'overhead':
      if (r.op !== p.op) warn(`op ${r.op}, expected ${p.op}`);
      if (r.calls !== p.count) warn(`calls ${r.calls}, expected ${p.count}`);
      break;
  }
}

/**
 * A server's resident memory in bytes (VmRSS), after a full GC if it is a Node process: a line `GC`
 * on its stdin, then wait for the `GC` line it prints once collected.
 */
async function serverRss(server, id) {
  if (CONTENDER_CMD[id][0] === process.execPath) {
    const seen = server.lines.filter((l) => l === 'GC').length;
    server.child.stdin.write('GC\n');
    const r = await server.waitFor((p) => (p.lines.filter((l) => l === 'GC').length > seen ? true : undefined), GC_TIMEOUT_MS);
    if (r === 'timeout') throw new Failure(`server did not report a GC within ${GC_TIMEOUT_MS / 1000} s of asking`);
    if (r === null) throw new Failure(`server ended (${server.exitText()}) when asked to collect garbage`);
  }
  let status;
  try {
    status = fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  } catch (e) {
    throw new Failure(`cannot read the server's /proc/${server.child.pid}/status: ${e.message}`);
  }
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Failure(`no VmRSS in /proc/${server.child.pid}/status`);
  return Number(m[1]) * 1024;
}

/**
 * The soft and hard RLIMIT_NOFILE of this process, which every contender inherits. (Node raises its
 * own soft limit to the hard one at startup, so the soft limit read here is usually the hard one.)
 */
function nofileLimits() {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  const value = (text) => (text === 'unlimited' ? Infinity : Number(text));
  return m ? { soft: value(m[1]), hard: value(m[2]) } : { soft: Infinity, hard: Infinity };
}

/**
 * Refuses, before measuring anything, a run whose connection counts do not fit in the open-file
 * limit: the server and the load generator each hold one fd per connection.
 */
function checkNofile(cases) {
  const most = Math.max(0, ...cases.map((cs) => cs.params.conns ?? 0));
  if (most === 0) return;
  const need = most + FD_MARGIN;
  const { soft, hard } = nofileLimits();
  if (soft >= need) return;
  const n = (x) => (x === Infinity ? 'unlimited' : x.toLocaleString('en-US'));
  const workloads = [...new Set(cases.filter((cs) => (cs.params.conns ?? 0) + FD_MARGIN > soft).map((cs) => cs.workload))];
  console.error(
    `bench: ${n(most)} connections need ${n(need)} open files in the server and in the load generator alike` +
      ` (RLIMIT_NOFILE); the limit here is ${n(soft)} (hard limit ${n(hard)}).\n` +
      (hard >= need
        ? `bench: raise it for this shell with \`ulimit -n ${need}\` and run again`
        : `bench: the hard limit is lower too: raise it as root (\`ulimit -Hn ${need}\`, /etc/security/limits.conf, or LimitNOFILE= for a systemd unit), then \`ulimit -n ${need}\``) +
      `; or run without ${workloads.join(' and ')} (--only names the workloads to run).`,
  );
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// environment and build

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function environment(passes) {
  let cpuModel = 'unknown';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {}
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  let koffi = null;
  try {
    koffi = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'koffi', 'package.json'), 'utf8')).version;
  } catch {}
  const commit = sh('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['status', '--porcelain', '--', 'lib', 'native', 'bench']);
  return {
    cpuModel,
    nproc: Number(sh('nproc', [])) || os.availableParallelism(),
    kernel: sh('uname', ['-r']) ?? os.release(),
    node: process.version,
    sockcall: pkg.version,
    koffi,
    cc: sh('cc', ['--version'])?.split('\n')[0] ?? null,
    git: commit ? commit + (dirty ? ' (with local changes)' : '') : null,
    quick: opts.quick,
    mode: opts.quick ? 'quick' : 'full',
    passes,
    pinning: { pinned: 'server and client both run under taskset -c 0 (udp: the sender under taskset -c 1)', unpinned: 'no affinity set' },
    loadavgAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    date: new Date().toISOString().slice(0, 10),
  };
}

function build() {
  const src = path.join(benchDir, 'c', 'contender.c');
  const out = path.join(benchDir, 'build', 'contender');
  if (!fs.existsSync(src)) {
    console.error(`bench: ${rel(src)} is missing; the C contender cannot be built`);
    missing.add('c');
    return;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const args = ['-O2', '-Wall', '-o', out, src];
  console.error(`bench: cc ${args.map(rel).join(' ')}`);
  const r = spawnSync('cc', args, { cwd: root, encoding: 'utf8' });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.status !== 0) {
    console.error('bench: building the C contender failed');
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// main

function timestamp(d) {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

function describe(cs, pair) {
  if (cs.serverArgs === null) return pair.client;
  if (cs.workload === 'many' || cs.workload === 'http' || cs.workload === 'file') return `${pair.server} server`;
  if (cs.workload === 'udp') return `${pair.server} receiver / ${pair.client} sender`;
  return pair.server === pair.client ? pair.client : `${pair.server} server / ${pair.client} client`;
}

async function main() {
  const started = new Date();
  const haveTaskset = sh('taskset', ['-c', '0', 'true']) !== null;
  let passes = ['pinned'];
  if (opts.quick ? opts.unpinned === true : opts.unpinned !== false) passes.push('unpinned');
  if (!haveTaskset) {
    console.error('bench: taskset -c 0 does not work here; running unpinned only');
    passes = ['unpinned'];
  }

  build();
  for (const id of selected) {
    const file = CONTENDER_CMD[id].at(-1);
    if (id !== 'c' && !fs.existsSync(file)) {
      console.error(`bench: ${rel(file)} is missing; its measurements will be recorded as failed`);
      missing.add(id);
    }
  }
  if (selected.length === 0) throw new Error('no contenders selected');

  const env = environment(passes);
  const cases = buildCases();
  checkNofile(cases);
  const total = passes.length * CONFIG.reps * cases.reduce((n, c) => n + c.pairs.length, 0);
  console.error(
    `bench: ${env.mode} run, ${CONFIG.reps} repetitions, passes: ${passes.join(', ')}; up to ${total} measurements\n` +
      `bench: ${env.cpuModel}, ${env.nproc} CPUs, Linux ${env.kernel}, Node ${env.node}, sockcall ${env.sockcall}`,
  );

  const samples = [];
  const unsupported = new Set(); // `${case}|${pairKey}`: skipped after the first UNSUPPORTED
  let done = 0;
  for (const pass of passes) {
    for (const cs of cases) {
      for (let rep = 1; rep <= CONFIG.reps; rep++) {
        for (const pair of cs.pairs) {
          done++;
          const ukey = `${cs.workload}|${cs.variant}|${pairKey(pair.server, pair.client)}`;
          if (unsupported.has(ukey)) continue;
          const s = await measure(cs, pair, pass, rep);
          samples.push(s);
          const head = `[${pass} ${String(done).padStart(String(total).length)}/${total}] ${cs.workload} ${cs.label}, rep ${rep}/${CONFIG.reps}, ${describe(cs, pair)}:`;
          if (s.status === 'ok') {
            const v = s.result[WORKLOADS[cs.workload].metric];
            const rss = Number.isFinite(s.result.rssPerConn) ? `, RSS ${fmtBytes(s.result.rssPerConn)} per idle connection` : '';
            console.error(`${head} ${fmtValue(cs.workload, v)} ${WORKLOADS[cs.workload].unit}${rss}${s.warnings ? ` (warning: ${s.warnings.join('; ')})` : ''}`);
          } else if (s.status === 'unsupported') {
            unsupported.add(ukey);
            console.error(`${head} unsupported (${s.unsupportedBy} printed UNSUPPORTED)`);
          } else {
            const t = s.stderrTail ? Object.values(s.stderrTail).join(' ').trim().split('\n').slice(-1)[0] : '';
            console.error(`${head} FAILED: ${s.error}${t ? ` [${t.slice(0, 160)}]` : ''}`);
          }
        }
      }
    }
  }
  const finished = new Date();

  const groups = summarize(samples, cases, passes);
  console.log(renderTables(groups, { reps: CONFIG.reps }));
  const seconds = (finished - started) / 1000;
  const failedCount = samples.filter((s) => s.status === 'failed').length;
  console.log(`\n${samples.length} measurements (${failedCount} failed) in ${seconds.toFixed(0)} s; ${env.cpuModel}, ${env.nproc} CPUs, Linux ${env.kernel}, Node ${env.node}, sockcall ${env.sockcall}${env.git ? ` (${env.git})` : ''}`);

  if (!opts.save) return failedCount;
  const resultsDir = path.join(benchDir, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = timestamp(started);
  const json = {
    schema: 1,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Number(seconds.toFixed(1)),
    command: `node bench/run.mjs ${argv.join(' ')}`.trim(),
    env,
    config: CONFIG,
    contenders: selected.map((id) => ({ id, command: CONTENDER_CMD[id].map((x) => (x === process.execPath ? 'node' : rel(x))) })),
    cases: cases.map(({ workload, variant, label, params, pairs, measuring }) => ({ workload, variant, label, params, measuring, pairs })),
    summary: groups,
    samples,
  };
  const jsonPath = path.join(resultsDir, `${stamp}.json`);
  fs.writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n');
  const written = [rel(jsonPath)];
  const headline = passes[0];
  for (const workload of Object.keys(WORKLOADS)) {
    const gs = groups.filter((g) => g.workload === workload && g.pass === headline);
    if (gs.length === 0) continue;
    const svg = renderSvg(gs, { workload, env, reps: CONFIG.reps });
    const file = path.join(resultsDir, `${stamp}-${workload}.svg`);
    fs.writeFileSync(file, svg);
    written.push(rel(file));
  }
  console.log(`wrote ${written.join(', ')}`);
  return failedCount;
}

main().then(
  (failed) => {
    removeBenchFile();
    process.exit(failed ? 1 : 0);
  },
  (e) => {
    removeBenchFile();
    console.error(e);
    for (const p of live) p.child.kill('SIGKILL');
    process.exit(1);
  },
);
