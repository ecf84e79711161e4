// The syscall trace (SOCKCALL_TRACE, trace()): held against real strace, call by call, and its API
// (sinks, options, workers, the environment variable, a sink that throws).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';

import { needTool, root, runPeer, track } from './helpers.mjs';

const { AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, Socket, trace } = sockcall;

/**
 * A flow touching every kind of call the trace formats: TCP server and client (the client in a
 * worker, so two threads), UDP with addresses, a socketpair with shutdown, select and poll, fcntl
 * through setBlocking and a promise-flavour select on a blocking socket, getsockopt of several
 * kinds, sendmsg/recvmsg with SCM_RIGHTS, SCM_CREDENTIALS and addresses, sendmmsg/recvmmsg (with a
 * timeout, SCM_RIGHTS and a cut datagram), a socket filter attached and detached, and failures
 * (ECONNREFUSED, EAGAIN).
 */
const FLOW = `
  const S = require(${JSON.stringify(root)});
  const P = require(${JSON.stringify(join(root, 'dist', 'promises.js'))});
  const { Worker } = require('node:worker_threads');
  (async () => {
    const server = new S.Socket(S.AF_INET, S.SOCK_STREAM);
    server.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1);
    server.bind({ address: '127.0.0.1', port: 0 });
    server.listen(10);
    const { port } = server.getsockname();
    server.setsockopt(S.SOL_SOCKET, S.SO_RCVTIMEO, 5000);
    const worker = new Worker(\`
      const S = require(${JSON.stringify(root)});
      const { workerData } = require('node:worker_threads');
      const c = new S.Socket(S.AF_INET, S.SOCK_STREAM);
      c.setsockopt(S.SOL_SOCKET, S.SO_RCVTIMEO, 5000);
      c.connect({ address: '127.0.0.1', port: workerData.port });
      c.sendAll('hello, "server"\\\\n\\\\0\\\\x01');
      c.recv(100);
      c.close();\`, { eval: true, workerData: { port } });
    const conn = server.accept();
    S.select([conn], [], [], 5000);
    const got = conn.recv(100);
    conn.send(got);
    conn.getsockopt(S.SOL_SOCKET, S.SO_LINGER);
    conn.getsockopt(S.IPPROTO_TCP, S.TCP_NODELAY);
    await new Promise((resolve) => worker.once('exit', resolve));
    conn.close();
    server.close();
    const refused = new S.Socket(S.AF_INET, S.SOCK_STREAM);
    try { refused.connect({ address: '127.0.0.1', port }); } catch {}
    refused.close();
    const u1 = new S.Socket(S.AF_INET, S.SOCK_DGRAM);
    const u2 = new S.Socket(S.AF_INET, S.SOCK_DGRAM);
    u1.bind({ address: '127.0.0.1', port: 0 });
    u2.sendto(Buffer.from([0, 1, 2, 200, 10]), u1.getsockname());
    u1.poll = undefined;
    S.poll([{ fd: u1, events: S.POLLIN }], 5000);
    u1.recvfrom(10);
    try { u1.recv(10, S.MSG_DONTWAIT); } catch {}
    const [a, b] = S.Socket.pair(S.AF_UNIX, S.SOCK_STREAM);
    a.shutdown(S.SHUT_WR);
    const file = require('node:fs').openSync(${JSON.stringify(join(root, 'package.json'))}, 'r');
    b.sendfile(file, 0, 8);
    b.sendfileAll(file, null, 4);
    b.sendfile(file, 2 ** 40, 4);
    try { b.sendfile(a.fd, 0, 4); } catch {}
    require('node:fs').closeSync(file);
    b.setBlocking(false);
    b.getBlocking();
    await P.select([a], [], [], 1000);
    const [m1, m2] = S.Socket.pair(S.AF_UNIX, S.SOCK_DGRAM);
    m1.sendFds([u1, 1], 'fds');
    const { fds } = m2.recvFds(2);
    for (const fd of fds) require('node:fs').closeSync(fd);
    m2.setsockopt(S.SOL_SOCKET, S.SO_PASSCRED, 1);
    m1.sendCredentials();
    m2.recvmsg([1, 4], { controlLength: 64 });
    u2.sendmsg(['ab', Buffer.from([0, 1])], { address: u1.getsockname() });
    u1.recvmsg([1, 8]);
    try { u1.recvmsg(4, { flags: S.MSG_DONTWAIT }); } catch {}
    u2.sendmmsg([{ data: 'one', address: u1.getsockname() }, { buffers: ['t', Buffer.from('wo')], address: u1.getsockname() }]);
    u1.recvmmsg(4, 2, { flags: S.MSG_WAITFORONE, timeout: 1000 });
    try { u1.recvmmsg(2, 8, { flags: S.MSG_DONTWAIT }); } catch {}
    u2.sendto('into', u1.getsockname());
    u1.recvmmsgInto(Buffer.alloc(16), 2, 8, new Int32Array(4), { flags: S.MSG_WAITFORONE });
    u2.sendto('from', u1.getsockname());
    u1.recvfromInto(Buffer.alloc(8), 0, { senders: [] });
    u2.sendto('bare', u1.getsockname());
    u1.recvfromInto(Buffer.alloc(8));
    try { u1.recvfromInto(Buffer.alloc(8), S.MSG_DONTWAIT, { senders: [] }); } catch {}
    const passed = Buffer.alloc(4);
    passed.writeInt32LE(1);
    const [d1, d2] = S.Socket.pair(S.AF_UNIX, S.SOCK_DGRAM);
    d1.sendmmsg([{ data: 'x', control: [{ level: S.SOL_SOCKET, type: S.SCM_RIGHTS, data: passed }] }, { data: 'y' }]);
    for (const fd of d2.recvFds(1).fds) require('node:fs').closeSync(fd);
    d2.recvmmsg(2, 4, { flags: S.MSG_DONTWAIT });
    d1.send('unnamed');
    d2.recvfromInto(Buffer.alloc(8), 0, { senders: [] });
    d1.close();
    d2.close();
    const ep = new S.Epoll();
    ep.ctl(S.EPOLL_CTL_ADD, u1, S.EPOLLIN | S.EPOLLRDHUP | S.EPOLLET);
    ep.ctl(S.EPOLL_CTL_ADD, u2.fd, S.EPOLLOUT);
    ep.wait(8, 0);
    ep.ctl(S.EPOLL_CTL_DEL, u2);
    try { ep.ctl(S.EPOLL_CTL_DEL, u2); } catch {}
    ep.wait(8, 1);
    ep.close();
    u1.setsockopt(S.SOL_SOCKET, S.SO_ATTACH_FILTER, [{ code: S.BPF_RET | S.BPF_K, jt: 0, jf: 0, k: 0xffffffff }]);
    try { u1.setsockopt(S.SOL_SOCKET, S.SO_ATTACH_FILTER, [{ code: S.BPF_JMP | S.BPF_JA, jt: 0, jf: 0, k: 1 }]); } catch {}
    u1.setsockopt(S.SOL_SOCKET, S.SO_DETACH_FILTER, 0);
    u1.ioctl(S.FIONREAD);
    a.ioctl(S.SIOCOUTQ);
    try { a.ioctl(S.SIOCOUTQNSD); } catch {}
    a.sockatmark();
    for (const s of [u1, u2, a, b, m1, m2]) s.close();
  })();
`;

/** strace's line for a call, made comparable with sockcall's: results aligned the same way, what
 * strace 6 adds or prints differently (select's time left, SO_RCVTIMEO_OLD as raw bytes) evened out. */
function normalize(line) {
  let text = line.replace(/^\[pid +\d+\] /, '').replace(/\s+= /, ' = ');
  text = text.replace(/, left \{tv_sec=\d+, tv_nsec=\d+\}\)$/, ')').replace(/ \(left \{tv_sec=\d+, tv_nsec=\d+\}\)$/, '');
  const timeval = /SO_(RCV|SND)TIMEO_OLD, "((?:[^"\\]|\\.)*)", 16\)/.exec(text);
  if (timeval) {
    const bytes = unquote(timeval[2]);
    const seconds = bytes.readBigInt64LE(0);
    const micros = bytes.readBigInt64LE(8);
    text = text.replace(timeval[0], `SO_${timeval[1]}TIMEO, {tv_sec=${seconds}, tv_usec=${micros}}, 16)`);
  }
  return text.replace(/SO_(RCV|SND)TIMEO_OLD/, 'SO_$1TIMEO');
}

/** The bytes of a C string literal as strace writes them (octal and the usual escapes). */
function unquote(literal) {
  const bytes = [];
  for (let i = 0; i < literal.length; i++) {
    if (literal[i] !== '\\') {
      bytes.push(literal.charCodeAt(i));
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(literal.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += octal[0].length;
    } else {
      const escape = literal[++i];
      bytes.push({ n: 10, t: 9, r: 13, f: 12, v: 11 }[escape] ?? escape.charCodeAt(0));
    }
  }
  return Buffer.from(bytes);
}

describe('86 the syscall trace', function () {
  this.timeout(60000);

  /** Spot checks of the notation itself, on the flow's trace lines. */
  function checkNotation(ours) {
    const text = ours.join('\n');
    expect(ours.length, text).to.be.above(40);
    expect(text).to.match(/^socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC, IPPROTO_IP\) += \d+$/m);
    expect(text).to.match(/connect\(\d+, \{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) += -1 ECONNREFUSED \(Connection refused\)/);
    expect(text).to.match(/pselect6\(\d+, \[\d+\], NULL, NULL, \{tv_sec=5, tv_nsec=0\}, NULL\) += 1 \(in \[\d+\]\)/);
    expect(text).to.match(/^\[pid +\d+\] sendto\(\d+, "hello, \\"server\\"\\n\\0\\1", 18, MSG_NOSIGNAL, NULL, 0\) += 18$/m);
    expect(text).to.match(/recvfrom\(\d+, 0x[0-9a-f]+, 10, MSG_DONTWAIT, NULL, NULL\) += -1 EAGAIN \(Resource temporarily unavailable\)/);
    expect(text).to.match(/socketpair\(AF_UNIX, SOCK_STREAM\|SOCK_CLOEXEC, 0, \[\d+, \d+\]\) += 0/);
    expect(text).to.match(/^sendfile\(\d+, \d+, \[0\] => \[8\], 8\) += 8\nsendfile\(\d+, \d+, NULL, 4\) += 4\nsendfile\(\d+, \d+, \[1099511627776\], 4\) += 0\nsendfile\(\d+, \d+, \[0\], 4\) += -1 ESPIPE \(Illegal seek\)$/m);
    expect(text).to.match(/fcntl\(\d+, F_SETFL, O_RDWR\|O_NONBLOCK\) += 0/);
    expect(text).to.match(/^setsockopt\(\d+, SOL_SOCKET, SO_ATTACH_FILTER, \{len=1, filter=0x[0-9a-f]+\}, 16\) += 0\nsetsockopt\(\d+, SOL_SOCKET, SO_ATTACH_FILTER, \{len=1, filter=0x[0-9a-f]+\}, 16\) += -1 EINVAL \(Invalid argument\)\nsetsockopt\(\d+, SOL_SOCKET, SO_DETACH_FILTER, \[0\], 4\) += 0$/m);
    expect(text).to.match(/sendmsg\(\d+, \{msg_name=NULL, msg_namelen=0, msg_iov=\[\{iov_base="fds", iov_len=3\}\], msg_iovlen=1, msg_control=\[\{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=\[\d+, 1\]\}\], msg_controllen=24, msg_flags=0\}, MSG_NOSIGNAL\) += 3/);
    expect(text).to.match(/recvmsg\(\d+, \{msg_namelen=128\}, MSG_DONTWAIT\|MSG_CMSG_CLOEXEC\) += -1 EAGAIN/);
    expect(text).to.match(/^epoll_ctl\(\d+, EPOLL_CTL_ADD, \d+, \{events=EPOLLIN\|EPOLLRDHUP\|EPOLLET, data=\{u32=(\d+), u64=\1\}\}\) += 0$/m);
    expect(text).to.match(/^epoll_wait\(\d+, \[\{events=EPOLLOUT, data=\{u32=(\d+), u64=\1\}\}\], 8, 0\) += 1$/m);
    expect(text).to.match(/^epoll_ctl\(\d+, EPOLL_CTL_DEL, \d+, NULL\) += -1 ENOENT \(No such file or directory\)$/m);
    expect(text).to.match(/^ioctl\(\d+, SIOCOUTQNSD, 0x[0-9a-f]+\) += -1 ENOTTY \(Inappropriate ioctl for device\)$/m);
    expect(text).to.match(/^sendmmsg\(\d+, \[\{msg_hdr=\{msg_name=\{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, msg_namelen=16, msg_iov=\[\{iov_base="one", iov_len=3\}\], msg_iovlen=1, msg_controllen=0, msg_flags=0\}, msg_len=3\}, \{msg_hdr=\{.*msg_iov=\[\{iov_base="t", iov_len=1\}, \{iov_base="wo", iov_len=2\}\], msg_iovlen=2, msg_controllen=0, msg_flags=0\}, msg_len=3\}\], 2, MSG_NOSIGNAL\) += 2$/m);
    expect(text).to.match(/^recvmmsg\(\d+, \[\{msg_hdr=\{msg_name=\{sa_family=AF_INET, .*\}, msg_namelen=128 => 16, msg_iov=\[\{iov_base="on", iov_len=2\}\], msg_iovlen=1, msg_controllen=0, msg_flags=MSG_TRUNC\}, msg_len=2\}, .*\], 4, MSG_WAITFORONE, \{tv_sec=1, tv_nsec=0\}\) += 2 \(left \{tv_sec=\d+, tv_nsec=\d+\}\)$/m);
    expect(text).to.match(/^recvmmsg\(\d+, 0x[0-9a-f]+, 2, MSG_DONTWAIT, NULL\) += -1 EAGAIN/m);
    // recvmmsgInto without senders offers no name: msg_name NULL, as strace shows it.
    expect(text).to.match(/^recvmmsg\(\d+, \[\{msg_hdr=\{msg_name=NULL, msg_namelen=0, msg_iov=\[\{iov_base="into", iov_len=8\}\], msg_iovlen=1, msg_controllen=0, msg_flags=0\}, msg_len=4\}\], 2, MSG_WAITFORONE, NULL\) += 1$/m);
    expect(text).to.match(/^sendmmsg\(\d+, \[\{msg_hdr=\{msg_name=NULL, msg_namelen=0, msg_iov=\[\{iov_base="x", iov_len=1\}\], msg_iovlen=1, msg_control=\[\{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=\[1\]\}\], msg_controllen=24, msg_flags=0\}, msg_len=1\}, /m);
    // recvfromInto: with senders, the address the kernel wrote; without, src_addr NULL.
    expect(text).to.match(/^recvfrom\(\d+, "from", 8, 0, \{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, \[128 => 16\]\) += 4$/m);
    expect(text).to.match(/^recvfrom\(\d+, "bare", 8, 0, NULL, NULL\) += 4$/m);
    // Where the kernel wrote no address (a failure, an unnamed sender), the buffer's address.
    expect(text).to.match(/^recvfrom\(\d+, 0x[0-9a-f]+, 8, MSG_DONTWAIT, 0x[0-9a-f]+, \[128\]\) += -1 EAGAIN/m);
    expect(text).to.match(/^recvfrom\(\d+, "unnamed", 8, 0, 0x[0-9a-f]+, \[128 => 0\]\) += 7$/m);
    expect(text).to.match(/recvfrom\(\d+, "\\0\\1\\2\\310\\n", 10, 0, \{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, \[128 => 16\]\) += 5/);
  }

  const traceLines = (stderr) => stderr.split('\n').filter((line) => /^(\[pid +\d+\] )?[a-z0-9_]+\(/.test(line));

  it("writes strace's notation for a flow of every kind of call (SOCKCALL_TRACE=1)", function () {
    const run = spawnSync(process.execPath, ['-e', FLOW], { encoding: 'utf8', timeout: 45000, env: { ...process.env, SOCKCALL_TRACE: '1' } });
    expect(run.status, run.stderr).to.equal(0);
    checkNotation(traceLines(run.stderr));
  });

  it('lists the same calls, arguments and results as strace -f, thread by thread, and hides none on its sockets', function () {
    const strace = needTool(this, 'strace', ['-f', '-qq', '-e', 'trace=none', 'true']);
    const dir = mkdtempSync(join(tmpdir(), 'sockcall-strace-'));
    try {
      const run = spawnSync(
        strace,
        ['-ff', '-qq', '-s', '32', '-e', 'trace=network,sendfile,sendmmsg,recvmmsg,pselect6,poll,fcntl,close,epoll_create1,epoll_ctl,epoll_wait,ioctl', '-o', join(dir, 'trace'), process.execPath, '-e', FLOW],
        { encoding: 'utf8', timeout: 45000, env: { ...process.env, SOCKCALL_TRACE: '1' } },
      );
      expect(run.status, run.stderr).to.equal(0);
      const ours = traceLines(run.stderr);
      checkNotation(ours);
      const straced = new Map();
      for (const file of readdirSync(dir)) {
        const tid = Number(file.split('.').pop());
        straced.set(tid, readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).map(normalize));
      }
      const mainTid = Math.min(...straced.keys());
      // Every line of ours is in strace's record of the same thread, in the same order.
      const cursor = new Map();
      const fdsByThread = new Map();
      for (const line of ours) {
        const tid = /^\[pid +(\d+)\] /.exec(line)?.[1];
        const thread = tid === undefined ? mainTid : Number(tid);
        const expected = normalize(line);
        const record = straced.get(thread);
        expect(record, `strace saw thread ${thread}`).to.not.equal(undefined);
        let at = cursor.get(thread) ?? 0;
        while (at < record.length && record[at] !== expected) at++;
        expect(at, `strace has, in order: ${expected}\nnext strace lines:\n${record.slice(cursor.get(thread) ?? 0, (cursor.get(thread) ?? 0) + 8).join('\n')}`).to.be.below(record.length);
        cursor.set(thread, at + 1);
        const fd = /^[a-z0-9_]+\((\d+),/.exec(expected)?.[1];
        if (fd !== undefined) (fdsByThread.get(thread) ?? fdsByThread.set(thread, new Set()).get(thread)).add(fd);
      }
      // And no network call strace saw on those sockets is missing from ours.
      const oursNormalized = new Set(ours.map(normalize));
      for (const [thread, fds] of fdsByThread) {
        for (const line of straced.get(thread)) {
          const call = /^(socket|bind|listen|accept4|connect|sendto|recvfrom|sendmsg|recvmsg|sendfile|sendmmsg|recvmmsg|shutdown|getsockname|getpeername|getsockopt|setsockopt)\((\d+),/.exec(line);
          if (call && fds.has(call[2])) expect(oursNormalized.has(line), `sockcall's trace has: ${line}`).to.equal(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('declares every syscall the binding can record, and nothing else (lib/trace.ts TRACED_SYSCALLS)', function () {
    const { TRACED_SYSCALLS } = createRequire(import.meta.url)(join(root, 'dist', 'trace.js'));
    // The names the binding records: the literal names handed to Traced (the frame around each
    // traced syscall, native/trace.h) or to Trace::End, and the ones NameCall passes on. Any other
    // name that is not a literal would hide a name from this test, so it fails on one.
    const recorded = new Set();
    const hidden = [];
    const nativeDir = join(root, 'native');
    for (const file of readdirSync(nativeDir).filter((name) => /\.(cc|h)$/.test(name) && !name.startsWith('trace.'))) {
      readFileSync(join(nativeDir, file), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          for (const match of line.matchAll(/\b(?:End\(|Traced\(\s*\w+,)\s*([^,]+),/g)) {
            const literal = /^"(\w+)"$/.exec(match[1].trim());
            if (literal) recorded.add(literal[1]);
            else if (!(file === 'syscalls.cc' && match[1].trim() === 'name' && /\bTraced\(trace, name,/.test(line))) hidden.push(`${file}:${index + 1}: ${line.trim()}`);
          }
          for (const match of line.matchAll(/\bNameCall\(\s*\w+,\s*"(\w+)"/g)) recorded.add(match[1]);
        });
    }
    expect(hidden, 'Traced or Trace::End called with a name that is not a literal').to.deep.equal([]);
    for (const name of ['socket', 'close', 'getsockname', 'getpeername', 'poll', 'pselect6', 'fcntl', 'recvmsg', 'getsockopt']) {
      expect(recorded.has(name), `found ${name} among the recorded names`).to.equal(true);
    }
    expect(Object.keys(TRACED_SYSCALLS).sort()).to.deep.equal([...recorded].sort());
  });

  it('warns, once, about a recorded call it has no declaration for, and prints its arguments raw', function () {
    const script = `
      const { formatCall } = require(${JSON.stringify(join(root, 'dist', 'trace.js'))});
      console.log(formatCall('splice', [3, 4], 0, 0, null, null, 0, 0));
      console.log(formatCall('splice', [3, 4], 0, 0, null, null, 0, 0));
      console.log(formatCall('close', [3, 4, 5], 0, 0, null, null, 0, 0));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15000 });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.split('\n')[0]).to.match(/^splice\(3, 4\) +=  ?0$/);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('SOCKCALL_TRACE_UNDECLARED'));
    expect(warnings, run.stderr).to.have.length(2);
    expect(warnings[0]).to.include('splice has no declaration');
    expect(warnings[1]).to.include('close was recorded with 3 arguments');
  });

  describe('trace()', function () {
    afterEach(function () {
      trace(false);
    });

    it('hands each call to a function, with timestamps and durations on request, until trace(false)', function () {
      const lines = [];
      trace((line) => lines.push(line), { timestamps: true, durations: true });
      const s = track(new Socket(AF_INET, SOCK_DGRAM));
      s.bind({ address: '127.0.0.1', port: 0 });
      trace(false);
      s.getsockname();
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/^\d\d:\d\d:\d\d\.\d{6} socket\(AF_INET, SOCK_DGRAM\|SOCK_CLOEXEC, IPPROTO_IP\) += \d+ <\d+\.\d{6}>$/);
      expect(lines[1]).to.match(/^\d\d:\d\d:\d\d\.\d{6} bind\(\d+, \{sa_family=AF_INET, sin_port=htons\(0\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) += 0 <\d+\.\d{6}>$/);
    });

    it('a sink that throws loses no result: the socket is made, and the exception is raised on its own afterwards', async function () {
      const uncaught = new Promise((resolve) => process.prependOnceListener('uncaughtException', resolve));
      // mocha's own handler would fail the test: take it out for this one exception.
      const mochaHandlers = process.listeners('uncaughtException').slice(1);
      for (const handler of mochaHandlers) process.off('uncaughtException', handler);
      try {
        trace(() => {
          throw new Error('sink failed');
        });
        const s = track(new Socket(AF_UNIX, SOCK_STREAM));
        trace(false);
        expect(s.fd).to.be.at.least(0);
        expect((await uncaught).message).to.equal('sink failed');
      } finally {
        for (const handler of mochaHandlers) process.on('uncaughtException', handler);
      }
    });

    it('a sink that sends to another address from inside sendto and connect: each call reaches the address it was given', function () {
      const [one, two] = [track(new Socket(AF_INET, SOCK_DGRAM)), track(new Socket(AF_INET, SOCK_DGRAM))];
      for (const receiver of [one, two]) receiver.bind({ address: '127.0.0.1', port: 0 });
      const [first, second] = [one.getsockname(), two.getsockname()];
      const sender = track(new Socket(AF_INET, SOCK_DGRAM));
      const lines = [];
      let inner = false;
      trace((line) => {
        lines.push(line);
        if (inner) return;
        inner = true;
        sender.sendto('from the sink', second); // encodes an address while the outer call returns
        inner = false;
      });
      sender.sendto('sendto', first);
      sender.connect(first);
      trace(false);
      sender.send('connected');
      // The sink's own calls are not traced: two lines, each naming the address its call was given.
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(new RegExp(`^sendto\\(\\d+, "sendto", .*sin_port=htons\\(${first.port}\\)`));
      expect(lines[1]).to.match(new RegExp(`^connect\\(\\d+, .*sin_port=htons\\(${first.port}\\)`));
      expect(String(one.recv(64, sockcall.MSG_DONTWAIT))).to.equal('sendto');
      expect(String(one.recv(64, sockcall.MSG_DONTWAIT))).to.equal('connected');
      for (let i = 0; i < 2; i++) expect(String(two.recv(64, sockcall.MSG_DONTWAIT))).to.equal('from the sink');
      expect(() => one.recv(64, sockcall.MSG_DONTWAIT)).to.throw(sockcall.SocketError).with.property('code', 'EAGAIN');
    });

    it('is per thread: a worker traces its own calls, prefixed [pid TID], while this thread stays quiet', async function () {
      const lines = [];
      const result = await runPeer(`
        const lines = [];
        sockcall.trace((line) => lines.push(line));
        const s = new sockcall.Socket(sockcall.AF_UNIX, sockcall.SOCK_DGRAM);
        s.close();
        return lines;`);
      expect(lines).to.deep.equal([]);
      expect(result).to.have.length(2);
      expect(result[0]).to.match(/^\[pid +\d+\] socket\(AF_UNIX, SOCK_DGRAM\|SOCK_CLOEXEC, 0\) += \d+$/);
      expect(result[1]).to.match(/^\[pid +\d+\] close\(\d+\) += 0$/);
    });

    it('refuses bad arguments with TypeErrors', function () {
      expect(() => trace('yes')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => trace(true, { timestamps: 1 })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => trace(true, { pids: 'yes' })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => trace(true, null)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });
  });

  it('SOCKCALL_TRACE: 1 prints to stderr, tT adds timestamps and durations, p the pid on every line, an unknown value warns', function () {
    const script = `const S = require(${JSON.stringify(root)}); new S.Socket(S.AF_INET, S.SOCK_STREAM).close();`;
    const run = (value) => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000, env: { ...process.env, SOCKCALL_TRACE: value } });
    const plain = run('1');
    expect(plain.stderr.trim().split('\n')).to.have.length(2);
    expect(plain.stderr).to.match(/^socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC, IPPROTO_IP\) += \d+\nclose\(\d+\) += 0\n$/);
    expect(run('tT').stderr).to.match(/^\d\d:\d\d:\d\d\.\d{6} socket\(.*\) += \d+ <\d\.\d{6}>$/m);
    // strace -f's prefix, the main thread's pid: the lines of several processes in one file stay apart.
    const pids = spawnSync(process.execPath, ['-e', `${script} process.stdout.write(String(process.pid))`], { encoding: 'utf8', timeout: 10000, env: { ...process.env, SOCKCALL_TRACE: 'ptT' } });
    expect(pids.stderr).to.match(new RegExp(`^\\[pid +${pids.stdout}\\] \\d\\d:\\d\\d:\\d\\d\\.\\d{6} socket\\(.*\\) += \\d+ <\\d\\.\\d{6}>\\n\\[pid +${pids.stdout}\\] .*close`));
    const unknown = run('verbose');
    expect(unknown.status).to.equal(0);
    expect(unknown.stderr).to.include('[SOCKCALL_TRACE] Warning: SOCKCALL_TRACE="verbose" is not understood');
    expect(run('0').stderr).to.equal('');
  });
});
