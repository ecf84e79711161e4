// traceView and `sockcall trace-view`: a trace recorded for real (a server and a client, two
// processes over loopback, both appending to one file under SOCKCALL_TRACE=ptT) drawn as an SVG
// sequence diagram, which is parsed as XML here: two lanes, the connect -> accept arrow proved by
// the addresses, a send -> recv arrow for each direction with its byte count; no arrow where the
// trace cannot prove one; the command reading stdin or a file; bad input refused in words.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';
import * as promises from 'sockcall/promises';

import { root } from './helpers.mjs';

const { traceView } = sockcall;
const CLI = join(root, 'dist', 'cli.js');
const CHILD_MS = 15000;

const SERVER = `
  const S = require(${JSON.stringify(root)});
  const server = new S.Socket(S.AF_INET, S.SOCK_STREAM);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(1);
  process.stdout.write(server.getsockname().port + '\\n');
  const conn = server.accept();
  conn.getpeername();
  let got = 0;
  while (got < 5) { const n = conn.recv(100).length; if (n === 0) break; got += n; }
  conn.send('goodbye');
  conn.close();
  server.close();
`;
const CLIENT = `
  const S = require(${JSON.stringify(root)});
  const client = new S.Socket(S.AF_INET, S.SOCK_STREAM);
  client.connect({ address: '127.0.0.1', port: Number(process.argv[1]) });
  client.getsockname();
  client.send('hello');
  let got = 0;
  while (got < 7) { const n = client.recv(100).length; if (n === 0) break; got += n; }
  client.close();
`;

/** Runs a child to its end, stderr appended to `log`; resolves with its stdout, rejects on failure. */
function run(args, log, { onLine } = {}) {
  const { SOCKCALL_TRACE, ...env } = process.env;
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', fd], env: { ...env, SOCKCALL_TRACE: 'ptT' } });
  closeSync(fd);
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (onLine && out.includes('\n')) {
      onLine(out.split('\n')[0]);
      onLine = undefined;
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_MS);
  const done = new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node ${args[0] === '-e' ? '-e' : args[0]} ended with ${code ?? signal}: ${readFileSync(log, 'utf8')}`));
    });
  });
  return { child, done };
}

// --- a tiny XML reader: enough to hold the SVG to being well formed and to walk it -------------

/** Parses `text` as XML into { name, attrs, children, text }; throws on anything not well formed. */
function parseXml(text) {
  const root = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+\s*=\s*"[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m;
  while ((m = token.exec(text)) !== null) {
    if (m[6] !== undefined) throw new Error(`not well formed at ${m.index}: ${text.slice(m.index, m.index + 40)}`);
    const top = stack.at(-1);
    if (m[1] !== undefined) {
      if (top.name !== m[1]) throw new Error(`</${m[1]}> closes <${top.name}> at ${m.index}`);
      stack.pop();
    } else if (m[2] !== undefined) {
      const attrs = {};
      for (const [, name, value] of m[3].matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)) {
        if (Object.hasOwn(attrs, name)) throw new Error(`attribute ${name} twice at ${m.index}`);
        if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(value)) throw new Error(`a bare & at ${m.index}`);
        attrs[name] = value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      }
      const element = { name: m[2], attrs, children: [], text: '' };
      top.children.push(element);
      if (m[4] !== '/') stack.push(element);
    } else if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(m[5])) throw new Error(`a bare & at ${m.index}`);
      top.text += m[5].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    }
  }
  if (stack.length !== 1) throw new Error(`<${stack.at(-1).name}> never closed`);
  const elements = root.children.filter((e) => e.name !== '#text');
  if (elements.length !== 1 || elements[0].name !== 'svg') throw new Error('not one <svg> root');
  return elements[0];
}

function* walk(element) {
  yield element;
  for (const child of element.children) yield* walk(child);
}

/** Every arrow runs level or down the page, as time does: none points back up. */
function expectDownhill(svg) {
  for (const arrow of [...walk(svg)].filter((e) => (e.attrs.class ?? '').startsWith('arrow'))) {
    const d = arrow.children.find((e) => e.name === 'path').attrs.d;
    const ys = [...d.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map((m) => Number(m[2]));
    expect(ys.at(-1), d).to.be.at.least(ys[0]);
  }
}

const withClass = (svg, cls) => [...walk(svg)].filter((e) => (e.attrs.class ?? '').split(' ').includes(cls));
const textOf = (element) => [...walk(element)].map((e) => e.text).join('');

describe('89 trace-view: a recorded trace as a sequence diagram', function () {
  this.timeout(30000);
  let dir;
  let log;
  let trace;
  let pids;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'sockcall-trace-view-'));
    log = join(dir, 'trace.log');
    let server;
    const port = await new Promise((resolve, reject) => {
      server = run(['-e', SERVER], log, { onLine: resolve });
      server.done.catch(reject);
    });
    const client = run(['-e', CLIENT, port], log);
    await Promise.all([server.done, client.done]);
    pids = { server: String(server.child.pid), client: String(client.child.pid) };
    trace = readFileSync(log, 'utf8');
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SOCKCALL_TRACE=p puts [pid N] on every line of a main thread, its process id', function () {
    const lines = trace.split('\n').filter(Boolean);
    expect(lines.length).to.be.greaterThan(10);
    for (const line of lines) expect(line).to.match(/^\[pid +\d+\] \d\d:\d\d:\d\d\.\d{6} [a-z0-9_]+\(.*\) += .* <\d+\.\d{6}>$/);
    const seen = new Set(lines.map((line) => /^\[pid +(\d+)\]/.exec(line)[1]));
    expect([...seen].sort()).to.deep.equal([pids.server, pids.client].sort());
  });

  it('draws one lane per process, the connect -> accept arrow, and a send -> recv arrow each way with its bytes', function () {
    const svg = parseXml(traceView(trace, { title: 'server & client' }));
    expectDownhill(svg);
    expect(svg.attrs.xmlns).to.equal('http://www.w3.org/2000/svg');
    const lanes = withClass(svg, 'lane');
    expect(lanes.map((lane) => lane.attrs['data-lane']).sort()).to.deep.equal([pids.server, pids.client].sort());
    expect(lanes.map(textOf).join('|')).to.include(`pid ${pids.server}`).and.include('listens on 127.0.0.1:');

    const calls = new Map(withClass(svg, 'call').map((call) => [call.attrs['data-line'], call]));
    const lines = trace.split('\n');
    const laneOf = (line) => /^\[pid +(\d+)\]/.exec(lines[Number(line) - 1])[1];
    const nameOf = (line) => calls.get(line).attrs['data-name'];
    expect(calls.size).to.equal(lines.filter(Boolean).length);

    const connects = withClass(svg, 'connect').filter((e) => e.name === 'g');
    expect(connects).to.have.lengthOf(1);
    const [connect] = connects;
    expect(nameOf(connect.attrs['data-from-line'])).to.equal('connect');
    expect(laneOf(connect.attrs['data-from-line'])).to.equal(pids.client);
    expect(nameOf(connect.attrs['data-to-line'])).to.equal('accept4');
    expect(laneOf(connect.attrs['data-to-line'])).to.equal(pids.server);
    // The client's getsockname and the server's getpeername name the same address: proved, not guessed.
    expect(connect.attrs['data-by-order']).to.equal('false');

    const data = withClass(svg, 'data').filter((e) => e.name === 'g');
    const arrows = data.map((arrow) => ({
      from: [laneOf(arrow.attrs['data-from-line']), nameOf(arrow.attrs['data-from-line'])],
      to: [laneOf(arrow.attrs['data-to-line']), nameOf(arrow.attrs['data-to-line'])],
      bytes: Number(arrow.attrs['data-bytes']),
      label: textOf(arrow),
    }));
    expect(arrows).to.deep.include.members([
      { from: [pids.client, 'sendto'], to: [pids.server, 'recvfrom'], bytes: 5, label: '5 bytes' },
      { from: [pids.server, 'sendto'], to: [pids.client, 'recvfrom'], bytes: 7, label: '7 bytes' },
    ]);
    expect(arrows).to.have.lengthOf(2);
  });

  it('is deterministic, and the same from both entry points', function () {
    expect(traceView(trace)).to.equal(traceView(trace));
    expect(promises.traceView).to.equal(traceView);
  });

  it('draws no arrow it cannot prove: bytes that differ, a port nobody listens on', function () {
    // The recv of the client's 5 bytes shows other bytes: the send and it are not one.
    const otherBytes = trace.replace(/recvfrom\((\d+), "hello"/, 'recvfrom($1, "HELLO"');
    expect(otherBytes).to.not.equal(trace);
    const svg = parseXml(traceView(otherBytes));
    expect(withClass(svg, 'data').filter((e) => e.name === 'g').map((e) => e.attrs['data-bytes'])).to.deep.equal(['7']);
    // The connect aimed elsewhere: neither it nor the bytes of that connection get arrows.
    const elsewhere = trace.replace(/(connect\(\d+, \{sa_family=AF_INET, sin_port=htons\()\d+/, '$19');
    const svg2 = parseXml(traceView(elsewhere));
    expect(withClass(svg2, 'arrow')).to.have.lengthOf(0);
  });

  it('skips lines that are not trace lines, and counts them', function () {
    const mixed = `listening on 127.0.0.1:1\n${trace}[pid 1] 10:00:00.000000 recvfrom(3, "cut off\n`;
    const svg = parseXml(traceView(mixed));
    expect(withClass(svg, 'lane')).to.have.lengthOf(2);
    expect(textOf(svg)).to.include('2 lines skipped, not trace lines');
  });

  it('draws a trace without timestamps or pids in the order of its lines, in one lane', function () {
    const lines = [];
    sockcall.trace((line) => lines.push(line));
    const [a, b] = sockcall.Socket.pair(sockcall.AF_UNIX, sockcall.SOCK_STREAM);
    try {
      a.send('ping');
      b.recv(10);
    } finally {
      a.close();
      b.close();
      sockcall.trace(false);
    }
    const svg = parseXml(traceView(lines.join('\n')));
    expect(withClass(svg, 'lane').map((lane) => lane.attrs['data-lane'])).to.deep.equal(['']);
    expect(textOf(svg)).to.include('main thread').and.include('no timestamps');
    // A socketpair's two ends are known to be one connection.
    expect(withClass(svg, 'data').filter((e) => e.name === 'g').map((e) => e.attrs['data-bytes'])).to.deep.equal(['4']);
  });

  it('follows a stream taken in other pieces than it was sent, and a datagram to the address its receiver bound', function () {
    const lines = [];
    const { Socket, AF_INET, SOCK_STREAM, SOCK_DGRAM } = sockcall;
    const sockets = [];
    const open = (type) => {
      const s = new Socket(AF_INET, type);
      sockets.push(s);
      return s;
    };
    sockcall.trace((line) => lines.push(line), { timestamps: true, durations: true });
    try {
      const server = open(SOCK_STREAM);
      server.bind({ address: '127.0.0.1', port: 0 });
      server.listen(1);
      const client = open(SOCK_STREAM);
      client.connect(server.getsockname());
      const conn = server.accept();
      sockets.push(conn);
      client.send('0123456789');
      client.send('abcdefghij');
      // Both are queued on loopback before this recv: it takes the first and half the second.
      let got = conn.recv(15).length;
      conn.send('xyz');
      while (got < 20) got += conn.recv(100).length;
      const receiver = open(SOCK_DGRAM);
      receiver.bind({ address: '127.0.0.1', port: 0 });
      const sender = open(SOCK_DGRAM);
      sender.sendto('datagram', receiver.getsockname());
      receiver.recvfrom(100);
    } finally {
      sockcall.trace(false);
      for (const s of sockets) s.close();
    }
    const svg = parseXml(traceView(lines.join('\n')));
    const arrows = withClass(svg, 'arrow').map((arrow) => [arrow.attrs.class, textOf(arrow)]);
    // The client read nothing, so 'xyz' has no arrow.
    expect(arrows).to.deep.equal([
      ['arrow connect', 'connect'],
      ['arrow data', '10 bytes'],
      ['arrow data', '5 of 10 bytes'],
      ['arrow data', '5 of 10 bytes'],
      ['arrow data', '8 bytes'],
    ]);
  });

  it('draws no arrow for a lane whose fds are mixed up: two processes traced without [pid N]', function () {
    const address = '{sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr("127.0.0.1")}';
    const mixed = [
      'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3',
      `bind(3, ${address}, 16) = 0`,
      'listen(3, 1)                            = 0',
      'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3',
      `connect(3, ${address}, 16) = 0`,
      'accept4(3, NULL, NULL, SOCK_CLOEXEC) = 4',
      'sendto(3, "hi", 2, MSG_NOSIGNAL, NULL, 0) = 2',
      'recvfrom(4, "hi", 100, 0, NULL, NULL) = 2',
    ].join('\n');
    const svg = parseXml(traceView(mixed));
    expect(withClass(svg, 'arrow')).to.have.lengthOf(0);
    expect(withClass(svg, 'note').map(textOf)).to.include('main thread opened fd 3 twice without a close (several processes without [pid N]?): no arrows for it');
    // The same calls from two processes, told apart: the arrows are there.
    const apart = mixed.split('\n').map((line, i) => `[pid ${i < 3 || line.startsWith('accept4') || line.startsWith('recvfrom') ? 100 : 200}] ${line}`).join('\n');
    expect(withClass(parseXml(traceView(apart)), 'arrow').map(textOf)).to.deep.equal(['connect', '2 bytes']);
    // Without timestamps a line is written when its call returns: a recv may come before the send
    // that fed it. The send began after the line before it in its lane, so the arrow still runs down.
    const lines = apart.split('\n');
    const [send, recv] = [lines.findIndex((l) => l.includes('sendto')), lines.findIndex((l) => l.includes('recvfrom'))];
    [lines[send], lines[recv]] = [lines[recv], lines[send]];
    const recvFirst = parseXml(traceView(lines.join('\n')));
    expect(withClass(recvFirst, 'arrow').map(textOf)).to.deep.equal(['connect', '2 bytes']);
    expectDownhill(recvFirst);
  });

  it("reads strace -f's own output: pids as -o writes them, calls left unfinished and resumed", function () {
    // strace -f -tt -T -e trace=network -o FILE, of examples/c/tcp-echo-server.c and its client.
    const straced = `11641 20:17:06.183099 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000023>
11641 20:17:06.183213 bind(3, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0 <0.000017>
11641 20:17:06.183270 listen(3, 10)     = 0 <0.000010>
11641 20:17:06.183296 getsockname(3, {sa_family=AF_INET, sin_port=htons(44989), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0 <0.000008>
11641 20:17:06.183449 accept(3, NULL, NULL <unfinished ...>
11700 20:17:06.363839 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.001257>
11700 20:17:06.365213 connect(3, {sa_family=AF_INET, sin_port=htons(44989), sin_addr=inet_addr("127.0.0.1")}, 16) = 0 <0.000121>
11641 20:17:06.365392 <... accept resumed>) = 4 <0.181931>
11700 20:17:06.365668 sendto(3, "abcdefghijklmnopqrstuvwxyzabcdef"..., 250, MSG_NOSIGNAL, NULL, 0 <unfinished ...>
11700 20:17:06.365826 <... sendto resumed>) = 250 <0.000060>
11700 20:17:06.365943 recvfrom(3,  <unfinished ...>
11641 20:17:06.365957 recvfrom(4, "abcdefghijklmnopqrstuvwxyzabcdef"..., 250, 0, NULL, NULL) = 250 <0.000025>
11641 20:17:06.371250 sendto(4, "abcdefghijklmnopqrstuvwxyzabcdef"..., 250, MSG_NOSIGNAL, NULL, 0 <unfinished ...>
11700 20:17:06.371986 <... recvfrom resumed>"abcdefghijklmnopqrstuvwxyzabcdef"..., 250, 0, NULL, NULL) = 250 <0.006033>
11641 20:17:06.372037 <... sendto resumed>) = 250 <0.000735>
11700 20:17:06.372100 +++ exited with 0 +++
`;
    const svg = parseXml(traceView(straced));
    expect(withClass(svg, 'lane').map((lane) => lane.attrs['data-lane'])).to.deep.equal(['11641', '11700']);
    const calls = withClass(svg, 'call');
    expect(calls).to.have.lengthOf(11);
    const accept = calls.find((call) => call.attrs['data-name'] === 'accept');
    expect(accept.attrs['data-result']).to.equal('4');
    // Begun at the first half's time, for the resumed half's duration.
    expect(textOf(accept)).to.include('+350 µs · 181.9 ms');
    const arrows = withClass(svg, 'arrow').map((arrow) => [arrow.attrs['data-from-line'], arrow.attrs['data-to-line'], textOf(arrow)]);
    expect(arrows).to.have.deep.members([
      ['7', '8', 'connect'],
      ['10', '12', '250 bytes'],
      ['15', '14', '250 bytes'],
    ]);
    expect(textOf(svg)).to.include('1 line skipped');
    expectDownhill(svg);
  });

  it('writes well-formed XML whatever the input holds: control characters, markup', function () {
    const svg = parseXml(traceView('socket(AF_\u0001INET, <b>&amp;</b>, "]]>") = 3\n', { title: '<\u0007&>' }));
    expect(svg.children.find((e) => e.name === 'title').text).to.equal('<\ufffd&>');
  });

  it('never crashes on a damaged trace: lines cut, dropped, reordered, bytes changed', function () {
    const lines = trace.split('\n');
    let seed = 1;
    const random = (n) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const damaged = lines.map((line) => {
        const r = random(6);
        if (r === 0) return line.slice(0, random(line.length + 1));
        if (r === 1 && line.length > 0) {
          const at = random(line.length);
          return line.slice(0, at) + '")}],=<&"\\'[random(10)] + line.slice(at + 1);
        }
        return line;
      });
      if (round % 3 === 0) damaged.reverse();
      const text = damaged.filter(() => random(5) !== 0).join('\n');
      let svg;
      try {
        svg = traceView(text);
      } catch (error) {
        expect(error.code, `${error.stack}\n${text}`).to.equal('ERR_INVALID_ARG_VALUE');
        continue;
      }
      parseXml(svg);
    }
  });

  it('refuses what is not a trace in words: not a string, no trace line, bad options', function () {
    for (const bad of [undefined, 42, Buffer.from('x')]) {
      expect(() => traceView(bad)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    }
    for (const empty of ['', '\n\n', 'garbage\nmore garbage (x) = y\n', '\u0000\u00ff'.repeat(50)]) {
      expect(() => traceView(empty)).to.throw(TypeError, /holds no line of a syscall trace/).with.property('code', 'ERR_INVALID_ARG_VALUE');
    }
    expect(() => traceView(trace, { titel: 'x' })).to.throw(TypeError);
    expect(() => traceView(trace, { title: 1 })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
  });

  describe('sockcall trace-view', function () {
    const cli = (args, input) => {
      const { SOCKCALL_TRACE, ...env } = process.env;
      return spawnSync(process.execPath, [CLI, 'trace-view', ...args], { input, encoding: 'utf8', timeout: CHILD_MS, env });
    };

    it('reads stdin and writes the SVG to stdout', function () {
      const result = cli([], trace);
      expect(result.stderr).to.equal('');
      expect(result.status).to.equal(0);
      expect(result.stdout).to.equal(traceView(trace, { title: 'syscall trace' }));
      expect(withClass(parseXml(result.stdout), 'lane')).to.have.lengthOf(2);
    });

    it('reads a file and writes -o, titled with the file name or --title', function () {
      const out = join(dir, 'flow.svg');
      const result = cli([log, '-o', out], '');
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.equal('');
      expect(readFileSync(out, 'utf8')).to.equal(traceView(trace, { title: log }));
      const titled = cli(['-', '--title', 'echo <flow>'], trace);
      expect(titled.status).to.equal(0);
      expect(parseXml(titled.stdout).children.find((e) => e.name === 'title').text).to.equal('echo <flow>');
    });

    it('says what is wrong: an empty input, a missing file, a bad command line', function () {
      const empty = cli([], '');
      expect(empty.status).to.equal(1);
      expect(empty.stdout).to.equal('');
      expect(empty.stderr).to.equal('sockcall: stdin: no line of a syscall trace in it (record one with SOCKCALL_TRACE=ptT)\n');
      const missing = cli([join(dir, 'nothing.log')], '');
      expect(missing.status).to.equal(1);
      expect(missing.stderr).to.match(/^sockcall: ENOENT: no such file or directory/);
      const extra = cli(['a', 'b'], '');
      expect(extra.status).to.equal(2);
      expect(extra.stderr).to.include("unexpected argument 'b'");
      const noValue = cli(['-o'], '');
      expect(noValue.status).to.equal(2);
      expect(noValue.stderr).to.include("option '-o' needs a value");
    });
  });
});
