// The fuzzer in short (fuzz/fuzz.mjs; `npm run fuzz` is the 100,000-call run): 5,000 calls with a
// fixed seed and 5,000 with a random one, printed in the test's title and in the failure message so
// that `node fuzz/fuzz.mjs --seed <seed> --calls 5000` replays it. Each run must end in FUZZ OK: every
// call returned or threw a TypeError, RangeError, system error or AbortError; no crash, abort, hang,
// unsettled promise, fd leak or warning.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { root } from './helpers.mjs';

const FIXED_SEED = 20261123;
const CALLS = 5000;
/** The fuzzer's own time bound; the test gives it a little more before it stops it. */
const FUZZ_SECONDS = 45;
const KILL_AFTER_MS = 60_000;

/**
 * Runs the fuzzer in its own process group. On the deadline it gets SIGTERM (it then kills its
 * children and removes its temporary directory), and the whole group SIGKILL 5 s later if need be.
 */
function runFuzz(seed) {
  const child = spawn(process.execPath, [join(root, 'fuzz', 'fuzz.mjs'), '--calls', String(CALLS), '--seed', String(seed), '--seconds', String(FUZZ_SECONDS)], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  let hardKill;
  const timer = setTimeout(() => {
    child.kill('SIGTERM');
    hardKill = setTimeout(killGroup, 5000);
  }, KILL_AFTER_MS);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(hardKill);
      killGroup(); // any child of the fuzzer left behind
      resolve({ code, signal, output });
    });
  });
}

/** The count printed for an outcome class in the report ("  1234  TypeError"), 0 if absent. */
function outcome(output, name) {
  const match = output.match(new RegExp(`^\\s+(\\d+)  ${name}$`, 'm'));
  return match ? Number(match[1]) : 0;
}

function expectClean({ code, signal, output }, seed) {
  const tail = output.split('\n').slice(-80).join('\n');
  const context = `seed ${seed} (replay: node fuzz/fuzz.mjs --seed ${seed} --calls ${CALLS})\n${tail}`;
  expect(signal, context).to.equal(null);
  expect(output, context).to.match(new RegExp(`^FUZZ OK seed=${seed} calls=${CALLS}/${CALLS} findings=0 seconds=[\\d.]+$`, 'm'));
  expect(code, context).to.equal(0);
  // The calls reached the syscalls, not only the argument checks.
  for (const name of ['returned', 'TypeError', 'RangeError', 'SocketError EBADF']) {
    expect(outcome(output, name), `${name} outcomes, ${context}`).to.be.above(0);
  }
}

describe('96 fuzz: malformed arguments never crash, hang, leak or throw the wrong thing', function () {
  this.timeout(KILL_AFTER_MS + 15_000);
  this.slow(10_000);

  it(`${CALLS} calls with the fixed seed ${FIXED_SEED}`, async function () {
    expectClean(await runFuzz(FIXED_SEED), FIXED_SEED);
  });

  const seed = Math.floor(Math.random() * 2 ** 32);
  it(`${CALLS} calls with a random seed (this time ${seed})`, async function () {
    expectClean(await runFuzz(seed), seed);
  });
});
