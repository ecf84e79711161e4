// bench/report.mjs: turns the raw samples of a benchmark run into summaries, the stdout tables and
// one SVG bar chart per workload. No dependencies: the SVG is written by hand as text.
//
// A sample is one measurement (one server/client pair, one repetition); see run.mjs for its shape.
// Ratios are computed pair by pair within a repetition (the pair's figure over the reference pair's
// figure in the same repetition) and then summarised, so that drift during the run cancels out.

// `only`: the workloads a contender takes part in (all when absent); `skips`: those it does not.
// The "mmsg" contenders are the same programs run with api=mmsg (sendmmsg/recvmmsg), in udp only; the
// "into" ones with api=into (recvfromInto into a reused buffer, a datagram per call).
export const CONTENDERS = [
  { id: 'c', name: 'C', color: '#4d4d4d' },
  { id: 'c-mmsg', name: 'C mmsg', color: '#1a1a1a', only: ['udp'] },
  { id: 'sockcall-blocking', name: 'sockcall blocking', color: '#1f6fb4' },
  { id: 'sockcall-blocking-mmsg', name: 'sockcall blocking mmsg', color: '#0e4576', only: ['udp'] },
  { id: 'sockcall-blocking-into', name: 'sockcall blocking recvfromInto', color: '#5a9bd4', only: ['udp'] },
  { id: 'sockcall-promises', name: 'sockcall promises', color: '#2a9d4b' },
  { id: 'sockcall-promises-mmsg', name: 'sockcall promises mmsg', color: '#176330', only: ['udp'] },
  { id: 'sockcall-promises-into', name: 'sockcall promises recvfromInto', color: '#6cc287', only: ['udp'] },
  { id: 'node-net', name: 'node:net', color: '#d1495b', skips: ['udp'] },
  // What a Node user writes for UDP: a contender in the udp workload only.
  { id: 'node-dgram', name: 'node:dgram', color: '#e0607a', only: ['udp'] },
  { id: 'koffi', name: 'koffi', color: '#8a5cc2' },
  // What a Node user writes to serve HTTP: a contender in the http workload only.
  { id: 'node-http', name: 'node:http', color: '#e08a1e', only: ['http'] },
];
const byId = Object.fromEntries(CONTENDERS.map((c) => [c.id, c]));
const cname = (id) => byId[id]?.name ?? id;

export const WORKLOADS = {
  pingpong: {
    title: 'Ping-pong',
    metric: 'perSec',
    unit: 'round trips/s',
    higherIsBetter: true,
    extras: ['p50us', 'p99us'],
    what: 'round trips per second, one connection, TCP_NODELAY',
  },
  recv64k: {
    title: 'recv(64 KiB) vs recvInto',
    metric: 'ratio',
    unit: '× recvInto time',
    higherIsBetter: false,
    extras: ['recvNs', 'recvIntoNs'],
    what: 'send 64 B + recv(65536) over send 64 B + recvInto(a reused 64 KiB Buffer), in one process over a Unix stream socketpair (lower is better)',
  },
  bulk: {
    title: 'Bulk transfer',
    metric: 'gibPerSec',
    unit: 'GiB/s',
    higherIsBetter: true,
    extras: [],
    what: 'GiB/s measured at the receiver, every byte checked',
  },
  file: {
    title: 'File to socket',
    metric: 'gibPerSec',
    unit: 'GiB/s',
    higherIsBetter: true,
    extras: [],
    what: 'GiB/s of a 64 MiB file in the page cache, sent over and over (4 times quick, 16 full) on one TCP connection, measured at a C receiver that discards it',
  },
  connrate: {
    title: 'Connection rate',
    metric: 'perSec',
    unit: 'connections/s',
    higherIsBetter: true,
    extras: [],
    what: 'sequential connect / accept / close per second',
  },
  many: {
    title: 'Many connections',
    metric: 'perSec',
    unit: 'round trips/s',
    higherIsBetter: true,
    extras: ['rssPerConn', 'rssBefore', 'rssIdle'],
    what: 'round trips per second, all connections together, one server thread, C load generator; the server\'s RSS per idle connection',
  },
  http: {
    title: 'HTTP/1.1 keep-alive',
    metric: 'perSec',
    unit: 'responses/s',
    higherIsBetter: true,
    extras: [],
    what: 'responses per second to GET / (a 200 with a 13-byte body), all connections together, one request in flight on each, one server thread, C load generator',
  },
  udp: {
    title: 'UDP datagrams',
    metric: 'perSec',
    unit: 'datagrams/s',
    higherIsBetter: true,
    extras: ['busySeconds', 'cycles'],
    what:
      'datagrams received per second of receiving, at the receiver, over 127.0.0.1: in cycles, the receiver leaves its queue (SO_RCVBUF 4 MiB) to the sender for 50 ms, then drains it until a receive would wait, so that it always has datagrams waiting (the excess is dropped by the kernel); the sender floods from another CPU; mmsg: recvmmsg/sendmmsg of 64',
  },
  overhead: {
    title: 'Per-call overhead',
    metric: 'nsPerCall',
    unit: 'ns per call',
    higherIsBetter: false,
    extras: [],
    what: 'ns per call, in one process (lower is better)',
  },
};

// ---------------------------------------------------------------------------------------------
// statistics

export function median(xs) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function stats(xs) {
  if (xs.length === 0) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

export const pairKey = (server, client) => `${server ?? '-'}/${client}`;

/** The workloads measured in one process, without a server: one row per contender. */
const IN_PROCESS = new Set(['overhead', 'recv64k']);
/** The workloads whose server varies against the C load generator. */
const LOADGEN = new Set(['many', 'http']);
/** udp: the sender the receivers are measured against, and the references of its ratios. */
export const UDP_SENDER = 'c-mmsg';

// The reference pairs of a workload: the C pair and the node:net pair (none for recv64k, which
// compares a contender with itself). A key with `@variant` is that variant's pair: for file, every
// method is measured against C's sendfile and node:net's stream.
function refKeys(workload) {
  if (workload === 'recv64k') return { c: null, net: null };
  if (workload === 'file') return { c: `${pairKey('c', 'c')}@method=sendfile`, net: `${pairKey('node-net', 'c')}@method=stream` };
  if (workload === 'many') return { c: pairKey('c', 'c'), net: pairKey('node-net', 'c') };
  if (workload === 'http') return { c: pairKey('c', 'c'), net: pairKey('node-net', 'c'), http: pairKey('node-http', 'c') };
  if (workload === 'overhead') return { c: pairKey(null, 'c'), net: pairKey(null, 'node-net') };
  if (workload === 'udp') return { c: pairKey('c-mmsg', UDP_SENDER), net: pairKey('node-dgram', UDP_SENDER) };
  return { c: pairKey('c', 'c'), net: pairKey('node-net', 'node-net') };
}

// Which group a pair belongs to, for ordering and for the chart: the same program at both ends,
// the C server with another client, another server with the C client.
export function pairGroup(workload, server, client) {
  if (IN_PROCESS.has(workload)) return 'single';
  if (workload === 'udp') return client === UDP_SENDER ? 'c-sender' : 'same';
  if (LOADGEN.has(workload)) return 'loadgen';
  if (workload === 'file') return 'sender';
  if (server === client) return 'same';
  if (server === 'c') return 'c-server';
  return 'c-client';
}
const GROUP_ORDER = ['single', 'loadgen', 'sender', 'c-sender', 'same', 'c-server', 'c-client'];

// The contender that varies in a pair (the one the row is about).
export function subject(workload, server, client) {
  const g = pairGroup(workload, server, client);
  return g === 'c-server' || g === 'single' || g === 'same' ? client : server; // c-sender: the receiver
}

/**
 * Summarise samples into groups, one per (pass, workload, variant), each with one row per pair.
 * `cases` (from the runner) give the order of workloads, variants and pairs.
 */
export function summarize(samples, cases, passes) {
  const groups = [];
  for (const pass of passes) {
    for (const cs of cases) {
      const spec = WORKLOADS[cs.workload];
      const mine = samples.filter((s) => s.pass === pass && s.workload === cs.workload && s.variant === cs.variant);
      if (mine.length === 0) continue;
      const valueByPairRep = new Map(); // pairKey@variant -> Map(rep -> value)
      for (const s of samples) {
        if (s.status !== 'ok' || s.pass !== pass || s.workload !== cs.workload) continue;
        const k = `${pairKey(s.server, s.client)}@${s.variant}`;
        if (!valueByPairRep.has(k)) valueByPairRep.set(k, new Map());
        valueByPairRep.get(k).set(s.rep, s.result[spec.metric]);
      }
      const refs = refKeys(cs.workload);
      const rows = [];
      for (const pair of cs.pairs) {
        const k = pairKey(pair.server, pair.client);
        const ps = mine.filter((s) => pairKey(s.server, s.client) === k);
        if (ps.length === 0) continue;
        const ok = ps.filter((s) => s.status === 'ok');
        const failed = ps.filter((s) => s.status === 'failed');
        const unsupported = ps.filter((s) => s.status === 'unsupported');
        const row = {
          key: k,
          server: pair.server,
          client: pair.client,
          group: pairGroup(cs.workload, pair.server, pair.client),
          subject: subject(cs.workload, pair.server, pair.client),
          runs: ps.length,
          ok: ok.length,
          failed: failed.length,
          unsupported: unsupported.length > 0,
          unsupportedBy: unsupported[0]?.unsupportedBy ?? null,
          value: stats(ok.map((s) => s.result[spec.metric])),
          extras: {},
          toC: null,
          toNet: null,
          toHttp: null,
          overC: null,
          errors: failed.map((s) => ({ rep: s.rep, error: s.error, stderrTail: s.stderrTail })),
          warnings: ps.flatMap((s) => (s.warnings ?? []).map((w) => `rep ${s.rep}: ${w}`)),
        };
        for (const e of spec.extras) row.extras[e] = stats(ok.map((s) => s.result[e]).filter(Number.isFinite));
        const ratio = (refKey, f) => {
          const ref = refKey === null ? undefined : valueByPairRep.get(refKey.includes('@') ? refKey : `${refKey}@${cs.variant}`);
          if (!ref) return null;
          const xs = [];
          for (const s of ok) {
            const r = ref.get(s.rep);
            if (Number.isFinite(r) && r > 0) xs.push(f(s.result[spec.metric], r));
          }
          return stats(xs);
        };
        row.toC = ratio(refs.c, (v, r) => v / r);
        row.toNet = ratio(refs.net, (v, r) => v / r);
        if (refs.http) row.toHttp = ratio(refs.http, (v, r) => v / r);
        if (cs.workload === 'overhead') row.overC = ratio(refs.c, (v, r) => v - r);
        rows.push(row);
      }
      rows.sort((a, b) => GROUP_ORDER.indexOf(a.group) - GROUP_ORDER.indexOf(b.group));
      groups.push({ pass, workload: cs.workload, variant: cs.variant, label: cs.label, params: cs.params, rows });
    }
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------
// number formatting

export function fmtValue(workload, v) {
  if (v == null || !Number.isFinite(v)) return '-';
  const metric = WORKLOADS[workload].metric;
  if (metric === 'gibPerSec') return v >= 10 ? v.toFixed(1) : v.toFixed(2);
  if (metric === 'nsPerCall') return v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v.toFixed(1);
  if (metric === 'ratio') return v.toFixed(2) + '×';
  return fmtCount(v);
}

export function fmtCount(v) {
  if (v == null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1e7) return (v / 1e6).toFixed(1) + 'M';
  if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (a >= 1e3) return (v / 1e3).toFixed(2) + 'k';
  return v.toFixed(0);
}

/** Bytes as KiB or MiB, one decimal. */
export function fmtBytes(v) {
  if (v == null || !Number.isFinite(v)) return '-';
  return Math.abs(v) >= 1024 * 1024 ? `${(v / 1024 / 1024).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`;
}

const fmtUs = (v) => (v == null || !Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const fmtRatio = (st) => (st ? st.median.toFixed(2) + '×' : '-');
const fmtNs = (st) => (st ? (st.median >= 0 ? '+' : '') + st.median.toFixed(0) + ' ns' : '-');

// ---------------------------------------------------------------------------------------------
// stdout tables

function table(header, rows, alignRight) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (alignRight[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function passTitle(pass) {
  return pass === 'pinned'
    ? 'PINNED: server and client both on CPU 0 (taskset -c 0), the headline figures'
    : 'UNPINNED: the scheduler places server and client (cross-CPU wake-ups included)';
}

export function renderTables(groups, { reps }) {
  const out = [];
  let lastPass = null;
  for (const g of groups) {
    const spec = WORKLOADS[g.workload];
    if (g.pass !== lastPass) {
      out.push('', '='.repeat(100), passTitle(g.pass), '='.repeat(100));
      lastPass = g.pass;
    }
    out.push('', `${spec.title}, ${g.label}: ${spec.what}; median, min–max of ${reps} interleaved runs`);
    const shown = g.rows.filter((r) => !r.unsupported || r.ok > 0 || r.failed > 0);
    const unsupported = g.rows.filter((r) => r.unsupported && r.ok === 0 && r.failed === 0);
    const runsCell = (r) => (r.failed ? `${r.ok}/${r.runs} (${r.failed} FAILED)` : `${r.ok}/${r.runs}`);
    const rangeCell = (r) => (r.value ? `${fmtValue(g.workload, r.value.min)}–${fmtValue(g.workload, r.value.max)}` : '-');
    let header;
    let rows;
    let right;
    if (g.workload === 'recv64k') {
      header = ['contender', 'runs', 'recv ns', 'recvInto ns', 'recv / recvInto', 'min–max'];
      right = [false, false, true, true, true, true];
      const ns = (st) => (st ? st.median.toFixed(0) : '-');
      rows = shown.map((r) => [cname(r.client), runsCell(r), ns(r.extras.recvNs), ns(r.extras.recvIntoNs), fmtValue(g.workload, r.value?.median), rangeCell(r)]);
    } else if (g.workload === 'overhead') {
      header = ['contender', 'runs', spec.unit, 'min–max', '× C', 'over C'];
      right = [false, false, true, true, true, true];
      rows = shown.map((r) => [cname(r.client), runsCell(r), fmtValue(g.workload, r.value?.median), rangeCell(r), fmtRatio(r.toC), fmtNs(r.overC)]);
    } else if (g.workload === 'many') {
      header = ['server', 'client', 'runs', spec.unit, 'min–max', '× C', '× node:net', 'RSS before', 'RSS idle', 'RSS per conn'];
      right = [false, false, false, true, true, true, true, true, true, true];
      const rss = (r, e) => fmtBytes(r.extras[e]?.median);
      rows = shown.map((r) => [
        cname(r.server), 'C load generator', runsCell(r), fmtValue(g.workload, r.value?.median), rangeCell(r), fmtRatio(r.toC), fmtRatio(r.toNet),
        rss(r, 'rssBefore'), rss(r, 'rssIdle'), rss(r, 'rssPerConn'),
      ]);
    } else if (g.workload === 'file') {
      header = ['sender', 'receiver', 'runs', spec.unit, 'min–max', '× C sendfile', '× node:net stream'];
      right = [false, false, false, true, true, true, true];
      rows = shown.map((r) => [cname(r.server), 'C (discards)', runsCell(r), fmtValue(g.workload, r.value?.median), rangeCell(r), fmtRatio(r.toC), fmtRatio(r.toNet)]);
    } else if (g.workload === 'udp') {
      header = ['receiver', 'sender', 'runs', spec.unit, 'min–max', '× C mmsg', '× node:dgram'];
      right = [false, false, false, true, true, true, true];
      rows = shown.map((r) => [cname(r.server), cname(r.client), runsCell(r), fmtValue(g.workload, r.value?.median), rangeCell(r), fmtRatio(r.toC), fmtRatio(r.toNet)]);
    } else if (g.workload === 'http') {
      header = ['server', 'client', 'runs', spec.unit, 'min–max', '× C', '× node:net', '× node:http'];
      right = [false, false, false, true, true, true, true, true];
      rows = shown.map((r) => [cname(r.server), 'C load generator', runsCell(r), fmtValue(g.workload, r.value?.median), rangeCell(r), fmtRatio(r.toC), fmtRatio(r.toNet), fmtRatio(r.toHttp)]);
    } else {
      header = ['server', 'client', 'runs', spec.unit, 'min–max'];
      right = [false, false, false, true, true];
      if (g.workload === 'pingpong') {
        header.push('p50 µs', 'p99 µs');
        right.push(true, true);
      }
      header.push('× C', '× node:net');
      right.push(true, true);
      rows = shown.map((r) => {
        const cells = [cname(r.server), cname(r.client), runsCell(r), fmtValue(g.workload, r.value?.median), rangeCell(r)];
        if (g.workload === 'pingpong') cells.push(fmtUs(r.extras.p50us?.median), fmtUs(r.extras.p99us?.median));
        cells.push(fmtRatio(r.toC), fmtRatio(r.toNet));
        return cells;
      });
    }
    if (rows.length) out.push(table(header, rows, right));
    if (unsupported.length) {
      out.push(`  unsupported (contender printed UNSUPPORTED): ${unsupported.map((r) => (LOADGEN.has(g.workload) ? cname(r.server) + ' server' : g.workload === 'file' ? cname(r.server) : `${cname(r.server ?? r.client)}${r.server && r.server !== r.client ? ' / ' + cname(r.client) : ''}`)).join(', ')}`);
    }
    for (const r of g.rows) {
      // identical failures (same message, same stderr tail) are listed once with their repetitions
      const byText = new Map();
      for (const e of r.errors) {
        const tail = Object.entries(e.stderrTail ?? {})
          .map(([side, t]) => `${side}: ${t.trim().split('\n').slice(-2).join(' | ')}`)
          .join('; ');
        const text = `${e.error}${tail ? ` [stderr: ${tail.slice(0, 240)}]` : ''}`;
        if (!byText.has(text)) byText.set(text, []);
        byText.get(text).push(e.rep);
      }
      const entries = [...byText];
      for (const [text, reps] of entries.slice(0, 3)) out.push(`  ! ${pairName(g.workload, r)}, rep ${reps.join(', ')}: ${text}`);
      if (entries.length > 3) out.push(`  ! ${pairName(g.workload, r)}: ${entries.length - 3} more distinct failure(s), see the JSON`);
      for (const w of r.warnings.slice(0, 2)) out.push(`  ? ${pairName(g.workload, r)}, ${w}`);
    }
  }
  out.push(
    '',
    '× C: the pair\'s figure over the C pair\'s (C server, C client) in the same repetition, median over repetitions;',
    '× node:net likewise against the node:net pair. For overhead, × C and "over C" compare ns per call (lower is better).',
    'recv(64 KiB) vs recvInto: per send + receive, the two timed in alternating blocks in one process; the ratio is per run.',
  );
  if (groups.some((g) => g.workload === 'many')) {
    out.push(
      'Many connections, RSS: the server\'s VmRSS after a full GC (Node servers) when listening, and again with every connection',
      'idle after one round trip, the server waiting in a recv on each; per conn = (idle - before) / connections.',
    );
  }
  if (groups.some((g) => g.workload === 'file')) {
    out.push(
      'File to socket: each method a table; a contender without it printed UNSUPPORTED (node:net has no sendfile, only node:net',
      'has the stream idiom). × C sendfile and × node:net stream compare every method with those two, run for run.',
    );
  }
  if (groups.some((g) => g.workload === 'udp')) {
    out.push(
      'UDP: × C mmsg and × node:dgram against the C recvmmsg receiver and the node:dgram receiver, both fed by the C sendmmsg sender,',
      'in the same repetition. A receiver is measured only while datagrams wait for it: a drain ends at the first receive that would wait.',
    );
  }
  if (groups.some((g) => g.workload === 'http')) {
    out.push('HTTP/1.1: node:http (http.createServer) is a contender in this workload only; × node:http against its server likewise.');
  }
  return out.join('\n');
}

function pairName(workload, r) {
  if (IN_PROCESS.has(workload)) return cname(r.client);
  if (workload === 'file') return `${cname(r.server)} sender`;
  if (LOADGEN.has(workload)) return `${cname(r.server)} server`;
  return r.server === r.client ? cname(r.client) : `${cname(r.server)} server / ${cname(r.client)} client`;
}

// ---------------------------------------------------------------------------------------------
// SVG chart: one per workload, one panel per variant (message size, connection count, op), one
// horizontal bar per pair (the median) with a min–max whisker, labelled with its value and ratio.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceStep(max, targetTicks) {
  const raw = max / targetTicks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

const GROUP_TITLE = {
  single: null,
  loadgen: 'server varies, C load generator as the clients',
  sender: 'the sender varies, a C receiver',
  same: 'the same program at both ends',
  'c-server': 'C server, the client varies (the client\'s cost)',
  'c-client': 'the server varies, C client (the server\'s cost)',
  'c-sender': 'the receiver varies, C sendmmsg sender (the receiver\'s cost)',
};

export function renderSvg(groupsOfWorkload, { workload, env, reps }) {
  const spec = WORKLOADS[workload];
  const W = 1100;
  const labelW = 250;
  const x0 = 20 + labelW + 10;
  const x1 = W - (LOADGEN.has(workload) ? 370 : 290); // room for the labels: three ratios, or two and RSS
  const rowH = 22;
  const rowGap = 7;
  const font = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";
  const parts = [];
  let y = 0;

  // header
  const what = spec.higherIsBetter ? `${spec.unit} (higher is better)` : `${spec.unit} (lower is better)`;
  parts.push(`<text x="20" y="34" font-size="22" font-weight="bold" fill="#111">${esc(`${spec.title}: ${what}`)}</text>`);
  const pinned = groupsOfWorkload[0]?.pass === 'pinned';
  const pinnedWhere = IN_PROCESS.has(workload) ? 'Pinned to CPU 0.' : workload === 'udp' ? 'Receiver pinned to CPU 0, sender to CPU 1.' : 'Server and client pinned to CPU 0.';
  const where = pinned ? pinnedWhere : 'Unpinned.';
  const sub1 = `${cap(spec.what.replace(/ \(lower is better\)$/, ''))}. ${where}`;
  const sub2 = `Bars: median of ${reps} interleaved runs; whiskers: min–max.`;
  const sub3 = `${env.cpuModel}, ${env.nproc} vCPU, Linux ${env.kernel}, Node ${env.node}, sockcall ${env.sockcall}${env.quick ? ', quick run' : ''}, ${env.date}`;
  y = 58;
  for (const line of [...wrap(sub1, 150), ...wrap(sub2, 150)]) {
    parts.push(`<text x="20" y="${y}" font-size="13" fill="#444">${esc(line)}</text>`);
    y += 18;
  }
  parts.push(`<text x="20" y="${y}" font-size="12" fill="#777">${esc(sub3)}</text>`);
  y += 24;

  for (const g of groupsOfWorkload) {
    const rows = g.rows.filter((r) => r.ok > 0 || r.failed > 0);
    const unsupported = g.rows.filter((r) => r.unsupported && r.ok === 0 && r.failed === 0);
    const maxV = Math.max(0, ...rows.map((r) => r.value?.max ?? 0));
    const step = maxV > 0 ? niceStep(maxV, 5) : 1;
    const top = Math.max(step, Math.ceil((maxV * 1.02) / step) * step);
    const sx = (v) => x0 + ((x1 - x0) * v) / top;

    // panel title and axis
    parts.push(`<text x="20" y="${y + 16}" font-size="16" font-weight="bold" fill="#222">${esc(panelTitle(workload, g))}</text>`);
    y += 28;
    const axisY = y + 12;
    const nGroups = new Set(rows.map((r) => r.group)).size;
    const titledGroups = new Set(rows.filter((r) => GROUP_TITLE[r.group]).map((r) => r.group)).size;
    const bodyH = rows.length * (rowH + rowGap) + titledGroups * 22 + Math.max(0, nGroups - 1) * 6;
    for (let t = 0; t <= top + step / 2; t += step) {
      const x = sx(t).toFixed(1);
      parts.push(`<line x1="${x}" y1="${axisY}" x2="${x}" y2="${axisY + bodyH + 6}" stroke="${t === 0 ? '#888' : '#e3e3e3'}" stroke-width="1"/>`);
      parts.push(`<text x="${x}" y="${axisY - 4}" font-size="11" fill="#666" text-anchor="middle">${esc(fmtTick(workload, t, step))}</text>`);
    }
    y = axisY + 8;

    let lastGroup = null;
    for (const r of rows) {
      if (r.group !== lastGroup) {
        if (lastGroup !== null) y += 6;
        if (GROUP_TITLE[r.group]) {
          parts.push(`<text x="20" y="${y + 14}" font-size="12" font-style="italic" fill="#666">${esc(GROUP_TITLE[r.group])}</text>`);
          y += 22;
        }
        lastGroup = r.group;
      }
      const c = byId[r.subject] ?? { color: '#999', name: r.subject };
      const mixed = r.group === 'c-server' || r.group === 'c-client';
      const cy = y + rowH / 2;
      parts.push(`<text x="${20 + labelW}" y="${cy + 5}" font-size="14" fill="#222" text-anchor="end">${esc(rowLabel(workload, r))}</text>`);
      if (r.value) {
        const xm = sx(r.value.median);
        parts.push(`<rect x="${x0}" y="${y}" width="${Math.max(1, xm - x0).toFixed(1)}" height="${rowH}" fill="${c.color}" fill-opacity="${mixed ? 0.55 : 0.9}" rx="2"/>`);
        const xa = sx(r.value.min);
        const xb = sx(r.value.max);
        parts.push(`<line x1="${xa.toFixed(1)}" y1="${cy}" x2="${xb.toFixed(1)}" y2="${cy}" stroke="#111" stroke-width="1.5"/>`);
        for (const xx of [xa, xb]) parts.push(`<line x1="${xx.toFixed(1)}" y1="${cy - 6}" x2="${xx.toFixed(1)}" y2="${cy + 6}" stroke="#111" stroke-width="1.5"/>`);
        let label = fmtValue(workload, r.value.median);
        if (workload === 'recv64k') {
          if (r.extras.recvNs && r.extras.recvIntoNs) label += `  ·  ${r.extras.recvNs.median.toFixed(0)} vs ${r.extras.recvIntoNs.median.toFixed(0)} ns`;
        } else if (workload === 'overhead') {
          if (r.subject !== 'c' && r.overC) label += `  ·  ${fmtNs(r.overC)} vs C`;
        } else {
          // file: every method against C's sendfile and node:net's stream, but those two rows themselves;
          // udp: against the C mmsg and node:dgram receivers.
          const file = workload === 'file';
          const [cRef, netRef] = workload === 'udp' ? [['c-mmsg', 'C mmsg'], ['node-dgram', 'node:dgram']] : [['c', 'C'], ['node-net', 'node:net']];
          const isC = r.subject === cRef[0] && (!file || g.variant === 'method=sendfile');
          const isNet = r.subject === netRef[0] && (!file || g.variant === 'method=stream');
          if (!isC && r.toC) label += `  ·  ${fmtRatio(r.toC)} ${cRef[1]}${file ? ' sendfile' : ''}`;
          if (!isNet && r.toNet) label += `  ·  ${fmtRatio(r.toNet)} ${netRef[1]}${file ? ' stream' : ''}`;
          if (r.subject !== 'node-http' && r.toHttp) label += `  ·  ${fmtRatio(r.toHttp)} node:http`;
          if (r.extras.rssPerConn) label += `  ·  ${fmtBytes(r.extras.rssPerConn.median)}/conn`;
        }
        if (r.failed) label += `  ·  ${r.failed} failed`;
        parts.push(`<text x="${(Math.max(xm, xb) + 8).toFixed(1)}" y="${cy + 5}" font-size="13" fill="${r.failed ? '#b00020' : '#222'}">${esc(label)}</text>`);
      } else {
        parts.push(`<text x="${x0 + 8}" y="${cy + 5}" font-size="13" fill="#b00020">${esc(`failed (${r.failed} of ${r.runs} runs)`)}</text>`);
      }
      y += rowH + rowGap;
    }
    if (unsupported.length) {
      parts.push(`<text x="${20 + labelW}" y="${y + 12}" font-size="12" fill="#888" text-anchor="end">${esc('not supported: ' + unsupported.map((r) => cname(r.subject)).join(', '))}</text>`);
      y += 20;
    }
    y += 18;
  }

  // footer
  const hasMixed = groupsOfWorkload.some((g) => g.rows.some((r) => r.group === 'c-server' || r.group === 'c-client'));
  const foot =
    workload === 'recv64k'
      ? 'Labels: median ratio, and the median ns per send + recv and per send + recvInto. Generated by npm run bench (bench/run.mjs).'
      : workload === 'overhead'
      ? 'Labels: median, and the median of per-run differences to C. Generated by npm run bench (bench/run.mjs).'
      : workload === 'many'
        ? 'Labels: median, the medians of per-run ratios to the C server and to the node:net server, and RSS per idle connection. Generated by npm run bench.'
        : workload === 'file'
        ? 'Labels: median, and the medians of per-run ratios to the C sendfile sender and to node:net\'s createReadStream().pipe(). Generated by npm run bench.'
        : workload === 'udp'
        ? 'Labels: median, and the medians of per-run ratios to the C mmsg and node:dgram receivers fed by the C sendmmsg sender. Generated by npm run bench.'
        : workload === 'http'
        ? 'Labels: median, and the medians of per-run ratios to the C, node:net and node:http servers (node:http serves this workload only). Generated by npm run bench.'
        : `Labels: median, and the medians of per-run ratios to the C pair and to the node:net pair.${hasMixed ? ' Lighter bars: mixed pairs.' : ''} Generated by npm run bench.`;
  parts.push(`<text x="20" y="${y + 8}" font-size="12" fill="#777">${esc(foot)}</text>`);
  y += 24;

  const H = Math.ceil(y);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${font}>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    ...parts,
    `</svg>`,
    '',
  ].join('\n');
}

const cap = (t) => t.charAt(0).toUpperCase() + t.slice(1);

function wrap(text, width) {
  const lines = [];
  let cur = '';
  for (const w of text.split(' ')) {
    if (cur && (cur + ' ' + w).length > width) lines.push(cur), (cur = w);
    else cur = cur ? cur + ' ' + w : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

function fmtTick(workload, t, step) {
  if (t === 0) return '0';
  if (WORKLOADS[workload].metric === 'gibPerSec' || step < 1) return String(Number(t.toPrecision(6)));
  for (const [d, suf] of [[1e6, 'M'], [1e3, 'k']]) if (t >= d) return String(Number((t / d).toPrecision(6))) + suf;
  return String(Number(t.toPrecision(6)));
}

/** What each overhead op measures. */
const OVERHEAD_TITLES = {
  getsockopt: 'getsockopt(SOL_SOCKET, SO_RCVBUF)',
  recvdata: 'send 1 byte + recv 1 byte over a socketpair',
  eagain: 'a recv that would block (EAGAIN, non-blocking socketpair): sockcall throws and catches its SocketError',
  tryeagain: 'a recv that would block (EAGAIN): sockcall\'s tryRecvInto returns null (C and koffi as in the row above)',
};

function panelTitle(workload, g) {
  if (workload === 'pingpong') return `${g.label} messages`;
  if (workload === 'bulk') return `${g.label} sends`;
  if (LOADGEN.has(workload)) return `${g.label}`;
  if (workload === 'recv64k') return 'a 64-byte message: recv(65536) against recvInto(a reused 64 KiB Buffer)';
  if (workload === 'overhead') return OVERHEAD_TITLES[g.variant] ?? g.variant;
  return g.label;
}

function rowLabel(workload, r) {
  if (LOADGEN.has(workload)) return `${cname(r.server)} server`;
  if (workload === 'file') return cname(r.server);
  if (r.group === 'c-sender') return `${cname(r.server)} receiver`;
  if (r.group === 'c-server') return `${cname(r.client)} client`;
  if (r.group === 'c-client') return `${cname(r.server)} server`;
  return cname(r.subject);
}
