// The examples beside their C: every program in examples/ is run against its C twin in
// examples/c/ both ways round, and against itself, as child processes on port 0 (or a Unix path
// under os.tmpdir()). Each transcript must be exactly what the protocol says, every program must
// exit 0, and the TypeScript and C programs must print the same lines for the same run, so that
// the examples cannot rot without this file failing.
//
// The C twins are compiled here with `cc -Wall -Wextra -Werror -O2`; the TypeScript examples are
// run from examples/dist/, which `npx tsc -p examples` builds (npm test does it first).
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';
import * as promises from 'sockcall/promises';

import { GUARD_MS, needRawSockets, needTool, PLAIN_TOOL_ENV, root, socket, track } from './helpers.mjs';

const { AF_INET, SOCK_STREAM } = sockcall;

const EXAMPLES = join(root, 'examples');
const PROGRAMS = [
  'tcp-echo-server',
  'tcp-echo-client',
  'welcome-server',
  'welcome-client',
  'select-server',
  'poll-server',
  'epoll-server',
  'tcp-echo-promises-server',
  'udp-echo-server',
  'udp-echo-client',
  'unix-echo-server',
  'unix-echo-client',
  'flags-client',
  'tcp-info',
  'ping',
  'sniff',
  'static-server',
];
const FLAVOURS = ['ts', 'c'];
const LABEL = { ts: 'sockcall', c: 'C' };

/** A child that has not exited by then is SIGKILLed, and its test fails on the exit status. */
const CHILD_MS = 15000;

/** What tcp-echo-client sends: the alphabet over and over, 250 bytes. */
const ALPHABET_250 = Array.from({ length: 250 }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('');

const TCP_ECHO_CLIENT = ['connected to 127.0.0.1:PORT', 'sent 250 bytes', `received 250 bytes: ${ALPHABET_250}`];

// --- child processes ----------------------------------------------------------------------------

let binDir;
const running = new Set();

/**
 * Starts an example: `flavour` 'ts' (node examples/dist/NAME.js) or 'c' (the compiled twin); under
 * `wrapper` (a command line that ends with the program's), when given.
 */
function run(flavour, name, args = [], { input = '', wrapper = [] } = {}) {
  const [program, ...argv] =
    flavour === 'ts' ? [process.execPath, join(EXAMPLES, 'dist', `${name}.js`), ...args] : [join(binDir, name), ...args];
  const [file, ...wrapped] = [...wrapper, program, ...argv];
  const child = spawn(file, wrapped, { stdio: ['pipe', 'pipe', 'pipe'] });
  const proc = { label: `${LABEL[flavour]} ${name}`, child, stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (proc.stdout += chunk));
  child.stderr.on('data', (chunk) => (proc.stderr += chunk));
  // A client that stops reading at "quit" may leave input unread: EPIPE here is no failure of ours.
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_MS);
  proc.exit = new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': all of stdout has been read by then.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  proc.exit.catch(() => {}).finally(() => running.delete(proc));
  running.add(proc);
  return proc;
}

function linesOf(text) {
  const lines = text.split('\n');
  lines.pop(); // after the last '\n', or an unfinished line
  return lines;
}

/** Waits for a whole stdout line matching `pattern`; fails if the program ends without one. */
function waitForLine(proc, pattern) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = linesOf(proc.stdout).map((line) => pattern.exec(line)).find(Boolean);
      if (match === undefined) return false;
      proc.child.stdout.off('data', check);
      resolve(match);
      return true;
    };
    if (check()) return;
    proc.child.stdout.on('data', check);
    proc.exit.then(
      () => check() || reject(new Error(`${proc.label} ended without a line like ${pattern}\n${dump(proc)}`)),
      reject,
    );
  });
}

function dump(proc) {
  return `stdout:\n${proc.stdout}stderr:\n${proc.stderr}`;
}

/** Waits for the program to end, asserts exit status 0, and returns its stdout lines. */
async function finished(proc) {
  const { code, signal } = await proc.exit;
  expect({ code, signal }, `${proc.label} exit status\n${dump(proc)}`).to.deep.equal({ code: 0, signal: null });
  return linesOf(proc.stdout);
}

/** Starts a server on port 0 and reads the port it got from its first line. */
async function startServer(flavour, name, args) {
  const proc = run(flavour, name, args);
  const [, host, port] = await waitForLine(proc, /^listening on (.+):(\d+)$/);
  expect(linesOf(proc.stdout)[0], 'the first line').to.equal(`listening on ${host}:${port}`);
  return { proc, port: Number(port) };
}

/** 127.0.0.1:<the server's port> becomes 127.0.0.1:PORT, and any other port PEER. */
function normalise(lines, serverPort) {
  return lines.map((line) =>
    line.replace(/127\.0\.0\.1:(\d+)/g, (_, port) => `127.0.0.1:${Number(port) === serverPort ? 'PORT' : 'PEER'}`),
  );
}

/** The peer ports named in `lines` by lines matching `pattern` (its group 1 is the port). */
function portsIn(lines, pattern) {
  return lines.map((line) => pattern.exec(line)).filter(Boolean).map((match) => Number(match[1]));
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * Runs `combo(serverFlavour, clientFlavour)` for all four pairings at once and returns the
 * transcripts by pairing ('ts-c': sockcall server, C client). Then asserts that the TypeScript and
 * C programs printed the same lines: each server's against the same client, each client's against
 * the same server.
 */
async function allFourWays(combo) {
  const pairs = FLAVOURS.flatMap((server) => FLAVOURS.map((client) => [server, client]));
  const results = await Promise.all(pairs.map(([server, client]) => combo(server, client)));
  const by = Object.fromEntries(pairs.map(([server, client], i) => [`${server}-${client}`, results[i]]));
  for (const flavour of FLAVOURS) {
    expect(by[`ts-${flavour}`].server, `sockcall and C servers print the same, with a ${LABEL[flavour]} client`).to.deep.equal(
      by[`c-${flavour}`].server,
    );
    expect(by[`${flavour}-ts`].client, `sockcall and C clients print the same, with a ${LABEL[flavour]} server`).to.deep.equal(
      by[`${flavour}-c`].client,
    );
  }
  return by;
}

function pairing(server, client) {
  return `${LABEL[server]} server <-> ${LABEL[client]} client`;
}

// --- the tests ----------------------------------------------------------------------------------

describe('85 examples beside their C', function () {
  this.timeout(30000);

  before(async function () {
    this.timeout(120000);
    for (const name of [...PROGRAMS, 'cli']) {
      const source = join(EXAMPLES, `${name}.ts`);
      const built = join(EXAMPLES, 'dist', `${name}.js`);
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
        throw new Error(`examples/dist/${name}.js is missing or older than examples/${name}.ts: run \`npx tsc -p examples\``);
      }
    }
    const probe = spawnSync('cc', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(`no C compiler: \`cc --version\` failed (${probe.error?.message ?? probe.stderr}); test/85 compiles examples/c/*.c`);
    }
    binDir = mkdtempSync(join(tmpdir(), 'sockcall-examples-'));
    await Promise.all(
      PROGRAMS.map(
        (name) =>
          new Promise((resolve, reject) => {
            const args = ['-Wall', '-Wextra', '-Werror', '-O2', '-o', join(binDir, name), join(EXAMPLES, 'c', `${name}.c`), '-lm'];
            const cc = spawn('cc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            cc.stderr.on('data', (chunk) => (stderr += chunk));
            cc.once('error', reject);
            cc.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`cc ${args.join(' ')} failed:\n${stderr}`))));
          }),
      ),
    );
  });

  after(function () {
    if (binDir !== undefined) rmSync(binDir, { recursive: true, force: true });
  });

  afterEach(async function () {
    const left = [...running];
    for (const proc of left) proc.child.kill('SIGKILL');
    await Promise.all(left.map((proc) => proc.exit.catch(() => {})));
  });

  describe("tcp-echo (IBM's connection-oriented example)", function () {
    it('all four ways: the 250 bytes echoed, the client resolving localhost', async function () {
      await allFourWays(async (s, c) => {
        const { proc: server, port } = await startServer(s, 'tcp-echo-server', ['0', '127.0.0.1', '--clients', '1']);
        const client = normalise(await finished(run(c, 'tcp-echo-client', [String(port), 'localhost'])), port);
        const served = normalise(await finished(server), port);
        expect(client, pairing(s, c)).to.deep.equal(TCP_ECHO_CLIENT);
        expect(served, pairing(s, c)).to.deep.equal([
          'listening on 127.0.0.1:PORT',
          'accepted 127.0.0.1:PEER',
          'received 250 bytes',
          'echoed 250 bytes',
        ]);
        return { server: served, client };
      });
    });

    for (const flavour of FLAVOURS) {
      it(`${LABEL[flavour]} server: 100 bytes, a pause, 150 bytes still come in with one recv() (SO_RCVLOWAT 250)`, async function () {
        const { proc: server, port } = await startServer(flavour, 'tcp-echo-server', ['0', '127.0.0.1', '--clients', '1']);
        const sd = socket(AF_INET, SOCK_STREAM);
        sd.connect({ address: '127.0.0.1', port });
        const data = Buffer.from(ALPHABET_250, 'latin1');
        expect(sd.send(data.subarray(0, 100))).to.equal(100);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(sd.send(data.subarray(100))).to.equal(150);
        const echoed = [];
        let total = 0;
        for (let calls = 0; total < data.length && calls < data.length; calls++) {
          const part = sd.recv(data.length - total); // guarded: SO_RCVTIMEO
          if (part.length === 0) break;
          echoed.push(part);
          total += part.length;
        }
        expect(Buffer.concat(echoed).toString('latin1'), `the echo; the server so far:\n${dump(server)}`).to.equal(ALPHABET_250);
        sd.close();
        expect(normalise(await finished(server), port)).to.deep.equal([
          'listening on 127.0.0.1:PORT',
          'accepted 127.0.0.1:PEER',
          'received 250 bytes',
          'echoed 250 bytes',
        ]);
      });
    }
  });

  describe('welcome', function () {
    it('all four ways: the welcome line, each line echoed, "quit", then the next client', async function () {
      await allFourWays(async (s, c) => {
        const { proc: server, port } = await startServer(s, 'welcome-server', ['0', '127.0.0.1', '--clients', '2']);
        const first = await finished(run(c, 'welcome-client', [String(port)], { input: 'hello\nhéllo wörld\nquit\nnever sent\n' }));
        // The second client's input ends without "quit" and without a last '\n'.
        const second = await finished(run(c, 'welcome-client', [String(port), '127.0.0.1'], { input: '\nlast line' }));
        const client = normalise([...first, ...second], port);
        const served = await finished(server);
        const [firstPeer, secondPeer] = portsIn(served, /^accepted 127\.0\.0\.1:(\d+)$/);
        expect(portsIn(served, /^closed 127\.0\.0\.1:(\d+)$/), pairing(s, c)).to.deep.equal([firstPeer, secondPeer]);
        expect(client, pairing(s, c)).to.deep.equal([
          'connected to 127.0.0.1:PORT',
          'Welcome to my server',
          'received: hello',
          'received: héllo wörld',
          'connected to 127.0.0.1:PORT',
          'Welcome to my server',
          'received: ',
          'received: last line',
        ]);
        expect(normalise(served, port), pairing(s, c)).to.deep.equal([
          'listening on 127.0.0.1:PORT',
          'accepted 127.0.0.1:PEER',
          'received: hello',
          'received: héllo wörld',
          'closed 127.0.0.1:PEER',
          'accepted 127.0.0.1:PEER',
          'received: ',
          'received: last line',
          'closed 127.0.0.1:PEER',
        ]);
        return { server: normalise(served, port), client };
      });
    });
  });

  // The servers that serve clients at once (select, poll, epoll level- and edge-triggered), with
  // tcp-echo-client as their client.
  const concurrent = [['select-server'], ['poll-server'], ['epoll-server'], ['epoll-server', '--edge'], ['tcp-echo-promises-server']];
  for (const [name, ...options] of concurrent) {
    describe([name, ...options].join(' '), function () {
      it('all four ways: three clients at once, each echoed', async function () {
        await allFourWays(async (s, c) => {
          const { proc: server, port } = await startServer(s, name, ['0', '127.0.0.1', '--clients', '3', ...options]);
          const clients = await Promise.all([0, 1, 2].map(() => finished(run(c, 'tcp-echo-client', [String(port)]))));
          const served = await finished(server);
          // Each client that was accepted is closed after its 250 bytes; the order depends on timing.
          const accepted = portsIn(served, /^accepted 127\.0\.0\.1:(\d+)$/);
          expect(new Set(accepted).size, pairing(s, c)).to.equal(3);
          expect(portsIn(served, /^closed 127\.0\.0\.1:(\d+) after echoing 250 bytes$/).sort(), pairing(s, c)).to.deep.equal(
            accepted.sort(),
          );
          const [listening, ...rest] = normalise(served, port);
          expect([listening, ...rest.sort()], pairing(s, c)).to.deep.equal([
            'listening on 127.0.0.1:PORT',
            ...Array(3).fill('accepted 127.0.0.1:PEER'),
            ...Array(3).fill('closed 127.0.0.1:PEER after echoing 250 bytes'),
          ]);
          for (const client of clients) expect(normalise(client, port), pairing(s, c)).to.deep.equal(TCP_ECHO_CLIENT);
          return { server: [listening, ...rest.sort()], client: clients.map((lines) => normalise(lines, port)) };
        });
      });

      for (const flavour of FLAVOURS) {
        const other = flavour === 'ts' ? 'c' : 'ts';
        it(`${LABEL[flavour]} server: a client is served while another sits idle, which then echoes 1 MiB intact`, async function () {
          const { proc: server, port } = await startServer(flavour, name, ['0', '127.0.0.1', '--clients', '2', ...options]);
          const idle = track(new promises.Socket(AF_INET, SOCK_STREAM));
          await idle.connect({ address: '127.0.0.1', port }, { timeout: GUARD_MS });
          const idlePort = idle.getsockname().port;
          await waitForLine(server, new RegExp(`^accepted 127\\.0\\.0\\.1:${idlePort}$`));

          // The idle connection has sent nothing: a server blocked on it would never serve this one.
          const client = await finished(run(other, 'tcp-echo-client', [String(port)]));
          expect(normalise(client, port)).to.deep.equal(TCP_ECHO_CLIENT);
          // The C server forks a child per connection, and each child prints its own line: wait for
          // this client's before the idle one starts, so that the lines come in the order of events.
          await waitForLine(server, /^closed 127\.0\.0\.1:\d+ after echoing 250 bytes$/);

          // Both ways at once, or a server that echoes as it reads would fill both socket buffers.
          const data = randomBytes(1 << 20);
          const sending = idle.sendAll(data, { timeout: GUARD_MS });
          const echoed = [];
          let total = 0;
          for (let calls = 0; total < data.length && calls < data.length; calls++) {
            const part = await idle.recv(1 << 16, { timeout: GUARD_MS });
            if (part.length === 0) break;
            echoed.push(part);
            total += part.length;
          }
          expect(await sending).to.equal(data.length);
          expect(total).to.equal(data.length);
          expect(sha256(Buffer.concat(echoed))).to.equal(sha256(data));
          idle.close();

          const served = (await finished(server)).map((line) => line.replaceAll(`127.0.0.1:${idlePort}`, 'IDLE'));
          expect(normalise(served, port)).to.deep.equal([
            'listening on 127.0.0.1:PORT',
            'accepted IDLE',
            'accepted 127.0.0.1:PEER',
            'closed 127.0.0.1:PEER after echoing 250 bytes',
            `closed IDLE after echoing ${1 << 20} bytes`,
          ]);
        });
      }
    });
  }

  describe('udp-echo', function () {
    it('all four ways: each line one datagram, echoed from the server to the sender', async function () {
      await allFourWays(async (s, c) => {
        const { proc: server, port } = await startServer(s, 'udp-echo-server', ['0', '127.0.0.1', '--clients', '3']);
        const lines = await finished(run(c, 'udp-echo-client', [String(port)], { input: 'hello\nover UDP\n' }));
        const other = await finished(run(c, 'udp-echo-client', [String(port), 'localhost'], { input: 'a second socket' }));
        const served = await finished(server);
        // Both of the first client's datagrams came from its one socket, and went back to it.
        const [a, b] = portsIn(served, /^echoed \d+ bytes to 127\.0\.0\.1:(\d+)$/);
        expect(a, pairing(s, c)).to.equal(b);
        const client = normalise([...lines, ...other], port);
        expect(client, pairing(s, c)).to.deep.equal([
          'sending to 127.0.0.1:PORT',
          'received from 127.0.0.1:PORT: hello',
          'received from 127.0.0.1:PORT: over UDP',
          'sending to 127.0.0.1:PORT',
          'received from 127.0.0.1:PORT: a second socket',
        ]);
        expect(normalise(served, port), pairing(s, c)).to.deep.equal([
          'listening on 127.0.0.1:PORT',
          'echoed 5 bytes to 127.0.0.1:PEER',
          'echoed 8 bytes to 127.0.0.1:PEER',
          'echoed 15 bytes to 127.0.0.1:PEER',
        ]);
        return { server: normalise(served, port), client };
      });
    });
  });

  describe('unix-echo and the recv flags', function () {
    let unique = 0;

    it('all four ways: lines echoed over a Unix path, then MSG_DONTWAIT, MSG_PEEK and MSG_WAITALL; the path removed', async function () {
      const paths = [];
      try {
        await allFourWays(async (s, c) => {
          const path = join(tmpdir(), `sockcall-85-${process.pid}-${unique++}.sock`);
          paths.push(path);
          const server = run(s, 'unix-echo-server', [path, '--clients', '2']);
          await waitForLine(server, /^listening on /);
          const lines = await finished(run(c, 'unix-echo-client', [path], { input: 'hello\nover a Unix socket\n' }));
          const flags = await finished(run(c, 'flags-client', [path]));
          const served = await finished(server);
          expect(existsSync(path), `${pairing(s, c)}: the socket file after the server ended`).to.equal(false);
          const client = [...lines, ...flags].map((line) => line.replaceAll(path, 'PATH'));
          expect(client, pairing(s, c)).to.deep.equal([
            'connected to PATH',
            'received: hello',
            'received: over a Unix socket',
            'connected to PATH',
            'MSG_DONTWAIT: recv() = -1 EAGAIN: nothing to read yet',
            'MSG_PEEK: recv() = 5: hello (left in the queue)',
            'MSG_WAITALL: recv() = 13: hello, world',
          ]);
          // flags-client sends its second piece only once the first is echoed: two separate echoes.
          const transcript = served.map((line) => line.replaceAll(path, 'PATH'));
          expect(transcript, pairing(s, c)).to.deep.equal([
            'listening on PATH',
            'accepted a client',
            'echoed 6 bytes',
            'echoed 19 bytes',
            'client closed',
            'accepted a client',
            'echoed 7 bytes',
            'echoed 6 bytes',
            'client closed',
          ]);
          return { server: transcript, client };
        });
      } finally {
        for (const path of paths) rmSync(path, { force: true });
      }
    });

    for (const flavour of FLAVOURS) {
      it(`${LABEL[flavour]} flags-client against a slow echo: MSG_WAITALL waits 300 ms for the second piece`, async function () {
        // This test's own server holds the second echo back, so that a recv() without MSG_WAITALL
        // would surely return the first 7 bytes alone; the echo server answers too fast to show it.
        const path = join(tmpdir(), `sockcall-85-${process.pid}-slow-${flavour}.sock`);
        rmSync(path, { force: true });
        try {
          const listener = track(new promises.Socket(sockcall.AF_UNIX, SOCK_STREAM));
          listener.bind({ path });
          listener.listen(1);
          const client = run(flavour, 'flags-client', [path]);
          const conn = track(await listener.accept({ timeout: GUARD_MS }));
          const first = await conn.recv(64, { timeout: GUARD_MS });
          expect(first.toString()).to.equal('hello, ');
          await conn.sendAll(first);
          const second = await conn.recv(64, { timeout: GUARD_MS });
          expect(second.toString()).to.equal('world\n');
          await new Promise((resolve) => setTimeout(resolve, 300));
          await conn.sendAll(second);
          expect((await conn.recv(64, { timeout: GUARD_MS })).length, 'EOF after the client closed').to.equal(0);
          expect((await finished(client)).map((line) => line.replaceAll(path, 'PATH'))).to.deep.equal([
            'connected to PATH',
            'MSG_DONTWAIT: recv() = -1 EAGAIN: nothing to read yet',
            'MSG_PEEK: recv() = 5: hello (left in the queue)',
            'MSG_WAITALL: recv() = 13: hello, world',
          ]);
        } finally {
          rmSync(path, { force: true });
        }
      });
    }
  });

  describe('tcp-info (TCP_INFO through a bulk transfer)', function () {
    it('both print the window growing each round (slow start) and the bytes acknowledged, line for line', async function () {
      const transcripts = await Promise.all(FLAVOURS.map(async (flavour) => finished(run(flavour, 'tcp-info', ['6']))));
      const shapes = transcripts.map((lines, i) => {
        const label = LABEL[FLAVOURS[i]];
        expect(lines[0], label).to.match(/^connected: snd_mss \d+ bytes, snd_cwnd \d+ segments$/);
        const rounds = lines.slice(1).map((line) => /^round (\d+): bytes_acked (\d+), snd_cwnd (\d+) segments, rtt (\d+) us$/.exec(line));
        expect(rounds.every(Boolean), `${label}:\n${lines.join('\n')}`).to.equal(true);
        const windows = [/snd_cwnd (\d+)/.exec(lines[0])[1], ...rounds.map((match) => match[3])].map(Number);
        for (let round = 1; round < windows.length; round++) {
          expect(windows[round], `${label} snd_cwnd after round ${round}: ${windows.join(', ')}`).to.be.above(windows[round - 1]);
        }
        // 32 KiB a round, all of it acknowledged once the receiver has read it, and the SYN.
        expect(rounds.map((match) => Number(match[2])), label).to.deep.equal([1, 2, 3, 4, 5, 6].map((n) => n * 32768 + 1));
        expect(rounds.every((match) => Number(match[4]) > 0), `${label}: rtt`).to.equal(true);
        return lines.map((line) => line.replace(/snd_cwnd \d+/, 'snd_cwnd N').replace(/rtt \d+/, 'rtt N'));
      });
      expect(shapes[0], 'sockcall and C print the same lines').to.deep.equal(shapes[1]);
    });
  });

  describe('ping (ICMP echo on raw and ping sockets)', function () {
    /** ping's lines with the times taken out: what the two programs must print alike. */
    const timeless = (lines) => lines.map((line) => line.replace(/time=\d+\.\d{3} ms/, 'time=T ms').replace(/= [\d./]+ ms$/, '= T ms'));
    const transcript = (host, { count = 3, ttl = false, v4 = !host.includes(':') } = {}) => [
      v4 ? `PING ${host} (${host}) 56(84) bytes of data.` : `PING ${host} (${host}) 56 data bytes`,
      ...Array.from({ length: count }, (_, i) => `64 bytes from ${host}: icmp_seq=${i + 1}${ttl ? ' ttl=64' : ''} time=T ms`),
      `--- ${host} ping statistics ---`,
      `${count} packets transmitted, ${count} received, 0% packet loss`,
      'rtt min/avg/max/mdev = T ms',
    ];
    /** Checks that min <= avg <= max and each reply's time is within min..max. */
    function expectTimesAgree(lines, label) {
      const times = lines.map((line) => /time=(\d+\.\d{3}) ms$/.exec(line)?.[1]).filter(Boolean).map(Number);
      const [min, avg, max] = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/[\d.]+ ms$/.exec(lines.at(-1)).slice(1).map(Number);
      expect(Math.min(...times), `${label}: min`).to.equal(min);
      expect(Math.max(...times), `${label}: max`).to.equal(max);
      expect(avg, `${label}: avg`).to.be.within(min, max);
    }

    for (const [host, ttl] of [['127.0.0.1', true], ['::1', false]]) {
      it(`SOCK_RAW to ${host}: the replies matched by id and sequence, ${ttl ? 'the TTL from the IP header, ' : ''}like ping(8), in both`, async function () {
        needRawSockets(this);
        const results = await Promise.all(FLAVOURS.map((flavour) => finished(run(flavour, 'ping', [host]))));
        for (const [i, lines] of results.entries()) {
          expect(timeless(lines), LABEL[FLAVOURS[i]]).to.deep.equal(transcript(host, { ttl }));
          expectTimesAgree(lines, LABEL[FLAVOURS[i]]);
        }
      });
    }

    it('SOCK_RAW amid a burst of other ICMP (port unreachables): the filter keeps only echo replies, none is crowded out, in both', async function () {
      needRawSockets(this);
      // Datagrams to a port nobody holds: each makes the kernel answer with an ICMP port unreachable,
      // which every raw ICMP socket is given unless it filters it out.
      const closed = socket(sockcall.AF_INET, sockcall.SOCK_DGRAM);
      closed.bind({ address: '127.0.0.1', port: 0 });
      const { port } = closed.getsockname();
      closed.close();
      const sender = socket(sockcall.AF_INET, sockcall.SOCK_DGRAM);
      const payload = Buffer.alloc(512);
      let sent = 0;
      const burst = setInterval(() => {
        for (let i = 0; i < 200 && sent < 200_000; i++, sent++) sender.sendto(payload, { address: '127.0.0.1', port });
      }, 5);
      try {
        const results = await Promise.all(FLAVOURS.map((flavour) => finished(run(flavour, 'ping', ['127.0.0.1', '--count', '5']))));
        for (const [i, lines] of results.entries()) {
          expect(timeless(lines), LABEL[FLAVOURS[i]]).to.deep.equal(transcript('127.0.0.1', { count: 5, ttl: true }));
        }
        expect(sent, 'datagrams sent during the pings').to.be.above(1000);
      } finally {
        clearInterval(burst);
        sender.close();
      }
    });

    // A ping socket depends on net.ipv4.ping_group_range, a per-namespace sysctl: each run gets a
    // network namespace of its own (unshare -n, lo brought up) with the range set there, so that the
    // machine's setting is never touched.
    const inNamespace = (range) => [
      'unshare', '-n', 'sh', '-c', `ip link set lo up && echo '${range}' > /proc/sys/net/ipv4/ping_group_range && exec "$@"`, 'sh',
    ];

    for (const host of ['127.0.0.1', '::1']) {
      it(`SOCK_DGRAM (--dgram) to ${host}: the kernel's ping socket, allowed by ping_group_range, in both`, async function () {
        needTool(this, 'unshare', ['-n', 'true']);
        needTool(this, 'ip', ['-V']);
        const results = await Promise.all(
          FLAVOURS.map((flavour) => finished(run(flavour, 'ping', [host, '--dgram', '--count', '2'], { wrapper: inNamespace('0 2147483647') }))),
        );
        for (const [i, lines] of results.entries()) {
          expect(timeless(lines), LABEL[FLAVOURS[i]]).to.deep.equal(transcript(host, { count: 2 }));
          expectTimesAgree(lines, LABEL[FLAVOURS[i]]);
        }
      });
    }

    it('SOCK_RAW without CAP_NET_RAW: EPERM, explained, exit status 1, in both', async function () {
      // Root runs the programs as nobody (setpriv), which has no capabilities; anyone else lacks
      // CAP_NET_RAW already (test/helpers' needRawSockets would skip the tests above).
      let wrapper = [];
      if (process.getuid() === 0) {
        needTool(this, 'setpriv', ['--version']);
        wrapper = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
        chmodSync(binDir, 0o755); // mkdtemp made it the owner's alone
      }
      const results = await Promise.all(
        FLAVOURS.map(async (flavour) => {
          const proc = run(flavour, 'ping', [], { wrapper });
          const { code } = await proc.exit;
          return { code, stdout: proc.stdout, stderr: proc.stderr };
        }),
      );
      const message = 'socket: EPERM: a raw socket needs CAP_NET_RAW (run as root, or try --dgram)\n';
      for (const result of results) expect(result).to.deep.equal({ code: 1, stdout: '', stderr: message });
    });

    it('SOCK_DGRAM with the group outside ping_group_range: EACCES, explained, exit status 1, in both', async function () {
      needTool(this, 'unshare', ['-n', 'true']);
      needTool(this, 'ip', ['-V']);
      const group = process.getgid();
      const range = group === 0 ? '1 0' : `${group + 1} ${group + 1}`;
      const results = await Promise.all(
        FLAVOURS.map(async (flavour) => {
          const proc = run(flavour, 'ping', ['--dgram'], { wrapper: inNamespace(range) });
          const { code } = await proc.exit;
          return { code, stdout: proc.stdout, stderr: proc.stderr };
        }),
      );
      const message = 'socket: EACCES: a ping socket needs a group in net.ipv4.ping_group_range (or run as root without --dgram)\n';
      for (const result of results) expect(result).to.deep.equal({ code: 1, stdout: '', stderr: message });
    });
  });

  describe('sniff (a packet socket on lo)', function () {
    it('both print the segments of a known connect, send, close as tcpdump would, line for line', async function () {
      needRawSockets(this);
      const listener = socket(AF_INET, SOCK_STREAM);
      listener.bind({ address: '127.0.0.1', port: 0 });
      listener.listen(1);
      const { port } = listener.getsockname();
      // Both sniffers watch the same connection.
      const sniffers = FLAVOURS.map((flavour) => run(flavour, 'sniff', [String(port), '--connections', '1']));
      await Promise.all(sniffers.map((proc) => waitForLine(proc, /^listening on lo$/)));
      const client = socket(AF_INET, SOCK_STREAM);
      client.connect({ address: '127.0.0.1', port });
      const peer = client.getsockname().port;
      const conn = track(listener.accept());
      client.send('hello');
      expect(conn.recv(16).toString()).to.equal('hello');
      client.close();
      expect(conn.recv(16).length, 'EOF').to.equal(0);
      conn.close();
      const out = `IP 127.0.0.1.PEER > 127.0.0.1.PORT`;
      const back = `IP 127.0.0.1.PORT > 127.0.0.1.PEER`;
      const transcripts = await Promise.all(sniffers.map(finished));
      for (const [i, lines] of transcripts.entries()) {
        const seen = lines
          .map((line) => line.replaceAll(`127.0.0.1.${port}`, '127.0.0.1.PORT').replaceAll(`127.0.0.1.${peer}`, '127.0.0.1.PEER'))
          // The SYNs carry the initial sequence numbers, which are random.
          .map((line) => line.replace(/\[S\.\], seq \d+, ack \d+/, '[S.], seq ISN, ack ISN+1').replace(/\[S\], seq \d+/, '[S], seq ISN'));
        // The server's FIN may carry the acknowledgement of the client's, or follow it apart (a delayed ACK).
        const ackOfFin = seen[7] === `${back}: Flags [.], ack 7, length 0` ? [seen[7]] : [];
        expect(seen, LABEL[FLAVOURS[i]]).to.deep.equal([
          'listening on lo',
          `${out}: Flags [S], seq ISN, length 0`,
          `${back}: Flags [S.], seq ISN, ack ISN+1, length 0`,
          `${out}: Flags [.], ack 1, length 0`,
          `${out}: Flags [P.], seq 1:6, ack 1, length 5`,
          `${back}: Flags [.], ack 6, length 0`,
          `${out}: Flags [F.], seq 6, ack 1, length 0`,
          ...ackOfFin,
          `${back}: Flags [F.], seq 1, ack 7, length 0`,
          `${out}: Flags [.], ack 2, length 0`,
        ]);
      }
    });
  });

  describe('static-server (HTTP/1.1 with sendfile)', function () {
    const BIG = 100 * 1024 * 1024;
    let top;
    let www;
    let bigDigest;

    /** curl with `args`, bounded: its exit status, stdout (hashed as it streams when `hash`), stderr. */
    function curl(path, args, { hash = false } = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(path, ['-sS', '--max-time', '30', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: PLAIN_TOOL_ENV });
        const digest = createHash('sha256');
        const chunks = [];
        let length = 0;
        let stderr = '';
        child.stdout.on('data', (chunk) => {
          length += chunk.length;
          if (hash) digest.update(chunk);
          else chunks.push(chunk);
        });
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), 40000);
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, length, stdout: Buffer.concat(chunks).toString('latin1'), digest: hash ? digest.digest('hex') : undefined, stderr });
        });
      });
    }

    before(function () {
      this.timeout(60000);
      top = mkdtempSync(join(tmpdir(), 'sockcall-static-'));
      www = join(top, 'www');
      mkdirSync(join(www, 'sub'), { recursive: true });
      writeFileSync(join(www, 'a.txt'), 'hello\n');
      writeFileSync(join(www, 'sub', 'index.html'), '<p>sub</p>\n');
      writeFileSync(join(top, 'secret.txt'), 'outside the served directory\n');
      // 100 MiB of random bytes, written and hashed a MiB at a time.
      const digest = createHash('sha256');
      const fd = openSync(join(www, 'big.bin'), 'w');
      try {
        for (let written = 0; written < BIG; written += 1 << 20) {
          const chunk = randomBytes(1 << 20);
          digest.update(chunk);
          writeSync(fd, chunk);
        }
      } finally {
        closeSync(fd);
      }
      bigDigest = digest.digest('hex');
    });

    after(function () {
      if (top !== undefined) rmSync(top, { recursive: true, force: true });
    });

    it('both, through curl: a 100 MiB file by SHA-256, keep-alive, .. refused, 404 with Connection: close, HEAD; the same log', async function () {
      this.timeout(120000);
      const curlPath = needTool(this, 'curl', ['--version'], { env: PLAIN_TOOL_ENV });
      const logs = [];
      // One server at a time: each moves 100 MiB, and the machine may be shared.
      for (const flavour of FLAVOURS) {
        const label = LABEL[flavour];
        const { proc: server, port } = await startServer(flavour, 'static-server', [www, '0', '127.0.0.1', '--clients', '5']);
        const url = `http://127.0.0.1:${port}`;

        const big = await curl(curlPath, ['-D', join(top, `headers-${flavour}`), `${url}/big.bin`], { hash: true });
        expect(big.code, `${label}: ${big.stderr}`).to.equal(0);
        expect(big.length, label).to.equal(BIG);
        expect(big.digest, `${label}: the SHA-256 of what arrived`).to.equal(bigDigest);

        // Two requests on one connection (curl reuses it): one accepted, two lines logged.
        const both = await curl(curlPath, [`${url}/a.txt`, `${url}/sub/`]);
        expect(both.stdout, label).to.equal('hello\n<p>sub</p>\n');

        const escape = await curl(curlPath, ['--path-as-is', '-w', '%{http_code}\n', '-o', '/dev/null', `${url}/../secret.txt`, '-o', '/dev/null', `${url}/sub/%2e%2e/%2e%2e/secret.txt`]);
        expect(escape.stdout, label).to.equal('403\n403\n');

        const missing = await curl(curlPath, ['-i', '-H', 'Connection: close', `${url}/missing.txt`]);
        expect(missing.stdout.split('\r\n'), label).to.deep.equal([
          'HTTP/1.1 404 Not Found',
          'Content-Length: 14',
          'Content-Type: text/plain; charset=utf-8',
          'Connection: close',
          '',
          '404 Not Found\n',
        ]);

        const head = await curl(curlPath, ['-I', `${url}/big.bin`]);
        expect(head.stdout.split('\r\n').slice(0, 3), label).to.deep.equal([
          'HTTP/1.1 200 OK',
          `Content-Length: ${BIG}`,
          'Content-Type: application/octet-stream',
        ]);

        const log = normalise(await finished(server), port);
        expect(log, label).to.deep.equal([
          'listening on 127.0.0.1:PORT',
          'accepted 127.0.0.1:PEER',
          `GET /big.bin 200 ${BIG}`,
          'accepted 127.0.0.1:PEER',
          'GET /a.txt 200 6',
          'GET /sub/ 200 11',
          'accepted 127.0.0.1:PEER',
          'GET /../secret.txt 403',
          'GET /sub/%2e%2e/%2e%2e/secret.txt 403',
          'accepted 127.0.0.1:PEER',
          'GET /missing.txt 404',
          'accepted 127.0.0.1:PEER',
          'HEAD /big.bin 200 0',
        ]);
        logs.push(log);
      }
      expect(logs[0], 'sockcall and C servers print the same').to.deep.equal(logs[1]);
    });

    it('both: a malformed request and an overlong head are 400 and close the connection', async function () {
      this.timeout(30000);
      const logs = await Promise.all(
        FLAVOURS.map(async (flavour) => {
          const { proc: server, port } = await startServer(flavour, 'static-server', [www, '0', '127.0.0.1', '--clients', '2']);
          const conn = new promises.Socket(AF_INET, SOCK_STREAM);
          try {
            await conn.connect({ address: '127.0.0.1', port }, { timeout: GUARD_MS });
            await conn.sendAll('NONSENSE\r\n\r\n', { timeout: GUARD_MS });
            const reply = [];
            for (let calls = 0; calls < 100; calls++) {
              const chunk = await conn.recv(4096, { timeout: GUARD_MS });
              if (chunk.length === 0) break;
              reply.push(chunk);
            }
            // The 400, and then the end of the connection (recv of 0 bytes).
            expect(Buffer.concat(reply).toString(), LABEL[flavour]).to.equal(
              'HTTP/1.1 400 Bad Request\r\nContent-Length: 16\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request\n',
            );
          } finally {
            conn.close();
          }
          const long = new promises.Socket(AF_INET, SOCK_STREAM);
          try {
            await long.connect({ address: '127.0.0.1', port }, { timeout: GUARD_MS });
            // HEAD_MAX (8192) bytes with no blank line: all of them read, none left to reset the close.
            await long.sendAll(`GET /${'x'.repeat(8192 - 5)}`, { timeout: GUARD_MS });
            const status = await long.recv(4096, { timeout: GUARD_MS });
            expect(status.toString().split('\r\n')[0], LABEL[flavour]).to.equal('HTTP/1.1 400 Bad Request');
          } finally {
            long.close();
          }
          return normalise(await finished(server), port);
        }),
      );
      for (const log of logs) {
        expect(log).to.deep.equal(['listening on 127.0.0.1:PORT', 'accepted 127.0.0.1:PEER', '? ? 400', 'accepted 127.0.0.1:PEER', '? ? 400']);
      }
    });
  });

  describe('the default host, INADDR_ANY as the originals bind', function () {
    const SERVERS = ['tcp-echo-server', 'welcome-server', 'select-server', 'poll-server', 'tcp-echo-promises-server', 'udp-echo-server'];
    const NOTE = '0.0.0.0 is INADDR_ANY, as the original binds: every interface, open to the network; give the host 127.0.0.1 to stay on loopback';

    // Each server is on a free port for as long as it takes to read its first two lines; with the
    // host 127.0.0.1 (every other test here) the note is not printed: their transcripts are exact.
    for (const name of SERVERS) {
      it(`${name}: says so under its listening line, in both languages`, async function () {
        const heads = await Promise.all(
          FLAVOURS.map(async (flavour) => {
            const proc = run(flavour, name, ['0']);
            await waitForLine(proc, /^0\.0\.0\.0 is INADDR_ANY/);
            proc.child.kill('SIGTERM');
            await proc.exit;
            return linesOf(proc.stdout).map((line) => line.replace(/:\d+$/, ':PORT'));
          }),
        );
        for (const [i, flavour] of FLAVOURS.entries()) {
          expect(heads[i], `${LABEL[flavour]} ${name}`).to.deep.equal(['listening on 0.0.0.0:PORT', NOTE]);
        }
      });
    }
  });

  describe('static-server: loopback unless told otherwise', function () {
    it('binds 127.0.0.1 by default; given 0.0.0.0, it says so under its listening line, in both', async function () {
      const NOTE = '0.0.0.0 is INADDR_ANY, as the original binds: every interface, open to the network; give the host 127.0.0.1 to stay on loopback';
      for (const [args, expected] of [
        [[tmpdir(), '0'], ['listening on 127.0.0.1:PORT']],
        [[tmpdir(), '0', '0.0.0.0'], ['listening on 0.0.0.0:PORT', NOTE]],
      ]) {
        const heads = await Promise.all(
          FLAVOURS.map(async (flavour) => {
            const proc = run(flavour, 'static-server', args);
            await waitForLine(proc, expected.length === 1 ? /^listening on/ : /^0\.0\.0\.0 is INADDR_ANY/);
            proc.child.kill('SIGTERM');
            await proc.exit;
            return linesOf(proc.stdout).map((line) => line.replace(/:\d+$/, ':PORT'));
          }),
        );
        for (const [i, flavour] of FLAVOURS.entries()) expect(heads[i], `${LABEL[flavour]} ${args.join(' ')}`).to.deep.equal(expected);
      }
    });
  });

  describe('failures', function () {
    it('a client with no server: exit status 1 and the failed connect on stderr', async function () {
      // Bound and not listening: connect() to it is refused, and nothing else can take the port.
      const closed = socket(AF_INET, SOCK_STREAM);
      closed.bind({ address: '127.0.0.1', port: 0 });
      const { port } = closed.getsockname();
      const results = await Promise.all(
        FLAVOURS.map(async (flavour) => {
          const proc = run(flavour, 'tcp-echo-client', [String(port)]);
          const { code } = await proc.exit;
          return { code, stdout: proc.stdout, stderr: proc.stderr };
        }),
      );
      const [ts, c] = results;
      expect(ts.code, ts.stderr).to.equal(1);
      expect(ts.stdout).to.equal('');
      expect(ts.stderr).to.match(new RegExp(`connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
      expect(c).to.deep.equal({ code: 1, stdout: '', stderr: 'connect: Connection refused\n' });
    });

    it('a bad command line: exit status 2 and the same usage line from both', async function () {
      const cases = [
        ['tcp-echo-client', []],
        ['tcp-echo-client', ['70000']],
        ['tcp-echo-server', ['0', '127.0.0.1', '--clients', '0']],
        ['unix-echo-server', ['/tmp/a', '/tmp/b']],
        ['welcome-server', ['0', 'localhost']],
        ['epoll-server', ['0', 'localhost', '--edge']],
        ['tcp-info', ['0']],
        ['ping', ['127.0.0.1', '::1']],
        ['ping', ['--count', '0']],
        ['sniff', []],
        ['sniff', ['80', '--connections', 'x']],
        ['static-server', []],
        ['static-server', ['/tmp', '0', 'localhost']],
      ];
      for (const [name, args] of cases) {
        const results = await Promise.all(
          FLAVOURS.map(async (flavour) => {
            const proc = run(flavour, name, args);
            const { code } = await proc.exit;
            return { code, stdout: proc.stdout, stderr: proc.stderr };
          }),
        );
        for (const result of results) {
          expect(result.code, `${name} ${args.join(' ')}`).to.equal(2);
          expect(result.stdout).to.equal('');
          expect(result.stderr).to.match(new RegExp(`^usage: ${name} `));
        }
        expect(results[0].stderr, `${name} ${args.join(' ')}`).to.equal(results[1].stderr);
      }
    });
  });
});
