// The `sockcall` command: dist/cli.js run as a child process, the way a user runs
// it. Its command line (help, usage errors: status 2), its errors (status 1, the SocketError's
// words), echo-server <-> connect in both flavours over TCP, UDP and Unix sockets with 1 MiB of every
// byte value, stopping on signals, the demo's trace, bench's hand-over to bench/run.mjs, and, so that
// sockcall is not only held against itself, socat as the client of `sockcall echo-server` and as the
// echo server of `sockcall connect`.
//
// socat is a Debian package that .ci/run installs when missing. Without it the interop tests skip
// and say so, except in CI (CI=true), where a missing socat is a failure.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';

import { listener, needTool, root, socket, track } from './helpers.mjs';

const { AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, Socket } = sockcall;

const CLI = join(root, 'dist', 'cli.js');
const COMMANDS = ['demo', 'echo-server', 'connect', 'bench', 'trace-view'];
const FLAVOURS = ['promises', 'blocking'];
const MiB = 1 << 20;
/** A child that has not exited by then is SIGKILLed, and its test fails on the exit status. */
const CHILD_MS = 15000;
/** How long any one step (a line to appear, bytes to come back) may take. */
const STEP_MS = 5000;
/** UDP pieces written to a client's stdin, each once the one before has come back. */
const DATAGRAM_PIECE = 16 * 1024;

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** 1 MiB of random bytes that starts with every byte value in order. */
function payload() {
  const data = randomBytes(MiB);
  for (let i = 0; i < 256; i++) data[i] = i;
  return data;
}

// --- child processes ----------------------------------------------------------------------------

const running = new Set();

/**
 * Starts `file args` with piped stdio; stdout is kept as bytes, stderr as text. SOCKCALL_TRACE is
 * left out unless `env` sets it: a trace inherited from whoever runs the tests would fill stderr.
 */
function start(file, args, { env = {} } = {}) {
  const { SOCKCALL_TRACE, ...inherited } = process.env;
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...inherited, ...env } });
  const label = [file === process.execPath ? 'sockcall' : file, ...args].join(' ');
  const proc = { label, child, chunks: [], stdoutLength: 0, stderr: '' };
  child.stdout.on('data', (chunk) => {
    proc.chunks.push(chunk);
    proc.stdoutLength += chunk.length;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => (proc.stderr += chunk));
  // A program that ends without reading all its input is not what these tests look at.
  child.stdin.on('error', () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_MS);
  proc.exit = new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': stdout and stderr have been read to their end by then.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  proc.exit.catch(() => {}).finally(() => running.delete(proc));
  running.add(proc);
  return proc;
}

function cli(args, options) {
  return start(process.execPath, [CLI, ...args], options);
}

const stdoutOf = (proc) => Buffer.concat(proc.chunks);
const linesOf = (text) => text.split('\n').slice(0, -1);
const dump = (proc) => `${proc.label}\nstdout:\n${stdoutOf(proc).toString('latin1').slice(0, 2000)}\nstderr:\n${proc.stderr}`;

/** `fn` over `items`, `limit` at a time (each is a Node process: 2 vCPUs), the results in order. */
async function inBatches(items, limit, fn) {
  const results = [];
  for (let i = 0; i < items.length; i += limit) results.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return results;
}

/** Runs the command to its end with `input` on stdin: its status, stdout (bytes) and stderr. */
async function run(args, { input = '', env } = {}) {
  const proc = cli(args, { env });
  proc.child.stdin.end(input);
  const { code, signal } = await proc.exit;
  return { code, signal, stdout: stdoutOf(proc), stderr: proc.stderr, proc };
}

/** Waits until `predicate()` holds, checked whenever the program writes; fails if it ends first. */
function waitUntil(proc, predicate, what, ms = STEP_MS) {
  return new Promise((resolve, reject) => {
    let timer;
    const finish = (error, value) => {
      clearTimeout(timer);
      proc.child.stdout.off('data', check);
      proc.child.stderr.off('data', check);
      if (error) reject(error);
      else resolve(value);
    };
    function check() {
      const value = predicate();
      if (value) finish(undefined, value);
      return value;
    }
    if (check()) return;
    timer = setTimeout(() => finish(new Error(`${what}: not within ${ms} ms\n${dump(proc)}`)), ms);
    // After the stream listeners already registered by start(), so the predicate sees the new data.
    proc.child.stdout.on('data', check);
    proc.child.stderr.on('data', check);
    proc.exit.then(() => check() || finish(new Error(`${what}: the program ended first\n${dump(proc)}`)), finish);
  });
}

function waitForLine(proc, pattern, stream = 'stdout') {
  const text = () => (stream === 'stdout' ? stdoutOf(proc).toString('utf8') : proc.stderr);
  return waitUntil(proc, () => linesOf(text()).map((line) => pattern.exec(line)).find(Boolean), `a line like ${pattern}`);
}

async function expectExit(proc, expected) {
  const { code, signal } = await proc.exit;
  expect({ code, signal }, `exit status of ${dump(proc)}`).to.deep.equal({ code: expected, signal: null });
}

/** `sockcall echo-server ARGS`, once it has said where it listens: { proc, port } or { proc, path }. */
async function echoServer(args) {
  const proc = cli(['echo-server', ...args]);
  const [, where] = await waitForLine(proc, /^listening on (.+)$/);
  const port = /:(\d+)$/.exec(where);
  return port ? { proc, where, port: Number(port[1]) } : { proc, where, path: where };
}

/**
 * Feeds `data` to a UDP client's stdin one piece at a time, each once everything before it has come
 * back on stdout, then ends stdin. UDP drops what a receive buffer has no room for, so a burst of
 * 1 MiB would lose datagrams by design; one piece in flight never fills one.
 */
async function pacedThroughUdp(proc, data) {
  for (let offset = 0; offset < data.length; offset += DATAGRAM_PIECE) {
    const end = Math.min(offset + DATAGRAM_PIECE, data.length);
    proc.child.stdin.write(data.subarray(offset, end));
    await waitUntil(proc, () => proc.stdoutLength >= end, `the echo of bytes ${offset} to ${end}`);
  }
  proc.child.stdin.end();
}

function expectSameBytes(actual, expected, what) {
  expect({ length: actual.length, sha256: sha256(actual) }, what).to.deep.equal({ length: expected.length, sha256: sha256(expected) });
}

/** A free UDP port, for a moment: bound, read back, closed. */
function recentlyFreeUdpPort() {
  const udp = new Socket(AF_INET, SOCK_DGRAM);
  try {
    udp.bind({ address: '127.0.0.1', port: 0 });
    return udp.getsockname().port;
  } finally {
    udp.close();
  }
}

/** What `echo-server` prints for a TCP or Unix client that sent and got back `bytes`. */
function clientLines(id, bytes, from) {
  return [`client ${id} connected${from === undefined ? '' : ` from ${from}`}`, `client ${id} closed: ${bytes} bytes echoed`];
}

/** The datagram lines of a UDP echo-server's log: numbered 1, 2, ... from one sender; their bytes. */
function datagramBytes(lines, from) {
  let total = 0;
  lines.forEach((line, i) => {
    const match = /^datagram (\d+) from (\S+): (\d+) bytes echoed$/.exec(line);
    expect(match, `line ${i + 1} of the server's log`).to.not.equal(null);
    expect([Number(match[1]), match[2]], line).to.deep.equal([i + 1, from]);
    total += Number(match[3]);
  });
  return total;
}

// --- the tests ----------------------------------------------------------------------------------

describe('87 the sockcall command', function () {
  this.timeout(30000);
  let dir;

  before(function () {
    // The command is lib/cli.ts and its modules in lib/cli/.
    const sources = [join(root, 'lib', 'cli.ts'), ...readdirSync(join(root, 'lib', 'cli')).map((name) => join(root, 'lib', 'cli', name))];
    const newest = Math.max(...sources.map((source) => statSync(source).mtimeMs));
    if (!existsSync(CLI) || statSync(CLI).mtimeMs < newest) {
      throw new Error('dist/cli.js is missing or older than lib/cli.ts or lib/cli/: run `npx tsc -p .`');
    }
    dir = mkdtempSync(join(tmpdir(), 'sockcall-cli-'));
  });

  after(function () {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    const left = [...running];
    for (const proc of left) proc.child.kill('SIGKILL');
    await Promise.all(left.map((proc) => proc.exit.catch(() => {})));
  });

  describe('its command line', function () {
    it('--help, -h and help print the overview on stdout and exit 0', async function () {
      for (const args of [['--help'], ['-h'], ['help']]) {
        const { code, stdout, stderr } = await run(args);
        expect({ code, stderr }, args.join(' ')).to.deep.equal({ code: 0, stderr: '' });
        const text = stdout.toString();
        expect(text, args.join(' ')).to.match(/^Usage: sockcall COMMAND/);
        for (const command of COMMANDS) expect(text, `the overview names ${command}`).to.match(new RegExp(`^  ${command}\\b`, 'm'));
      }
    });

    it("each command's --help prints its own usage and exits 0, whatever else is on the line", async function () {
      const usages = await inBatches(COMMANDS, 4, (command) => run([command, '--help']));
      COMMANDS.forEach((command, i) => {
        const { code, stdout, stderr } = usages[i];
        expect({ code, stderr }, command).to.deep.equal({ code: 0, stderr: '' });
        expect(stdout.toString(), command).to.match(new RegExp(`^Usage: sockcall ${command}\\b`));
      });
      const usageOf = (command) => usages[COMMANDS.indexOf(command)].stdout.toString();
      // --help wins: no server is started, no connection tried, no benchmark run.
      const same = [
        ...COMMANDS.flatMap((command) => [[command, '-h'], ['help', command]]),
        ['echo-server', '--port', '0', '--help'],
        ['connect', '127.0.0.1', '9', '-h'],
        ['bench', '--quick', '--help'],
      ];
      const results = await inBatches(same, 4, (args) => run(args));
      same.forEach((args, i) => {
        const command = args[0] === 'help' ? args[1] : args[0];
        const { code, stdout } = results[i];
        expect({ code, stdout: stdout.toString() }, args.join(' ')).to.deep.equal({ code: 0, stdout: usageOf(command) });
      });
    });

    it('--version prints the version of package.json', async function () {
      const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      for (const flag of ['--version', '-V']) {
        const { code, stdout, stderr } = await run([flag]);
        expect({ code, stdout: stdout.toString(), stderr }).to.deep.equal({ code: 0, stdout: `sockcall ${version}\n`, stderr: '' });
      }
    });

    it("a bad command line exits 2, says what is wrong, and points to --help", async function () {
      const path = join(dir, 'unused.sock');
      const cases = [
        [[], 'missing command', ''],
        [['frobnicate'], "unknown command 'frobnicate'", ''],
        [['--frobnicate'], "unknown option '--frobnicate'", ''],
        [['help', 'frobnicate'], "unknown command 'frobnicate'", ''],
        [['echo-server', '--frobnicate'], "unknown option '--frobnicate'", 'echo-server'],
        [['echo-server', '-x'], "unknown option '-x'", 'echo-server'],
        [['echo-server', '--port', '65536'], "invalid port '65536' (an integer from 0 to 65535)", 'echo-server'],
        [['echo-server', '--port=http'], "invalid port 'http' (an integer from 0 to 65535)", 'echo-server'],
        [['echo-server', '--port'], "option '--port' needs a value (N)", 'echo-server'],
        [['echo-server', '--udp=yes'], "option '--udp' takes no value", 'echo-server'],
        [['echo-server', '--udp', '--unix', path], '--udp and --unix cannot go together', 'echo-server'],
        [['echo-server', '--blocking', '--promises'], '--blocking and --promises cannot go together', 'echo-server'],
        [['echo-server', '--unix', path, '--port', '1'], '--unix takes no --port or --host', 'echo-server'],
        [['echo-server', '--max-clients', '0'], "invalid number of clients '0' (an integer from 1 to 2147483647)", 'echo-server'],
        [['echo-server', 'extra'], "unexpected argument 'extra'", 'echo-server'],
        [['connect'], 'missing HOST and PORT', 'connect'],
        [['connect', '127.0.0.1'], 'missing PORT', 'connect'],
        [['connect', '127.0.0.1', '0'], "invalid port '0' (an integer from 1 to 65535)", 'connect'],
        [['connect', '127.0.0.1', '9', 'extra'], "unexpected argument 'extra'", 'connect'],
        [['connect', '127.0.0.1', '9', '--wait', '10'], '--wait is for --udp', 'connect'],
        [['connect', '--udp', '127.0.0.1', '9', '--info'], '--info is for TCP', 'connect'],
        [['connect', '--udp', '127.0.0.1', '9', '--wait', '-1'], "invalid wait '-1' (an integer from 0 to 3600000)", 'connect'],
        [['connect', '--unix', path, '127.0.0.1'], "unexpected argument '127.0.0.1'", 'connect'],
        [['demo', '70000'], "invalid port '70000' (an integer from 0 to 65535)", 'demo'],
        [['demo', '0', '127.0.0.1', 'extra'], "unexpected argument 'extra'", 'demo'],
        [['demo', '0', '--bind', '::1'], "invalid address '::1' (a dotted IPv4 address such as 127.0.0.1)", 'demo'],
        // After --, even --help is an argument.
        [['demo', '--', '--help'], "invalid port '--help' (an integer from 0 to 65535)", 'demo'],
      ];
      const results = await inBatches(cases, 4, ([args]) => run(args));
      cases.forEach(([args, message, command], i) => {
        const { code, stdout, stderr } = results[i];
        const help = command === '' ? 'sockcall --help' : `sockcall ${command} --help`;
        expect({ code, stdout: stdout.toString(), stderr }, `sockcall ${args.join(' ')}`).to.deep.equal({
          code: 2,
          stdout: '',
          stderr: `sockcall: ${message}\nTry '${help}' for more information.\n`,
        });
      });
      expect(existsSync(path), 'no usage error made a socket file').to.equal(false);
    });
  });

  describe('its errors: status 1 and the SocketError on stderr', function () {
    it('connect to a TCP port nobody listens on: sockcall: connect ECONNREFUSED 127.0.0.1:PORT', async function () {
      // Bound and not listening: the port refuses connections, and nobody else can take it meanwhile.
      const closed = socket(AF_INET, SOCK_STREAM);
      closed.bind({ address: '127.0.0.1', port: 0 });
      const { port } = closed.getsockname();
      for (const host of ['127.0.0.1', 'localhost']) {
        const { code, stdout, stderr } = await run(['connect', host, String(port)], { input: 'never sent' });
        expect({ code, stdout: stdout.length, stderr }, host).to.deep.equal({
          code: 1,
          stdout: 0,
          stderr: `sockcall: connect ECONNREFUSED 127.0.0.1:${port}\n`,
        });
      }
    });

    it("connect --udp to a closed port: the ICMP error comes back as recv ECONNREFUSED, with the peer's address", async function () {
      // Another program could take the port between its close and the test's datagram; on loopback,
      // within milliseconds, that is not a worry.
      const port = recentlyFreeUdpPort();
      const { code, stdout, stderr } = await run(['connect', '--udp', '127.0.0.1', String(port)], { input: 'anyone?' });
      expect({ code, stdout: stdout.length, stderr }).to.deep.equal({ code: 1, stdout: 0, stderr: `sockcall: recv ECONNREFUSED 127.0.0.1:${port}\n` });
    });

    it('connect --unix to a path with no socket: sockcall: connect ENOENT PATH', async function () {
      const path = join(dir, 'nobody.sock');
      const { code, stdout, stderr } = await run(['connect', '--unix', path]);
      expect({ code, stdout: stdout.length, stderr }).to.deep.equal({ code: 1, stdout: 0, stderr: `sockcall: connect ENOENT ${path}\n` });
    });

    for (const flavour of FLAVOURS) {
      it(`echo-server --${flavour} on a port in use: sockcall: bind EADDRINUSE 127.0.0.1:PORT`, async function () {
        const { port } = listener().getsockname();
        const { code, stdout, stderr } = await run(['echo-server', `--${flavour}`, '--host', '127.0.0.1', '--port', String(port)]);
        expect({ code, stdout: stdout.length, stderr }).to.deep.equal({ code: 1, stdout: 0, stderr: `sockcall: bind EADDRINUSE 127.0.0.1:${port}\n` });
      });
    }

    it("echo-server --unix replaces a stale socket file, and leaves a live server's alone", async function () {
      const path = join(dir, 'stale.sock');
      // A socket file whose socket is gone, as a killed server leaves it.
      const dead = new Socket(AF_UNIX, SOCK_STREAM);
      dead.bind({ path });
      dead.close();
      expect(lstatSync(path).isSocket(), 'the stale file').to.equal(true);
      const { proc: live } = await echoServer(['--unix', path]);

      const second = await run(['echo-server', '--unix', path]);
      expect({ code: second.code, stdout: second.stdout.length, stderr: second.stderr }).to.deep.equal({
        code: 1,
        stdout: 0,
        stderr: `sockcall: bind EADDRINUSE ${path}\n`,
      });
      // The live server still has its file, and serves.
      const echoed = await run(['connect', '--unix', path], { input: 'still there\n' });
      expect({ code: echoed.code, stdout: echoed.stdout.toString(), stderr: echoed.stderr }).to.deep.equal({
        code: 0,
        stdout: 'still there\n',
        stderr: '',
      });
      live.child.kill('SIGTERM');
      await expectExit(live, 0);
      expect(existsSync(path), 'the file, removed by the server that made it').to.equal(false);
    });
  });

  describe('echo-server and connect', function () {
    for (const flavour of FLAVOURS) {
      describe(`--${flavour}`, function () {
        it('TCP: 1 MiB of every byte value comes back exactly; the server logs the client and its bytes', async function () {
          const data = payload();
          const { proc: server, port } = await echoServer([`--${flavour}`, '--host', '127.0.0.1', '--port', '0', '--max-clients', '1']);
          const client = await run(['connect', '127.0.0.1', String(port)], { input: data });
          expect({ code: client.code, stderr: client.stderr }, dump(client.proc)).to.deep.equal({ code: 0, stderr: '' });
          expectSameBytes(client.stdout, data, 'what connect printed');
          await expectExit(server, 0);
          const log = linesOf(stdoutOf(server).toString());
          const from = /^client 1 connected from (127\.0\.0\.1:\d+)$/.exec(log[1] ?? '')?.[1];
          expect(log).to.deep.equal([`listening on 127.0.0.1:${port}`, ...clientLines(1, MiB, from)]);
          expect(server.stderr).to.equal('');
        });

        it('TCP --info: the data as without it, then the TCP_INFO of the connection on stderr, one field a line', async function () {
          const data = payload();
          const { proc: server, port } = await echoServer([`--${flavour}`, '--host', '127.0.0.1', '--port', '0', '--max-clients', '1']);
          const client = await run(['connect', '127.0.0.1', String(port), '--info'], { input: data });
          expect(client.code, dump(client.proc)).to.equal(0);
          expectSameBytes(client.stdout, data, 'what connect printed');
          await expectExit(server, 0);
          const [head, ...rows] = linesOf(client.stderr);
          expect(head).to.equal(`TCP_INFO of 127.0.0.1:${port}:`);
          const info = Object.fromEntries(rows.map((row) => /^  (\w+) +(\S+)$/.exec(row)?.slice(1) ?? [row, undefined]));
          // Read before the close, after both ends have sent their FIN (ours at the end of stdin).
          expect(info.state).to.be.oneOf(['CLOSE', 'TIME_WAIT', 'CLOSING', 'LAST_ACK', 'FIN_WAIT2', 'CLOSE_WAIT']);
          // 1 MiB both ways, and each end's SYN and FIN counted as a byte.
          expect(Number(info.bytes_received)).to.be.within(MiB, MiB + 2);
          expect(Number(info.bytes_acked)).to.be.within(MiB, MiB + 2);
          expect(Number(info.snd_cwnd)).to.be.at.least(1);
          expect(Number(info.rtt)).to.be.above(0);
        });

        it('Unix: 1 MiB of every byte value comes back exactly; the socket file is removed at the end', async function () {
          const data = payload();
          const path = join(dir, `echo-${flavour}.sock`);
          const { proc: server } = await echoServer([`--${flavour}`, '--unix', path, '--max-clients', '1']);
          expect(lstatSync(path).isSocket()).to.equal(true);
          const client = await run(['connect', '--unix', path], { input: data });
          expect({ code: client.code, stderr: client.stderr }, dump(client.proc)).to.deep.equal({ code: 0, stderr: '' });
          expectSameBytes(client.stdout, data, 'what connect printed');
          await expectExit(server, 0);
          // A Unix client is unnamed: no address to log.
          expect(linesOf(stdoutOf(server).toString())).to.deep.equal([`listening on ${path}`, ...clientLines(1, MiB)]);
          expect(existsSync(path), 'the socket file after the server').to.equal(false);
        });

        it('UDP: 1 MiB of every byte value, a datagram at a time, comes back exactly; connect waits --wait, then exits 0', async function () {
          const data = payload();
          const { proc: server, port } = await echoServer([`--${flavour}`, '--udp', '--host', '127.0.0.1', '--port', '0']);
          const client = cli(['connect', '--udp', '127.0.0.1', String(port), '--wait', '300']);
          await pacedThroughUdp(client, data);
          const ended = Date.now();
          await expectExit(client, 0);
          expect(Date.now() - ended, 'connect waited --wait 300 for late replies').to.be.at.least(250);
          expect(client.stderr).to.equal('');
          expectSameBytes(stdoutOf(client), data, 'what connect printed');

          server.child.kill('SIGTERM');
          await expectExit(server, 0);
          const log = linesOf(stdoutOf(server).toString());
          expect(log.shift()).to.equal(`listening on 127.0.0.1:${port}`);
          expect(log.pop()).to.equal('stopped by SIGTERM');
          const from = /from (\S+):/.exec(log[0] ?? '')?.[1];
          expect(datagramBytes(log, from), 'bytes the server echoed').to.equal(MiB);
          expect(log.length, 'datagrams: one per piece written').to.equal(MiB / DATAGRAM_PIECE);
        });

        it('a client that stays connected does not hold up the next one', async function () {
          const { proc: server, port } = await echoServer([`--${flavour}`, '--host', '127.0.0.1', '--port', '0', '--max-clients', '2']);
          const first = cli(['connect', '127.0.0.1', String(port)]);
          first.child.stdin.write('first\n');
          await waitUntil(first, () => stdoutOf(first).toString() === 'first\n', "the first client's echo");
          // The first client's stdin is still open: a server serving one client at a time would
          // never get to the second.
          const second = await run(['connect', '127.0.0.1', String(port)], { input: 'second\n' });
          expect({ code: second.code, stdout: second.stdout.toString(), stderr: second.stderr }).to.deep.equal({ code: 0, stdout: 'second\n', stderr: '' });
          first.child.stdin.end('first again\n');
          await expectExit(first, 0);
          expect(stdoutOf(first).toString()).to.equal('first\nfirst again\n');
          await expectExit(server, 0);
          const log = linesOf(stdoutOf(server).toString()).map((line) => line.replace(/ from 127\.0\.0\.1:\d+$/, ''));
          expect(log).to.deep.equal([`listening on 127.0.0.1:${port}`, 'client 1 connected', 'client 2 connected', 'client 2 closed: 7 bytes echoed', 'client 1 closed: 18 bytes echoed']);
        });

        for (const signal of ['SIGINT', 'SIGTERM']) {
          it(`${signal} with a client connected: every socket closed, the socket file removed, status 0`, async function () {
            const path = join(dir, `signal-${flavour}.sock`);
            const { proc: server } = await echoServer([`--${flavour}`, '--unix', path]);
            const client = cli(['connect', '--unix', path]);
            client.child.stdin.write('hello\n');
            await waitUntil(client, () => stdoutOf(client).toString() === 'hello\n', 'the echo');
            const sent = Date.now();
            server.child.kill(signal);
            await expectExit(server, 0);
            expect(Date.now() - sent, 'time to stop').to.be.below(2000);
            expect(linesOf(stdoutOf(server).toString())).to.deep.equal([`listening on ${path}`, ...clientLines(1, 6), `stopped by ${signal}`]);
            expect(server.stderr).to.equal('');
            expect(existsSync(path), 'the socket file').to.equal(false);
            // The server closed the connection: the client reads EOF and ends by itself, stdin still open.
            await expectExit(client, 0);
            expect(client.stderr).to.equal('');
          });
        }
      });
    }

    describe('where it listens: 127.0.0.1 unless --host says otherwise', function () {
      /**
       * One exchange with the echo server at address:port over `type`: 'echoed', or the error code
       * (a closed TCP port refuses the connection; a closed UDP port answers with an ICMP error that
       * the connected socket's recv reports). Both addresses are loopback (127.0.0.0/8).
       */
      function exchange(type, address, port) {
        const probe = socket(AF_INET, type);
        try {
          probe.connect({ address, port });
          probe.send(Buffer.from('ping'));
          return probe.recv(16).toString() === 'ping' ? 'echoed' : 'something else';
        } catch (error) {
          return error.code;
        } finally {
          probe.close();
        }
      }

      for (const flavour of FLAVOURS) {
        for (const [transport, type] of [['TCP', SOCK_STREAM], ['UDP', SOCK_DGRAM]]) {
          it(`--${flavour} ${transport}: with no --host it says 127.0.0.1, and only 127.0.0.1 answers (not 127.0.0.2)`, async function () {
            const args = [`--${flavour}`, ...(type === SOCK_DGRAM ? ['--udp'] : []), '--port', '0'];
            const { proc: server, where, port } = await echoServer(args);
            expect(where, 'the startup line').to.equal(`127.0.0.1:${port}`);
            expect(exchange(type, '127.0.0.2', port), 'another loopback address').to.equal('ECONNREFUSED');
            expect(exchange(type, '127.0.0.1', port), '127.0.0.1').to.equal('echoed');
            server.child.kill('SIGTERM');
            await expectExit(server, 0);
          });
        }
      }

      for (const [transport, type] of [['TCP', SOCK_STREAM], ['UDP', SOCK_DGRAM]]) {
        it(`${transport}: --host 127.0.0.2 listens there, and 127.0.0.1 is refused`, async function () {
          const args = [...(type === SOCK_DGRAM ? ['--udp'] : []), '--host', '127.0.0.2', '--port', '0'];
          const { proc: server, where, port } = await echoServer(args);
          expect(where, 'the startup line').to.equal(`127.0.0.2:${port}`);
          expect(exchange(type, '127.0.0.1', port), '127.0.0.1').to.equal('ECONNREFUSED');
          expect(exchange(type, '127.0.0.2', port), '127.0.0.2').to.equal('echoed');
          server.child.kill('SIGTERM');
          await expectExit(server, 0);
        });
      }

      it('--help says why: the default, and what a server open to the network exposes', async function () {
        const { code, stdout } = await run(['echo-server', '--help']);
        const text = stdout.toString().replace(/\s+/g, ' ');
        expect(code).to.equal(0);
        expect(text).to.include('(default 127.0.0.1: this machine only;');
        expect(text).to.include('a UDP one is a reflection and amplification vector');
      });
    });

    it('IPv6: echo-server --host ::1, and connect to it', async function () {
      const { proc: server, port, where } = await echoServer(['--host', '::1', '--port', '0', '--max-clients', '1']);
      expect(where).to.equal(`[::1]:${port}`);
      const client = await run(['connect', '::1', String(port)], { input: 'over IPv6\n' });
      expect({ code: client.code, stdout: client.stdout.toString(), stderr: client.stderr }).to.deep.equal({ code: 0, stdout: 'over IPv6\n', stderr: '' });
      await expectExit(server, 0);
      expect(linesOf(stdoutOf(server).toString())[1]).to.match(/^client 1 connected from \[::1\]:\d+$/);
    });

    it('--trace prints the syscalls on stderr, in strace notation, and leaves stdout to the data', async function () {
      const path = join(dir, 'traced.sock');
      const { proc: server } = await echoServer(['--blocking', '--trace', '--unix', path, '--max-clients', '1']);
      const client = await run(['connect', '--trace', '--unix', path], { input: 'traced\n' });
      expect({ code: client.code, stdout: client.stdout.toString() }).to.deep.equal({ code: 0, stdout: 'traced\n' });
      await expectExit(server, 0);
      const connectLines = linesOf(client.stderr);
      const fd = /^socket\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC\|SOCK_NONBLOCK, 0\) = (\d+)$/.exec(connectLines[0])?.[1];
      expect(fd, client.stderr).to.not.equal(undefined);
      expect(connectLines, 'shutdown(SHUT_WR) at the end of stdin').to.include(`${`shutdown(${fd}, SHUT_WR)`.padEnd(39)} = 0`);
      const serverLines = linesOf(server.stderr);
      expect(serverLines.some((line) => /^poll\(\[\{fd=\d+, events=POLLIN\}\], 1, 250\) += 1 /.test(line)), 'the blocking poll loop').to.equal(true);
      expect(serverLines.some((line) => /^recvfrom\(\d+, "traced\\n", 65536, MSG_DONTWAIT, NULL, NULL\) += 7$/.test(line))).to.equal(true);
      // The path in full, as strace prints sun_path (its 32-character limit is for data, not paths);
      // the length is the family's 2 bytes, the path and its NUL.
      const sockaddr = `{sa_family=AF_UNIX, sun_path=${JSON.stringify(path)}}, ${path.length + 3}`;
      expect(serverLines.map((line) => line.replace(/^bind\(\d+, /, 'bind(FD, ')), server.stderr).to.include(`bind(FD, ${sockaddr}) = 0`);
      expect(connectLines, client.stderr).to.include(`connect(${fd}, ${sockaddr}) = 0`);
    });
  });

  describe('demo', function () {
    it("runs IBM's echo server and client with the trace on: strace lines from the server thread and the client thread", async function () {
      const { code, stdout, stderr, proc } = await run(['demo', '0']);
      expect(code, dump(proc)).to.equal(0);
      const steps = stdout.toString();
      expect(steps).to.include('client all 250 bytes echoed back\n');
      const server = Number(/^server socket\(AF_INET, SOCK_STREAM, 0\) = (\d+)$/m.exec(steps)?.[1]);
      const port = Number(/^server bind\(\d+, 0\.0\.0\.0:(\d+)\)$/m.exec(steps)?.[1]);
      const conn = Number(/^server accept\(\d+\) = (\d+), from/m.exec(steps)?.[1]);
      expect([server, port, conn].every(Number.isInteger), steps).to.equal(true);

      const lines = linesOf(stderr);
      for (const line of lines) expect(line, 'every stderr line is a trace line').to.match(/^(\[pid +\d+\] )?[a-z0-9_]+\(.*\) += (-1 E[A-Z]+ \(.*\)|\d+)( \(.*\))?$/);
      const expected = [
        `socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = ${server}`,
        `bind(${server}, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0`,
        `${`listen(${server}, 10)`.padEnd(39)} = 0`,
        `${`accept4(${server}, NULL, NULL, SOCK_CLOEXEC)`.padEnd(39)} = ${conn}`,
        `setsockopt(${conn}, SOL_SOCKET, SO_RCVLOWAT, [250], 4) = 0`,
        `pselect6(${conn + 1}, [${conn}], NULL, NULL, {tv_sec=30, tv_nsec=0}, NULL) = 1 (in [${conn}])`,
        `recvfrom(${conn}, "${'a'.repeat(32)}"..., 250, 0, NULL, NULL) = 250`,
      ];
      for (const line of expected) expect(lines, 'the server thread').to.include(line);
      // The client thread's lines carry its thread id, as strace -f shows them.
      const connect = lines.map((line) => /^\[pid +(\d+)\] connect\((\d+), (.*), 16\) = 0$/.exec(line)).find(Boolean);
      expect(connect, stderr).to.not.equal(undefined);
      expect(connect[3]).to.equal(`{sa_family=AF_INET, sin_port=htons(${port}), sin_addr=inet_addr("127.0.0.1")}`);
      expect(Number(connect[1])).to.not.equal(proc.child.pid);
      expect(lines).to.include(`[pid ${connect[1].padStart(5)}] recvfrom(${connect[2]}, "${'a'.repeat(32)}"..., 250, 0, NULL, NULL) = 250`);
    });

    it("says that IBM's INADDR_ANY is every interface, and --bind 127.0.0.1 keeps the server on loopback", async function () {
      const note = /^server 0\.0\.0\.0 is INADDR_ANY, .*; --bind 127\.0\.0\.1 keeps it on loopback$/m;
      const [open, loopback] = await Promise.all([run(['demo', '0']), run(['demo', '0', '--bind', '127.0.0.1'])]);
      expect(open.code, dump(open.proc)).to.equal(0);
      expect(open.stdout.toString()).to.match(note);
      expect(loopback.code, dump(loopback.proc)).to.equal(0);
      const steps = loopback.stdout.toString();
      expect(steps).to.not.match(note);
      expect(steps).to.match(/^server bind\(\d+, 127\.0\.0\.1:\d+\)$/m);
      expect(steps).to.include('client all 250 bytes echoed back\n');
      expect(loopback.stderr).to.match(/^bind\(\d+, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = 0$/m);
    });

    it('keeps a SOCKCALL_TRACE that asks for timestamps', async function () {
      const { code, stderr, proc } = await run(['demo', '0'], { env: { SOCKCALL_TRACE: 't' } });
      expect(code, dump(proc)).to.equal(0);
      const lines = linesOf(stderr);
      expect(lines.length).to.be.above(10);
      for (const line of lines) expect(line).to.match(/^(\[pid +\d+\] )?\d\d:\d\d:\d\d\.\d{6} [a-z0-9_]+\(/);
    });
  });

  describe('bench', function () {
    it('hands its options to bench/run.mjs and ends with its status', async function () {
      // run.mjs checks its options before it builds or runs anything.
      const { code, stdout, stderr } = await run(['bench', '--quick', '--reps=0']);
      expect({ code, stdout: stdout.toString(), stderr }).to.deep.equal({ code: 2, stdout: '', stderr: 'bench: --reps wants a positive integer\n' });
    });

    it('says so when bench/ is not there, as in the published package (and needs no addon for it)', async function () {
      // The package as npm installs it, reduced to what the command needs: package.json, dist/cli.js
      // and its modules in dist/cli/.
      const installed = join(dir, 'installed');
      mkdirSync(join(installed, 'dist'), { recursive: true });
      copyFileSync(join(root, 'package.json'), join(installed, 'package.json'));
      copyFileSync(CLI, join(installed, 'dist', 'cli.js'));
      cpSync(join(root, 'dist', 'cli'), join(installed, 'dist', 'cli'), { recursive: true });
      const child = start(process.execPath, [join(installed, 'dist', 'cli.js'), 'bench', '--quick']);
      child.child.stdin.end();
      await expectExit(child, 1);
      const script = join(installed, 'bench', 'run.mjs');
      expect(child.stderr).to.equal(
        `sockcall: bench: ${script} is missing: the benchmark suite is not part of the published package; ` +
          'run it from a clone of the repository (npm run bench)\n',
      );
      expect(child.chunks.length).to.equal(0);
    });
  });

  describe('with socat, a program nobody here wrote', function () {
    let socat;

    before(function () {
      socat = needTool(this, 'socat');
    });

    /**
     * socat ADDRESS PIPE: an echo server, once its log (-d -d) says it listens. socat moves data
     * through its own pipe: given more than the pipe has room for in one write, it blocks in write(2)
     * waiting for the only reader, itself. Writes of at most a page (-b 4096) fit whenever poll says
     * the pipe is writable.
     */
    async function socatEchoServer(address, options = ['-b', '4096']) {
      const proc = start(socat, ['-d', '-d', ...options, address, 'PIPE']);
      await waitForLine(proc, / listening on /, 'stderr');
      return proc;
    }

    for (const flavour of FLAVOURS) {
      describe(`socat as the client of echo-server --${flavour}`, function () {
        it('TCP: 1 MiB of every byte value, echoed exactly', async function () {
          const data = payload();
          const { proc: server, port } = await echoServer([`--${flavour}`, '--host', '127.0.0.1', '--port', '0', '--max-clients', '1']);
          // -t 10: after its stdin ends, socat waits up to 10 s for the echo to finish (default 0.5 s).
          const client = start(socat, ['-t', '10', '-', `TCP:127.0.0.1:${port}`]);
          client.child.stdin.end(data);
          await expectExit(client, 0);
          expectSameBytes(stdoutOf(client), data, 'what socat printed');
          await expectExit(server, 0);
          expect(linesOf(stdoutOf(server).toString()).at(-1)).to.equal(`client 1 closed: ${MiB} bytes echoed`);
        });

        it('Unix: 1 MiB of every byte value, echoed exactly', async function () {
          const data = payload();
          const path = join(dir, `socat-client-${flavour}.sock`);
          const { proc: server } = await echoServer([`--${flavour}`, '--unix', path, '--max-clients', '1']);
          const client = start(socat, ['-t', '10', '-', `UNIX-CONNECT:${path}`]);
          client.child.stdin.end(data);
          await expectExit(client, 0);
          expectSameBytes(stdoutOf(client), data, 'what socat printed');
          await expectExit(server, 0);
          expect(linesOf(stdoutOf(server).toString())).to.deep.equal([`listening on ${path}`, ...clientLines(1, MiB)]);
        });

        it('UDP: 1 MiB of every byte value, a datagram at a time, echoed exactly', async function () {
          const data = payload();
          const { proc: server, port } = await echoServer([`--${flavour}`, '--udp', '--host', '127.0.0.1', '--port', '0']);
          // -b: socat reads (and sends) up to this much at once, 8192 by default.
          const client = start(socat, ['-t', '0.3', '-b', String(DATAGRAM_PIECE), '-', `UDP:127.0.0.1:${port}`]);
          await pacedThroughUdp(client, data);
          await expectExit(client, 0);
          expectSameBytes(stdoutOf(client), data, 'what socat printed');
          server.child.kill('SIGTERM');
          await expectExit(server, 0);
          const log = linesOf(stdoutOf(server).toString()).slice(1, -1);
          expect(datagramBytes(log, /from (\S+):/.exec(log[0] ?? '')?.[1]), 'bytes the server echoed').to.equal(MiB);
        });
      });
    }

    describe('connect to a socat echo server', function () {
      it('TCP: 1 MiB of every byte value, echoed exactly, and the half-close ends it', async function () {
        const data = payload();
        // socat is given a port that was free a moment ago (bound to port 0 with sockcall, read back,
        // closed): TCP-LISTEN:0 works, but which port it took is only in its log, whose format is not
        // promised across socat versions. Another program could take the port in between; on
        // loopback, within milliseconds, that is not a worry.
        const probe = new Socket(AF_INET, SOCK_STREAM);
        track(probe);
        probe.bind({ address: '127.0.0.1', port: 0 });
        const { port } = probe.getsockname();
        probe.close();
        const server = await socatEchoServer(`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`);
        const client = await run(['connect', '127.0.0.1', String(port)], { input: data });
        expect({ code: client.code, stderr: client.stderr }, dump(client.proc)).to.deep.equal({ code: 0, stderr: '' });
        expectSameBytes(client.stdout, data, 'what connect printed');
        // socat ends when both directions have: after connect's shutdown(SHUT_WR) and its own EOF.
        await expectExit(server, 0);
      });

      it('Unix: 1 MiB of every byte value, echoed exactly', async function () {
        const data = payload();
        const path = join(dir, 'socat-server.sock');
        const server = await socatEchoServer(`UNIX-LISTEN:${path}`);
        const client = await run(['connect', '--unix', path], { input: data });
        expect({ code: client.code, stderr: client.stderr }, dump(client.proc)).to.deep.equal({ code: 0, stderr: '' });
        expectSameBytes(client.stdout, data, 'what connect printed');
        await expectExit(server, 0);
        expect(existsSync(path), "socat's socket file").to.equal(false);
      });

      it('UDP: 1 MiB of every byte value, a datagram at a time, echoed exactly', async function () {
        const data = payload();
        const port = recentlyFreeUdpPort(); // the same small race as for TCP above
        // -b: socat reads a datagram into a buffer this big (8192 by default: longer ones would be cut).
        // One datagram in flight leaves its pipe empty for the next: no risk of the write blocking.
        const server = await socatEchoServer(`UDP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, ['-b', '65536']);
        const client = cli(['connect', '--udp', '127.0.0.1', String(port), '--wait', '200']);
        await pacedThroughUdp(client, data);
        await expectExit(client, 0);
        expect(client.stderr).to.equal('');
        expectSameBytes(stdoutOf(client), data, 'what connect printed');
        server.child.kill('SIGTERM'); // UDP has no end: socat would wait for ever
        await server.exit;
      });
    });
  });
});
