// A Socket dropped without close() is closed when the garbage collector takes it, with a process
// warning (as Node does for a FileHandle): the fd comes back, a promise socket's poll handle goes
// before its fd, a socket with a call waiting is never taken, and closed or detached sockets are
// left alone. Each case runs in a child process started with --expose-gc, so that gc() can be
// forced and the warnings observed apart from mocha's own process.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { root } from './helpers.mjs';

/**
 * Runs `body` (an async function body with `S` = sockcall, `P` = sockcall/promises, `fdCount()` (open
 * sockets),
 * `collect()` (gc until the finalizers ran) and `warnings` (the 'warning' events so far) in scope) in
 * a child node process with --expose-gc and the extra `flags`; resolves with what it returns.
 */
function runCollected(body, flags = []) {
  const source = `
    const S = require(${JSON.stringify(root)});
    const P = require(${JSON.stringify(join(root, 'dist', 'promises.js'))});
    const { readdirSync, readlinkSync } = require('node:fs');
    // Sockets only: Node opens /dev/null on its own the first time it prints a warning to a pipe.
    const isSocket = (fd) => { try { return readlinkSync('/proc/self/fd/' + fd).startsWith('socket:'); } catch { return false; } };
    const fdCount = () => readdirSync('/proc/self/fd').filter(isSocket).length;
    const warnings = [];
    process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message, detail: w.detail }));
    const tick = () => new Promise((resolve) => setTimeout(resolve, 10));
    async function collect() {
      // Finalization callbacks run as tasks after a GC: give them turns of the loop, bounded.
      for (let i = 0; i < 10; i++) { gc(); await tick(); }
    }
    (async () => { ${body} })().then(
      (value) => { process.stdout.write(JSON.stringify({ ok: true, value })); },
      (error) => { process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.stack || error) })); },
    );`;
  const child = spawnSync(process.execPath, ['--expose-gc', ...flags, '-e', source], { encoding: 'utf8', timeout: 20000 });
  expect(child.signal, `child killed: ${child.stderr}`).to.equal(null);
  expect(child.status, child.stderr).to.equal(0);
  const result = JSON.parse(child.stdout);
  if (!result.ok) throw new Error(`child failed: ${result.error}`);
  return { value: result.value, stderr: child.stderr };
}

describe('12 sockets dropped without close()', function () {
  this.timeout(30000);

  it('are closed at garbage collection, each with a warning naming its fd and address', function () {
    const { value } = runCollected(`
      const base = fdCount();
      let fds;
      (function forget() {
        const tcp = new S.Socket(S.AF_INET, S.SOCK_STREAM);
        tcp.bind({ address: '127.0.0.1', port: 0 });
        tcp.listen();
        const udp = new S.Socket(S.AF_INET6, S.SOCK_DGRAM);
        udp.bind({ address: '::1', port: 0 });
        const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
        fds = { tcp: [tcp.fd, tcp.getsockname().port], udp: [udp.fd, udp.getsockname().port], pair: [a.fd, b.fd] };
      })();
      const opened = fdCount() - base;
      await collect();
      return { opened, left: fdCount() - base, fds, warnings };
    `);
    expect(value.opened).to.equal(4);
    expect(value.left, 'every fd is back').to.equal(0);
    const ours = value.warnings.filter((w) => w.code === 'SOCKCALL_UNCLOSED_SOCKET');
    expect(ours).to.have.length(4);
    const messages = ours.map((w) => w.message).join('\n');
    const [tcpFd, tcpPort] = value.fds.tcp;
    const [udpFd, udpPort] = value.fds.udp;
    expect(messages).to.include(`Closing socket fd ${tcpFd} (127.0.0.1:${tcpPort}) on garbage collection`);
    expect(messages).to.include(`Closing socket fd ${udpFd} ([::1]:${udpPort}) on garbage collection`);
    for (const fd of value.fds.pair) expect(messages).to.include(`Closing socket fd ${fd} (AF_UNIX, unnamed)`);
    for (const warning of ours) {
      expect(warning.name).to.equal('Warning');
      expect(warning.detail).to.equal('Run with --trace-warnings to see where it was created.');
    }
  });

  it('under --trace-warnings, the warning says where the socket was created, without sockcall frames', function () {
    const { value, stderr } = runCollected(
      `
      (function openAndForgetASocket() { new S.Socket(S.AF_INET, S.SOCK_DGRAM); })();
      await collect();
      return warnings.filter((w) => w.code === 'SOCKCALL_UNCLOSED_SOCKET');
    `,
      ['--trace-warnings'],
    );
    expect(value).to.have.length(1);
    const [first, ...frames] = value[0].detail.split('\n');
    expect(first).to.equal('Created:');
    expect(frames[0]).to.match(/^ {4}at openAndForgetASocket \(/);
    expect(value[0].detail).not.to.include(join(root, 'dist'));
    expect(stderr, 'Node prints it too').to.include('[SOCKCALL_UNCLOSED_SOCKET] Warning: Closing socket fd');
  });

  it('a promise socket left watching between calls: its poll handle is closed before the fd, so the reused number works', function () {
    const { value } = runCollected(`
      const base = fdCount();
      let numbers;
      await (async function forget() {
        const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
        // A call that waited, then finished: the handle stays started (readable), unreferenced.
        const pending = a.recv(16);
        await b.send('one');
        await pending;
        numbers = [a.fd, b.fd];
      })();
      await collect();
      const left = fdCount() - base;
      // The same numbers again, with pollers of their own: uv_poll_init would fail (EEXIST) if the
      // old handles still watched them.
      const [c, d] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
      const reused = [c.fd, d.fd];
      const echoed = c.recv(16, { timeout: 2000 });
      setTimeout(() => d.send('two'), 20);
      const text = (await echoed).toString();
      c.close();
      d.close();
      return { left, numbers, reused, text };
    `);
    expect(value.left).to.equal(0);
    // Node may take one of the numbers for itself meanwhile (it opens /dev/null to print a warning).
    expect(value.reused.filter((fd) => value.numbers.includes(fd)), 'a number is reused').not.to.be.empty;
    expect(value.text).to.equal('two');
  });

  it('a promise socket with a call waiting is not collected, though nothing but the pending call refers to it', function () {
    const { value } = runCollected(`
      const [held, peer] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
      let fd;
      const received = (function startAndForget() {
        const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
        fd = a.fd;
        // b goes to the peer: a's data arrives through it, after the collections below.
        peer.send(String(b.detach()));
        return a.recv(64, { timeout: 5000 });
      })();
      await collect();
      const numberText = (await held.recv(16)).toString();
      const b = P.Socket.fromFd(Number(numberText));
      await b.send('still here');
      const text = (await received).toString();
      b.close(); held.close(); peer.close();
      return { text, warnedWhileWaiting: warnings.some((w) => w.message.includes('fd ' + fd + ' ')) };
    `);
    expect(value.text).to.equal('still here');
    expect(value.warnedWhileWaiting).to.equal(false);
  });

  it('closed and detached sockets are never touched by the collector', function () {
    const { value } = runCollected(`
      const base = fdCount();
      let detached;
      (function closeOrDetach() {
        new S.Socket(S.AF_INET, S.SOCK_STREAM).close();
        new P.Socket(P.AF_INET, P.SOCK_STREAM).close();
        detached = new S.Socket(S.AF_INET, S.SOCK_STREAM).detach();
        const b = S.Socket.fromFd(new P.Socket(P.AF_INET, P.SOCK_DGRAM).detach());
        P.Socket.fromBlocking(b).close();
      })();
      await collect();
      const left = fdCount() - base;
      // The detached fd is still open and still a socket.
      const adopted = S.Socket.fromFd(detached);
      const type = adopted.getsockopt(S.SOL_SOCKET, S.SO_TYPE);
      adopted.close();
      return { left, type, ours: warnings.filter((w) => w.code === 'SOCKCALL_UNCLOSED_SOCKET').length };
    `);
    expect(value.left, 'just the detached fd').to.equal(1);
    expect(value.type).to.equal(1); // SOCK_STREAM
    expect(value.ours).to.equal(0);
  });

  it('a blocking loop that never yields to the event loop keeps nothing per socket it closed', function () {
    // A blocking server's accept loop: the collector's entries must go with close(), not with a
    // cleanup task that only a turn of the event loop would run.
    const { value } = runCollected(`
      const run = (count) => {
        for (let i = 0; i < count; i++) new S.Socket(S.AF_UNIX, S.SOCK_DGRAM).close();
      };
      run(2000); // warm up: compiled code, the heap's own growth
      gc();
      const before = process.memoryUsage().heapUsed;
      run(20000);
      gc();
      return { grewBytes: process.memoryUsage().heapUsed - before };
    `);
    // Kept per socket, they were about 120 bytes each: 2.4 MB here.
    expect(value.grewBytes).to.be.below(1_000_000);
  });
});
