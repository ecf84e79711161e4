// Shared test fixtures. Every socket a test makes goes through `track` (or a helper that calls it)
// and is closed after the test; every blocking socket gets SO_RCVTIMEO/SO_SNDTIMEO through `guard`
// so that a broken test fails with EAGAIN instead of blocking the thread (and mocha's own timer)
// forever; peers run in worker threads through `runPeer`, which terminates them on a deadline.
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import * as sockcall from 'sockcall';

const { AF_INET, AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, SO_REUSEADDR, Socket } = sockcall;

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How long any single blocking call in a test may wait before it fails. */
export const GUARD_MS = 5000;

const tracked = new Set();

/** Registers sockets to be closed after the current test. Returns the first. */
export function track(...sockets) {
  for (const socket of sockets) tracked.add(socket);
  return sockets[0];
}

/** Closes every tracked socket (mocha root hook, below). */
export function closeTracked() {
  for (const socket of tracked) {
    try {
      socket.close();
    } catch {
      // already reported by the test that failed
    }
  }
  tracked.clear();
}

/** Workers started by `startWorker`, terminated after each test (mocha root hook, below). */
const workers = new Set();

export const mochaHooks = {
  async afterEach() {
    closeTracked();
    await Promise.all([...workers].map((worker) => worker.terminate()));
    workers.clear();
  },
};

/** Bounds every blocking recv/accept/send/connect on `socket` to `ms`. */
export function guard(socket, ms = GUARD_MS) {
  socket.setsockopt(SOL_SOCKET, SO_RCVTIMEO, ms);
  socket.setsockopt(SOL_SOCKET, SO_SNDTIMEO, ms);
  return socket;
}

/** A tracked, guarded socket. */
export function socket(domain = AF_INET, type = SOCK_STREAM, protocol = 0) {
  return guard(track(new Socket(domain, type, protocol)));
}

/** A listening TCP socket on an ephemeral loopback port; `.port` is the port it got. */
export function listener({ domain = AF_INET, address = domain === AF_INET6 ? '::1' : '127.0.0.1', backlog = 16 } = {}) {
  const server = socket(domain, SOCK_STREAM);
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind({ address, port: 0 });
  server.listen(backlog);
  return server;
}

/** A connected TCP pair over loopback: [client, accepted]. */
export function tcpPair(domain = AF_INET) {
  const server = listener({ domain });
  const client = socket(domain, SOCK_STREAM);
  client.connect(server.getsockname());
  const accepted = guard(track(server.accept()));
  return [client, accepted, server];
}

/**
 * Runs `body` (the text of an async function body) in a worker thread with `sockcall` and `data` in
 * scope, and resolves with what it returns. The worker is terminated and the promise rejected after
 * `timeout` ms. A rejection carries the worker's error message and code.
 */
export function runPeer(body, data = {}, { timeout = 15000 } = {}) {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const sockcall = require(workerData.root);
    const data = workerData.data;
    (async () => { ${body} })().then(
      (value) => parentPort.postMessage({ ok: true, value }),
      (error) => parentPort.postMessage({ ok: false, message: String(error && error.stack || error), code: error && error.code }),
    );`;
  const worker = new Worker(source, { eval: true, workerData: { root, data } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new Error(`peer did not finish within ${timeout} ms`));
    }, timeout);
    worker.once('message', (message) => {
      clearTimeout(timer);
      worker.terminate();
      if (message.ok) resolve(message.value);
      else reject(Object.assign(new Error(`peer failed: ${message.message}`), { code: message.code }));
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`peer exited with code ${code} before answering`));
    });
  });
}

/** The number of fds this process has open. */
export function openFdCount() {
  return readdirSync('/proc/self/fd').length;
}

/** This process's fds and what each refers to (`socket:[123]`, `anon_inode:[eventpoll]`, a path). */
export function openFds() {
  const fds = new Map();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.set(Number(fd), readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed in between (the fd of the directory listing itself, for one)
    }
  }
  return fds;
}

/** What `after` has open that `before` had not, as `fd → target` lines (for a failure message). */
export function fdsOpened(before, after) {
  return [...after].filter(([fd, target]) => before.get(fd) !== target).map(([fd, target]) => `${fd} → ${target}`).join(', ') || 'none';
}

/** Asserts that `fn` throws an error matching `expected` (properties compared with ===). */
export function throwsLike(fn, expected) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected a throw like ${JSON.stringify(expected)}, got none`);
  return expectLike(caught, expected);
}

/** Awaits `promise` (bounded by GUARD_MS), expecting a rejection like `expected` (as throwsLike); returns the error. */
export async function rejectsLike(promise, expected) {
  let caught;
  try {
    await bounded(promise, GUARD_MS, 'the call');
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected a rejection like ${JSON.stringify(expected)}, but it resolved`);
  return expectLike(caught, expected);
}

/** Checks `caught` against `expected`: `instanceOf` a class, `message` a RegExp, any other key ===. */
function expectLike(caught, expected) {
  for (const [key, value] of Object.entries(expected)) {
    if (key === 'instanceOf') {
      if (!(caught instanceof value)) throw new Error(`expected an instance of ${value.name}, got ${caught}`);
    } else if (key === 'message' && value instanceof RegExp) {
      if (!value.test(caught.message)) throw new Error(`message ${JSON.stringify(caught.message)} does not match ${value}`);
    } else if (caught[key] !== value) {
      throw new Error(`expected ${key} ${JSON.stringify(value)}, got ${JSON.stringify(caught[key])} (${caught})`);
    }
  }
  return caught;
}

/** Rejects if `promise` has not settled within `ms` (so a broken test fails instead of hanging). */
export function bounded(promise, ms = 3000, what = 'operation') {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * A worker running `source` (CommonJS, `eval`) with `workerData`, terminated after the test.
 * `next(ms)` is its next message (a message with `error` is rethrown), `exited` its exit code.
 */
export function startWorker(source, workerData) {
  const worker = new Worker(source, { eval: true, workerData });
  workers.add(worker);
  const messages = [];
  const waiters = new Set();
  let failure;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  worker.on('message', (message) => {
    messages.push(message);
    wake();
  });
  worker.on('error', (error) => {
    failure = error;
    wake();
  });
  const exited = new Promise((resolve) => {
    worker.once('exit', (code) => {
      workers.delete(worker);
      resolve(code);
      wake();
    });
  });
  /** The worker's next message; rejects on a worker error, an `error` message, or after `ms`. */
  const next = (ms = 10000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(() => reject(new Error(`no message from the worker within ${ms} ms`))), ms);
      const done = (settle) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      const check = () => {
        if (messages.length > 0) {
          const message = messages.shift();
          done(() => (message && message.error ? reject(new Error(`worker failed: ${message.error}`)) : resolve(message)));
        } else if (failure) done(() => reject(failure));
      };
      waiters.add(check);
      check();
    });
  return { worker, next, exited };
}

/** Whether this run is CI's (CI=true, as .ci/run is run): there, every tool a test needs must exist. */
export const IN_CI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/**
 * The environment for a program that only serves a test, not under test itself: without the
 * sanitizer runtime scripts/test-asan.sh preloads into every process (curl hangs at start with
 * libasan preloaded).
 */
export const PLAIN_TOOL_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'LD_PRELOAD'));

/**
 * The path of `tool`, a program a machine may lack (strace, socat), after running it with
 * `probeArgs` to see that it works here. When it is missing or does not work: outside CI the current
 * test (or, from a hook, its whole suite) is skipped with the reason printed; in CI it is a failure,
 * since .ci/run installs these tools. `env` is the probe's environment (PLAIN_TOOL_ENV for a tool
 * the test will run with it).
 */
export function needTool(context, tool, probeArgs = ['-V'], { env = process.env } = {}) {
  const path = spawnSync('sh', ['-c', 'command -v "$0"', tool], { encoding: 'utf8' }).stdout.trim();
  let reason;
  if (path === '') {
    reason = `${tool} is not installed (Debian/Ubuntu: apt-get install -y ${tool})`;
  } else {
    const probe = spawnSync(path, probeArgs, { encoding: 'utf8', timeout: 10000, env });
    if (probe.error !== undefined || probe.status !== 0) {
      const why = probe.error?.message ?? probe.stderr.trim().split('\n')[0];
      reason = `${tool} ${probeArgs.join(' ')} does not work here (${why})`;
    }
  }
  if (reason === undefined) return path;
  if (IN_CI) throw new Error(`${reason}; CI needs it (.ci/run installs it when missing)`);
  console.log(`      skipped: ${reason} (with CI=true this is a failure)`);
  context.skip();
}

/**
 * Whether this process may make raw and packet sockets (CAP_NET_RAW, which root has): a probe
 * socket(AF_INET, SOCK_RAW, IPPROTO_ICMP). Without it: outside CI the current test (or, from a hook,
 * its suite) is skipped with the reason printed; in CI, which runs as root, it is a failure.
 */
export function needRawSockets(context) {
  const { AF_INET, IPPROTO_ICMP, SOCK_RAW, Socket } = sockcall;
  try {
    new Socket(AF_INET, SOCK_RAW, IPPROTO_ICMP).close();
    return;
  } catch (error) {
    if (error.code !== 'EPERM') throw error;
  }
  const reason = `raw sockets need CAP_NET_RAW (uid ${process.getuid()} lacks it: socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) is EPERM)`;
  if (IN_CI) throw new Error(`${reason}; CI runs as root`);
  console.log(`      skipped: ${reason} (with CI=true this is a failure)`);
  context.skip();
}

