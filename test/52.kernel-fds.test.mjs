// What the kernel hands back, whole: every fd it installs (a pidfd from SO_PEERPIDFD or SCM_PIDFD,
// the fds of SCM_RIGHTS) reaches the caller or is closed, counted in /proc/self/fd before and after;
// credentials in one call (recvCredentials); addresses with bytes that are not UTF-8 passed back to
// connect and sendto; connect({ family: 'AF_UNSPEC' }) undoing a datagram socket's association.
// Both flavours, over Unix sockets and loopback. examples/peer-pidfd runs at the end.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as B from 'sockcall';
import * as P from 'sockcall/promises';

import { GUARD_MS, bounded, guard, openFdCount, root, throwsLike, track } from './helpers.mjs';

const { AF_INET, AF_UNIX, CMSG_SPACE, MSG_CTRUNC, SCM_PIDFD, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET, SO_PASSCRED, SO_PASSPIDFD, SO_PEERPIDFD } =
  B;

const FLAVOURS = [
  ['blocking', B, (value) => value],
  ['promises', P, (value) => bounded(Promise.resolve(value), GUARD_MS)],
];

/** The pid a pidfd refers to (`Pid:` of /proc/self/fdinfo), or -1 once the process is reaped. */
function pidOf(pidfd) {
  return Number(/^Pid:\s*(-?\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8'))[1]);
}

/** Whether fd `fd` is close-on-exec (`flags:` of /proc/self/fdinfo, octal, O_CLOEXEC 02000000). */
function cloexec(fd) {
  return (Number.parseInt(/^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1], 8) & 0o2000000) !== 0;
}

/** The error `fn` throws or rejects with (a promise Socket rejects where a blocking one throws). */
async function failure(fn) {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${fn} to fail`);
}

/** A Unix socketpair of `type` in flavour `S`, closed after the test (and guarded, if blocking). */
function pair(S, type = SOCK_STREAM) {
  const [a, b] = S.Socket.pair(AF_UNIX, type);
  if (S === B) {
    guard(a);
    guard(b);
  }
  track(a, b);
  return [a, b];
}

describe('52 what the kernel hands back: pidfds, credentials, fds, addresses', function () {
  describe('constants', function () {
    it('SO_PASSPIDFD, SO_PEERPIDFD and SCM_PIDFD have the kernel values, in both flavours', function () {
      expect([B.SO_PASSPIDFD, B.SO_PEERPIDFD, B.SCM_PIDFD]).to.deep.equal([76, 77, 4]);
      expect([P.SO_PASSPIDFD, P.SO_PEERPIDFD, P.SCM_PIDFD]).to.deep.equal([76, 77, 4]);
    });
  });

  for (const [name, S, settle] of FLAVOURS) {
    describe(`${name} flavour`, function () {
      it('getsockopt SO_PEERPIDFD returns a close-on-exec pidfd for the peer, the caller closes it, none left', function () {
        const before = openFdCount();
        const [a, b] = pair(S);
        const pidfd = a.getsockopt(SOL_SOCKET, SO_PEERPIDFD);
        expect(pidOf(pidfd)).to.equal(process.pid);
        expect(cloexec(pidfd)).to.equal(true);
        closeSync(pidfd);
        // The raw-bytes form would hand the fd back as bytes: refused before any syscall.
        throwsLike(() => a.getsockopt(SOL_SOCKET, SO_PEERPIDFD, 4), { code: 'ERR_INVALID_ARG_VALUE' });
        a.close();
        b.close();
        expect(openFdCount()).to.equal(before);
      });

      it('recvmsg decodes SCM_PIDFD into pidfd (SO_PASSPIDFD on), and closes it under MSG_CTRUNC', async function () {
        const before = openFdCount();
        const [a, b] = pair(S, SOCK_SEQPACKET);
        b.setsockopt(SOL_SOCKET, SO_PASSPIDFD, 1);
        await settle(a.send('one'));
        const got = await settle(b.recvmsg(16, { controlLength: CMSG_SPACE(4) }));
        expect(got.buffers[0].toString()).to.equal('one');
        expect(got.pidfd).to.be.a('number');
        expect(got.control.some((item) => item.type === SCM_PIDFD)).to.equal(true);
        expect(pidOf(got.pidfd)).to.equal(process.pid);
        expect(cloexec(got.pidfd)).to.equal(true);
        closeSync(got.pidfd);
        // A pidfd and an fd, room for the pidfd only: the fds cut, everything that arrived closed.
        await settle(a.sendFds([a]));
        const cut = await settle(b.recvmsg(16, { controlLength: CMSG_SPACE(4) }));
        expect(cut.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
        expect(cut.pidfd).to.equal(null);
        expect(cut.fds).to.deep.equal([]);
        expect(cut.control.filter((item) => item.level === SOL_SOCKET && item.type !== B.SCM_CREDENTIALS)).to.deep.equal([]);
        // No room at all: the kernel installs nothing and says MSG_CTRUNC.
        await settle(a.send('two'));
        const none = await settle(b.recvmsg(16));
        expect(none.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
        expect(none.pidfd).to.equal(null);
        a.close();
        b.close();
        expect(openFdCount()).to.equal(before);
      });

      it('recvFds(n) hands over at most n fds: more close all that arrived and set MSG_CTRUNC, even within the padding', async function () {
        const before = openFdCount();
        const [a, b] = pair(S, SOCK_DGRAM);
        // CMSG_SPACE(4) is 24 bytes on x86-64, room for 2 ints: the kernel alone would hand over 2.
        await settle(a.sendFds([a, b]));
        const two = await settle(b.recvFds(1));
        expect(two.fds).to.deep.equal([]);
        expect(two.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
        expect(openFdCount()).to.equal(before + 2);
        await settle(a.sendFds([a, b, a, b, a]));
        const five = await settle(b.recvFds(3));
        expect(five.fds).to.deep.equal([]);
        expect(five.flags & MSG_CTRUNC).to.equal(MSG_CTRUNC);
        expect(openFdCount()).to.equal(before + 2);
        await settle(a.sendFds([a, b]));
        const exact = await settle(b.recvFds(2));
        expect(exact.fds).to.have.length(2);
        expect(exact.flags & MSG_CTRUNC).to.equal(0);
        for (const fd of exact.fds) closeSync(fd);
        // With SO_PASSCRED and SO_PASSPIDFD on, their items come first and still leave room for the
        // fds; the pidfd, not asked for, is closed.
        b.setsockopt(SOL_SOCKET, SO_PASSCRED, 1);
        b.setsockopt(SOL_SOCKET, SO_PASSPIDFD, 1);
        await settle(a.sendFds([a]));
        const one = await settle(b.recvFds(1));
        expect(one.fds).to.have.length(1);
        expect(one.flags & MSG_CTRUNC).to.equal(0);
        closeSync(one.fds[0]);
        a.close();
        b.close();
        expect(openFdCount()).to.equal(before);
      });

      it('recvCredentials turns SO_PASSCRED on and returns the data with the sender\'s pid, uid and gid in one call', async function () {
        const before = openFdCount();
        const [a, b] = pair(S);
        expect(b.getsockopt(SOL_SOCKET, SO_PASSCRED)).to.equal(0);
        // Sent before SO_PASSCRED was on: no credentials were attached, the kernel says pid 0.
        await settle(a.send('early'));
        const early = await settle(b.recvCredentials(100));
        expect(early.data.toString()).to.equal('early');
        expect(early.credentials.pid).to.equal(0);
        expect(b.getsockopt(SOL_SOCKET, SO_PASSCRED)).to.equal(1);
        await settle(a.send('hello'));
        const got = await settle(b.recvCredentials(100));
        expect(got.data.toString()).to.equal('hello');
        expect(got.credentials).to.deep.equal({ pid: process.pid, uid: process.getuid(), gid: process.getgid() });
        // sendCredentials attaches them whatever the receiver's setting; fds sent along are closed.
        await settle(a.sendCredentials('c'));
        expect((await settle(b.recvCredentials(10))).credentials.pid).to.equal(process.pid);
        await settle(a.sendFds([a, b], 'f'));
        const withFds = await settle(b.recvCredentials(10));
        expect(withFds.data.toString()).to.equal('f');
        expect(withFds.credentials.pid).to.equal(process.pid);
        expect(openFdCount()).to.equal(before + 2);
        expect((await failure(() => b.recvCredentials(-1))).code).to.equal('ERR_OUT_OF_RANGE');
        a.close();
        b.close();
        expect(openFdCount()).to.equal(before);
      });

      it('an abstract name that is not UTF-8 comes back as the same bytes: connect(getsockname()) reaches it', async function () {
        const name = Buffer.from(`\0python-test-hello-${process.pid}\0\xff`, 'latin1');
        const server = track(new S.Socket(AF_UNIX, SOCK_STREAM));
        server.bind({ path: name });
        server.listen(1);
        const address = server.getsockname();
        expect(Buffer.isBuffer(address.path)).to.equal(true);
        expect(address.path.equals(name)).to.equal(true);
        const client = track(new S.Socket(AF_UNIX, SOCK_STREAM));
        await settle(client.connect(address));
        const conn = track(await settle(server.accept()));
        expect(conn.getsockname().path.equals(name)).to.equal(true);
        expect(client.getpeername().path.equals(name)).to.equal(true);
        // A UTF-8 name still comes back as a string.
        const plain = track(new S.Socket(AF_UNIX, SOCK_DGRAM));
        plain.bind({ path: `\0sockcall-\u00e9-${process.pid}` });
        expect(plain.getsockname().path).to.equal(`\0sockcall-\u00e9-${process.pid}`);
      });

      it('a filesystem path with a 0xff byte, seen through recvfrom, takes the reply', async function () {
        const dir = mkdtempSync(join(tmpdir(), 'sockcall-52-'));
        try {
          const serverPath = join(dir, 'server.sock');
          const clientPath = Buffer.concat([Buffer.from(join(dir, 'client-')), Buffer.from([0xff, 0x2e])]);
          const server = track(new S.Socket(AF_UNIX, SOCK_DGRAM));
          server.bind({ path: serverPath });
          const client = track(new S.Socket(AF_UNIX, SOCK_DGRAM));
          client.bind({ path: clientPath });
          await settle(client.sendto('ping', { path: serverPath }));
          const { data, address } = await settle(server.recvfrom(100));
          expect(data.toString()).to.equal('ping');
          expect(address.path.equals(clientPath)).to.equal(true);
          await settle(server.sendto('pong', address));
          expect((await settle(client.recv(100))).toString()).to.equal('pong');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it("connect({ family: 'AF_UNSPEC' }) dissolves a UDP socket's association (loopback)", async function () {
        const udp = track(new S.Socket(AF_INET, SOCK_DGRAM));
        udp.bind({ address: '127.0.0.1', port: 0 });
        const peer = track(new S.Socket(AF_INET, SOCK_DGRAM));
        peer.bind({ address: '127.0.0.1', port: 0 });
        const other = track(new S.Socket(AF_INET, SOCK_DGRAM));
        other.bind({ address: '127.0.0.1', port: 0 });
        if (S === B) for (const s of [udp, peer, other]) guard(s);
        await settle(udp.connect(peer.getsockname()));
        expect(udp.getpeername()).to.deep.equal(peer.getsockname());
        // Connected: a datagram from another sender is dropped.
        await settle(other.sendto('dropped', udp.getsockname()));
        await settle(udp.connect({ family: 'AF_UNSPEC' }));
        throwsLike(() => udp.getpeername(), { code: 'ENOTCONN', syscall: 'getpeername' });
        expect((await failure(() => udp.send('x'))).code).to.equal('EDESTADDRREQ');
        await settle(other.sendto('arrives', udp.getsockname()));
        const { data, address } = await settle(udp.recvfrom(100));
        expect(data.toString()).to.equal('arrives');
        expect(address).to.deep.equal(other.getsockname());
        // Only connect takes it, and only as AF_UNSPEC itself.
        expect((await failure(() => udp.bind({ family: 'AF_UNSPEC' }))).code).to.equal('ERR_INVALID_ARG_VALUE');
        expect((await failure(() => udp.connect({ family: 'AF_UNSPEC', sa_family: 17 }))).code).to.equal('ERR_INVALID_ARG_VALUE');
      });
    });
  }

  it('the trace shows a name that is not UTF-8 and an AF_UNSPEC connect as strace does', function () {
    const lines = [];
    B.trace((line) => lines.push(line));
    try {
      const s = track(new B.Socket(AF_UNIX, SOCK_DGRAM));
      s.bind({ path: Buffer.from(`\0sc-${process.pid}\xff`, 'latin1') });
      s.connect({ family: 'AF_UNSPEC' });
    } finally {
      B.trace(false);
    }
    expect(lines.find((line) => line.startsWith('bind('))).to.include(`sun_path=@"sc-${process.pid}\\377"`);
    expect(lines.find((line) => line.startsWith('connect('))).to.match(/^connect\(\d+, \{sa_family=AF_UNSPEC, sa_data="(\\0){14}"\}, 16\) = 0$/);
  });

  it('examples/peer-pidfd: the peer by SO_PEERCRED and by its pidfd, alive, then exited (Pid -1)', async function () {
    this.timeout(20000);
    const child = spawn(process.execPath, [join(root, 'examples', 'dist', 'peer-pidfd.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const code = await new Promise((resolve) => child.once('exit', resolve)).finally(() => clearTimeout(timer));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    const lines = stdout.trim().split('\n');
    const pid = /^SO_PEERCRED: pid (\d+), uid (\d+), gid (\d+)$/.exec(lines[0]);
    expect(pid, stdout).to.not.equal(null);
    expect(Number(pid[2])).to.equal(process.getuid());
    expect(lines[1]).to.match(new RegExp(`^SO_PEERPIDFD: pidfd (\\d+), Pid ${pid[1]} in /proc/self/fdinfo/\\1, running \\(poll: no POLLIN\\)$`));
    expect(lines[2]).to.equal(`the peer said: hello from ${pid[1]}`);
    expect(lines[3]).to.match(/^the peer exited: pidfd (\d+) readable \(POLLIN\), Pid -1 in \/proc\/self\/fdinfo\/\1$/);
    expect(lines[4]).to.equal(`SO_PEERCRED still says pid ${pid[1]}, a number the kernel may reuse; the pidfd never names another process`);
  });
});
