// The fuzzer's settings, command line and PRNG, shared by the parent and its children.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The entry point the parent starts its children with. */
export const FUZZ = join(HERE, 'fuzz.mjs');
export const ROOT = join(HERE, '..');

export const DEFAULTS = { calls: 100_000, seconds: 120, batchSize: 10_000, stall: 15 };
/** Calls between two re-makings of the sockets (and fd-leak checks). */
export const REFRESH = 250;
/** SO_RCVTIMEO/SO_SNDTIMEO of every socket, in ms. */
export const GUARD_MS = 1;
/** How long a promise call may take to settle once its sockets are closed (a lookup: longer). */
export const SETTLE_MS = 3000;
export const LOOKUP_SETTLE_MS = 15_000;
/**
 * A single synchronous call slower than this is a finding. Under AddressSanitizer (npm run
 * test:asan preloads libasan) allocating is far slower: a 2 GiB recv buffer takes ~1 s, not 7 ms.
 */
export const SLOW_MS = /libasan/.test(process.env.LD_PRELOAD ?? '') ? 10_000 : 2000;
/** A call that crashed or hung this often is skipped by later children. */
export const SKIP_AFTER = 2;
export const MAX_RESTARTS = 50;
export const RING_SLOTS = 16;
export const RING_WIDTH = 512;

// ---------------------------------------------------------------------------------------------
// Command line

const USAGE = `usage: node fuzz/fuzz.mjs [--calls N] [--seed S] [--seconds T] [--batch-size B] [--jobs J] [--stall S]
       node fuzz/fuzz.mjs --seed S --calls N --batch K [--resume I] [--trace]   (replay one batch)`;

export function parseArguments(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) usage(`unexpected argument '${arg}'`);
    const name = arg.slice(2);
    if (name === 'trace' || name === 'child' || name === 'help') {
      options[name] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) usage(`--${name} needs a value`);
    options[name] = value;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return options;
}

function usage(message) {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`);
  process.exit(2);
}

export function integerOption(options, name, fallback, min = 0, max = Number.MAX_SAFE_INTEGER) {
  if (options[name] === undefined) return fallback;
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < min || value > max) usage(`--${name} must be an integer in ${min}..${max}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32, one stream per batch

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function batchSeed(seed, batch) {
  return (mulberry32((seed ^ Math.imul(batch + 1, 0x9e3779b1)) >>> 0)() * 2 ** 32) >>> 0;
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  pick(array) {
    return array[this.int(array.length)];
  }
  chance(p) {
    return this.next() < p;
  }
  /** 32 random bits as a signed int32 (flags with random bits). */
  bits() {
    return (this.next() * 2 ** 32) | 0;
  }
}
