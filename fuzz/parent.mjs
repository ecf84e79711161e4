// The parent: batches in child processes, crashes, hangs, the report.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULTS, FUZZ, integerOption, MAX_RESTARTS, REFRESH, RING_WIDTH, SKIP_AFTER } from './options.mjs';

export async function parentMain(options) {
  const calls = integerOption(options, 'calls', DEFAULTS.calls, 1);
  const seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : integerOption(options, 'seed', 0, 0, 2 ** 32 - 1);
  const seconds = integerOption(options, 'seconds', DEFAULTS.seconds, 1);
  const batchSize = integerOption(options, 'batch-size', DEFAULTS.batchSize, 1);
  const jobs = integerOption(options, 'jobs', Math.min(2, availableParallelism()), 1, 64);
  const stall = integerOption(options, 'stall', DEFAULTS.stall, 1);
  const batches = Math.ceil(calls / batchSize);
  const only = options.batch === undefined ? undefined : integerOption(options, 'batch', 0, 0, batches - 1);
  const trace = options.trace === true;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const layout = `--seed ${seed} --calls ${calls}${batchSize === DEFAULTS.batchSize ? '' : ` --batch-size ${batchSize}`}`;
  const requested = only === undefined ? calls : Math.min(batchSize, calls - only * batchSize);

  process.stdout.write(
    `sockcall fuzz: seed ${seed}, ${requested} calls${only === undefined ? ` in ${batches} batches of ${batchSize}, ${jobs} at a time` : ` (batch ${only})`}, bound ${seconds} s\n`,
  );

  const report = {
    made: 0,
    skipped: 0,
    rescued: 0,
    stopped: false,
    classes: new Map(),
    findings: new Map(),
    notes: new Map(),
  };
  const crashes = new Map();
  const skip = new Set();
  const dir = mkdtempSync(join(tmpdir(), 'sockcall-fuzz-'));
  const children = new Set();
  // However this process ends (a signal, a closed stdout), its children and files go with it.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const onSignal = (signal) => {
    process.stderr.write(`fuzz: stopped by ${signal}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  function addFinding(finding) {
    const known = report.findings.get(finding.sig);
    if (known) known.count += finding.count ?? 1;
    else report.findings.set(finding.sig, { ...finding, count: finding.count ?? 1 });
  }

  async function runBatch(batch) {
    const first = batch * batchSize;
    const count = Math.min(batchSize, calls - first);
    let resume = only === batch && options.resume !== undefined ? integerOption(options, 'resume', first, first, first + count - 1) : first;
    const batchDir = join(dir, `b${batch}`);
    mkdirSync(batchDir);
    for (let restarts = 0; resume < first + count; restarts++) {
      if (Date.now() > deadline) {
        report.stopped = true;
        return;
      }
      if (restarts > MAX_RESTARTS) {
        addFinding({ kind: 'gave-up', key: `batch ${batch}`, sig: `gave-up|${batch}`, detail: `more than ${MAX_RESTARTS} crashes; calls from #${resume} not run` });
        return;
      }
      const child = await runChild({ batch, first, count, resume, batchDir, seed, deadline, skip, trace, stall, children });
      mergeRecords(report, child.records, batch, layout, addFinding);
      if (child.summary) {
        if (child.summary.stopped) report.stopped = true;
        if (child.keptAlive) {
          addFinding({ kind: 'kept-alive', key: 'exit', sig: 'kept-alive', batch, detail: 'the child did not exit within 3 s after closing everything: a handle keeps the loop alive' });
        } else if (child.signal || child.code !== 0) {
          addFinding({ kind: 'exit-crash', key: 'exit', sig: `exit-crash|${child.signal ?? child.code}`, batch, detail: `after its summary, the child ${describeExit(child)}\n${child.stderr}` });
        }
        return;
      }
      const last = child.ring.at(-1);
      if (last === undefined || last.index < resume) {
        addFinding({
          kind: 'child-failed',
          key: `batch ${batch}`,
          sig: `child-failed|${child.signal ?? child.code}`,
          batch,
          detail: `the child ${describeExit(child)} before its first call\n${child.stderr}`,
        });
        return;
      }
      const kind = child.hung ? 'hang' : child.signal ? `crash ${child.signal}` : `exit ${child.code}`;
      // The calls since the child's last count, the fatal one included, were made but not classified.
      const counted = child.records.filter((record) => record.type === 'COUNTS').at(-1)?.next ?? resume;
      report.made += last.index - counted + 1;
      addFinding({
        kind,
        key: last.key,
        sig: `${kind}|${last.key}`,
        batch,
        index: last.index,
        text: last.text,
        before: child.ring.slice(-4, -1).map((entry) => `#${entry.index} ${entry.text}`),
        detail: child.hung ? `no progress for ${stall} s: killed` : `the child ${describeExit(child)}\n${child.stderr}`,
        reproduce: `node fuzz/fuzz.mjs ${layout} --batch ${batch} --resume ${worldStart(last.index, first, resume)} --trace`,
      });
      const times = (crashes.get(last.key) ?? 0) + 1;
      crashes.set(last.key, times);
      if (times >= SKIP_AFTER) skip.add(last.key);
      resume = last.index + 1;
    }
  }

  try {
    const queue = only === undefined ? [...Array(batches).keys()] : [only];
    const workers = Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      while (queue.length > 0) await runBatch(queue.shift());
    });
    await Promise.all(workers);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const elapsed = ((Date.now() - started) / 1000).toFixed(1);
  printReport(report, { requested, skip, seconds: elapsed });
  const failed = report.findings.size > 0;
  process.stdout.write(
    `FUZZ ${failed ? 'FAILED' : 'OK'} seed=${seed} calls=${report.made}/${requested} findings=${report.findings.size} seconds=${elapsed}${report.stopped ? ' (stopped at the time bound)' : ''}\n`,
  );
  process.exitCode = failed ? 1 : 0;
}

/**
 * Where the sockets and fds call `index` met were made: the child made them at its first call
 * (`resume`) and again every REFRESH calls. A replay from there meets the same ones (a raw fd by its
 * place in the list, an epoll set as the calls before filled it); from `index` itself it may not.
 */
function worldStart(index, first, resume) {
  return Math.max(resume, first + Math.floor((index - first) / REFRESH) * REFRESH);
}

function describeExit(child) {
  return child.hung ? 'hung' : child.signal ? `was killed by ${child.signal}` : `exited with code ${child.code}`;
}

/** Runs one child until it exits; resolves with its summary, or how it died and its last calls. */
function runChild({ batch, first, count, resume, batchDir, seed, deadline, skip, trace, stall, children }) {
  const ringPath = join(batchDir, 'ring');
  const args = [
    '--expose-gc',
    '--no-warnings',
    FUZZ,
    '--child',
    '--seed', String(seed),
    '--batch', String(batch),
    '--first', String(first),
    '--count', String(count),
    '--resume', String(resume),
    '--deadline', String(deadline),
    '--ring', ringPath,
  ];
  if (skip.size > 0) args.push('--skip', [...skip].join(','));
  if (trace) args.push('--trace');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: batchDir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let hung = false;
    let progress = -1;
    let progressAt = Date.now();
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      if (trace) process.stderr.write(chunk);
      stderr = (stderr + chunk).slice(-6000);
    });
    const monitor = setInterval(() => {
      const last = readRing(ringPath).at(-1);
      const now = Date.now();
      if (last !== undefined && last.index !== progress) {
        progress = last.index;
        progressAt = now;
      } else if (now - progressAt > stall * 1000 || now > deadline + 30_000) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 500);
    child.on('close', (code, signal) => {
      clearInterval(monitor);
      children.delete(child);
      const records = [];
      for (const line of stdout.split('\n')) {
        const space = line.indexOf(' ');
        const type = space < 0 ? line : line.slice(0, space);
        if (type !== 'FINDING' && type !== 'COUNTS' && type !== 'SUMMARY') continue;
        try {
          records.push({ type, ...JSON.parse(line.slice(space + 1)) });
        } catch {
          // cut short by the child's death
        }
      }
      const summary = hung ? undefined : records.find((record) => record.type === 'SUMMARY');
      const tail = stderr.trim().split('\n').slice(-12).join('\n');
      resolve({ records, summary, keptAlive: stdout.includes('KEPTALIVE'), code, signal, hung, stderr: tail, ring: readRing(ringPath) });
    });
  });
}

function readRing(path) {
  let text;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return [];
  }
  const entries = [];
  for (let offset = 0; offset + RING_WIDTH <= text.length; offset += RING_WIDTH) {
    const [index, key, ...rest] = text.slice(offset, offset + RING_WIDTH).trimEnd().split('\t');
    if (index !== '' && Number.isInteger(Number(index))) entries.push({ index: Number(index), key, text: rest.join('\t') });
  }
  return entries.sort((a, b) => a.index - b.index);
}

/** What a child wrote as it went: FINDING lines at once, COUNTS at every re-making of its sockets. */
function mergeRecords(report, records, batch, layout, addFinding) {
  for (const record of records) {
    if (record.type === 'COUNTS') {
      report.made += record.calls;
      report.skipped += record.skipped;
      report.rescued += record.rescued;
      for (const [name, count] of Object.entries(record.classes)) report.classes.set(name, (report.classes.get(name) ?? 0) + count);
      for (const [note, count] of Object.entries(record.notes)) report.notes.set(note, (report.notes.get(note) ?? 0) + count);
    } else if (record.type === 'FINDING') {
      const { type, ...finding } = record;
      const from = finding.resume ?? finding.index;
      addFinding({ ...finding, batch, reproduce: from === undefined ? undefined : `node fuzz/fuzz.mjs ${layout} --batch ${batch} --resume ${from} --trace` });
    }
  }
}

function printReport(report, { requested, skip, seconds }) {
  const out = [];
  out.push(`calls made: ${report.made} of ${requested}${report.skipped ? ` (${report.skipped} skipped: known crashers ${[...skip].join(', ')})` : ''} in ${seconds} s`);
  if (report.rescued) out.push(`promise calls ended by closing their sockets: ${report.rescued}`);
  out.push('outcomes:');
  const classes = [...report.classes].sort((a, b) => b[1] - a[1]);
  for (const [name, count] of classes) out.push(`  ${String(count).padStart(8)}  ${name}`);
  if (report.notes.size > 0) {
    out.push('notes (allowed, but worth a look):');
    for (const [note, count] of [...report.notes].sort((a, b) => b[1] - a[1]).slice(0, 40)) out.push(`  ${String(count).padStart(8)}  ${note}`);
  }
  out.push(`findings: ${report.findings.size}`);
  let n = 0;
  for (const finding of report.findings.values()) {
    n++;
    out.push(`FINDING ${n} [${finding.kind}] ${finding.key}${finding.count > 1 ? ` (${finding.count} times)` : ''}`);
    if (finding.index !== undefined) out.push(`  call #${finding.index} (batch ${finding.batch}): ${finding.text}`);
    else if (finding.text) out.push(`  during ${finding.text} (batch ${finding.batch})`);
    for (const before of finding.before ?? []) out.push(`  after ${before}`);
    if (finding.detail) out.push(...String(finding.detail).split('\n').map((line) => `  ${line}`));
    if (finding.reproduce) out.push(`  reproduce: ${finding.reproduce}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
