// setsockopt/getsockopt: integer options round-trip through the kernel (with its own adjustments,
// such as SO_RCVBUF doubling and timeouts kept in jiffies), read-only options report the socket's
// real state, the struct options (SO_LINGER, SO_RCVTIMEO/SO_SNDTIMEO) convert both ways and have
// their observable effect, string and raw-byte options work, and errors are the kernel's or Node's.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { constants as osConstants, endianness } from 'node:os';
import { hrtime } from 'node:process';

import * as sockcall from 'sockcall';

import { socket, tcpPair, throwsLike } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  IP_TTL,
  POLLOUT,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ACCEPTCONN,
  SO_DOMAIN,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVLOWAT,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_SNDTIMEO,
  SO_TYPE,
  Socket,
  SocketError,
  TCP_CONGESTION,
  TCP_INFO,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_NODELAY,
  poll,
} = sockcall;

const LE = endianness() === 'LE';
const readInt = (buffer, offset = 0) => (LE ? buffer.readInt32LE(offset) : buffer.readInt32BE(offset));

/** A C int in the machine's byte order, as setsockopt(2) expects it. */
function cInt(value) {
  const buffer = Buffer.alloc(4);
  if (LE) buffer.writeInt32LE(value);
  else buffer.writeInt32BE(value);
  return buffer;
}

function procNumber(path) {
  return Number(readFileSync(path, 'utf8').trim());
}

/**
 * What getsockopt reads back after setting a timeout of `ms`: Linux keeps socket timeouts in
 * jiffies, rounding the microseconds up (sock_set_timeout), so the value comes back as whole jiffies.
 */
function kernelTimeout(ms, jiffyMs) {
  const seconds = Math.floor(ms / 1000);
  const micros = Math.round((ms - seconds * 1000) * 1000);
  const jiffyUs = jiffyMs * 1000;
  return seconds * 1000 + (Math.ceil(micros / jiffyUs - 1e-9) * jiffyUs) / 1000;
}

describe('60 socket options', function () {
  this.timeout(10000);

  describe('integer options', function () {
    it('SO_REUSEADDR and SO_KEEPALIVE round-trip 0 → 1 → 0', function () {
      const s = socket();
      for (const name of [SO_REUSEADDR, SO_KEEPALIVE]) {
        expect(s.getsockopt(SOL_SOCKET, name), `default of ${name}`).to.equal(0);
        s.setsockopt(SOL_SOCKET, name, 1);
        expect(s.getsockopt(SOL_SOCKET, name)).to.equal(1);
        s.setsockopt(SOL_SOCKET, name, 0);
        expect(s.getsockopt(SOL_SOCKET, name)).to.equal(0);
      }
    });

    it('TCP_NODELAY round-trips at IPPROTO_TCP, on a connected socket too', function () {
      const [client] = tcpPair();
      expect(client.getsockopt(IPPROTO_TCP, TCP_NODELAY)).to.equal(0);
      client.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      expect(client.getsockopt(IPPROTO_TCP, TCP_NODELAY)).to.equal(1);
      client.setsockopt(IPPROTO_TCP, TCP_NODELAY, 0);
      expect(client.getsockopt(IPPROTO_TCP, TCP_NODELAY)).to.equal(0);
    });

    it('SO_RCVBUF and SO_SNDBUF: Linux doubles the value set (room for its bookkeeping)', function () {
      const s = socket();
      const limit = Math.min(procNumber('/proc/sys/net/core/rmem_max'), procNumber('/proc/sys/net/core/wmem_max'));
      const size = Math.min(32768, limit);
      s.setsockopt(SOL_SOCKET, SO_RCVBUF, size);
      expect(s.getsockopt(SOL_SOCKET, SO_RCVBUF)).to.equal(2 * size);
      s.setsockopt(SOL_SOCKET, SO_SNDBUF, size);
      expect(s.getsockopt(SOL_SOCKET, SO_SNDBUF)).to.equal(2 * size);
      s.setsockopt(SOL_SOCKET, SO_RCVBUF, size / 2);
      expect(s.getsockopt(SOL_SOCKET, SO_RCVBUF)).to.equal(size);
    });

    it('SO_RCVLOWAT round-trips, and the kernel turns 0 into 1', function () {
      const s = socket();
      expect(s.getsockopt(SOL_SOCKET, SO_RCVLOWAT)).to.equal(1);
      s.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 250);
      expect(s.getsockopt(SOL_SOCKET, SO_RCVLOWAT)).to.equal(250);
      s.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 0);
      expect(s.getsockopt(SOL_SOCKET, SO_RCVLOWAT)).to.equal(1);
    });

    it('IPV6_V6ONLY round-trips on an AF_INET6 socket, from the sysctl default', function () {
      const s = socket(AF_INET6, SOCK_STREAM);
      expect(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).to.equal(procNumber('/proc/sys/net/ipv6/bindv6only'));
      s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
      expect(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).to.equal(1);
      s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
      expect(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).to.equal(0);
      // Binding a specific (not v4-mapped) IPv6 address makes the socket v6-only: no IPv4 peer can
      // reach it. From then on, with a port, the kernel refuses to change the option.
      s.bind({ address: '::1', port: 0 });
      expect(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).to.equal(1);
      throwsLike(() => s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0), { code: 'EINVAL', syscall: 'setsockopt' });
      expect(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).to.equal(1);
    });

    it('IP_TTL round-trips from the sysctl default; -1 restores it; out-of-range values are EINVAL', function () {
      const s = socket(AF_INET, SOCK_DGRAM);
      const defaultTtl = procNumber('/proc/sys/net/ipv4/ip_default_ttl');
      expect(s.getsockopt(IPPROTO_IP, IP_TTL)).to.equal(defaultTtl);
      s.setsockopt(IPPROTO_IP, IP_TTL, 17);
      expect(s.getsockopt(IPPROTO_IP, IP_TTL)).to.equal(17);
      throwsLike(() => s.setsockopt(IPPROTO_IP, IP_TTL, 0), { code: 'EINVAL', syscall: 'setsockopt' });
      throwsLike(() => s.setsockopt(IPPROTO_IP, IP_TTL, 256), { code: 'EINVAL', syscall: 'setsockopt' });
      expect(s.getsockopt(IPPROTO_IP, IP_TTL)).to.equal(17);
      s.setsockopt(IPPROTO_IP, IP_TTL, -1);
      expect(s.getsockopt(IPPROTO_IP, IP_TTL)).to.equal(defaultTtl);
    });

    it('accepts booleans for flag options (true → 1, false → 0)', function () {
      const s = socket();
      const v6 = socket(AF_INET6, SOCK_STREAM);
      const flags = [
        [s, SOL_SOCKET, SO_REUSEADDR],
        [s, SOL_SOCKET, SO_KEEPALIVE],
        [s, IPPROTO_TCP, TCP_NODELAY],
        [v6, IPPROTO_IPV6, IPV6_V6ONLY],
      ];
      for (const [sock, level, name] of flags) {
        sock.setsockopt(level, name, true);
        expect(sock.getsockopt(level, name), `option ${level}:${name} true`).to.equal(1);
        sock.setsockopt(level, name, false);
        expect(sock.getsockopt(level, name), `option ${level}:${name} false`).to.equal(0);
      }
    });
  });

  describe('read-only options', function () {
    it('SO_TYPE, SO_DOMAIN and SO_PROTOCOL describe the socket', function () {
      const cases = [
        [socket(AF_INET, SOCK_STREAM), SOCK_STREAM, AF_INET, IPPROTO_TCP],
        [socket(AF_INET6, SOCK_DGRAM), SOCK_DGRAM, AF_INET6, IPPROTO_UDP],
        [socket(AF_UNIX, SOCK_SEQPACKET), SOCK_SEQPACKET, AF_UNIX, 0],
      ];
      for (const [s, type, domain, protocol] of cases) {
        expect(s.getsockopt(SOL_SOCKET, SO_TYPE)).to.equal(type);
        expect(s.getsockopt(SOL_SOCKET, SO_DOMAIN)).to.equal(domain);
        expect(s.getsockopt(SOL_SOCKET, SO_PROTOCOL)).to.equal(protocol);
      }
      // They are read-only: the kernel refuses to set them.
      throwsLike(() => cases[0][0].setsockopt(SOL_SOCKET, SO_TYPE, SOCK_DGRAM), { code: 'ENOPROTOOPT', syscall: 'setsockopt' });
      expect(cases[0][0].getsockopt(SOL_SOCKET, SO_TYPE)).to.equal(SOCK_STREAM);
    });

    it('SO_ACCEPTCONN is 0 before listen and 1 after', function () {
      const s = socket();
      s.bind({ address: '127.0.0.1', port: 0 });
      expect(s.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)).to.equal(0);
      s.listen(1);
      expect(s.getsockopt(SOL_SOCKET, SO_ACCEPTCONN)).to.equal(1);
    });

    it('SO_ERROR reports ECONNREFUSED after a refused non-blocking connect, then clears', function () {
      // A bound port that does not listen: connections to it are refused, and nobody can take it.
      const closed = socket();
      closed.bind({ address: '127.0.0.1', port: 0 });
      const client = socket();
      client.setBlocking(false);
      expect(client.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
      throwsLike(() => client.connect(closed.getsockname()), { code: 'EINPROGRESS', syscall: 'connect' });
      const ready = poll([{ fd: client, events: POLLOUT }], 2000);
      expect(ready, 'the connect completed within 2 s').to.have.length(1);
      expect(ready[0].revents & POLLOUT).to.equal(POLLOUT);
      expect(client.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(osConstants.errno.ECONNREFUSED);
      // Reading SO_ERROR consumes the pending error.
      expect(client.getsockopt(SOL_SOCKET, SO_ERROR)).to.equal(0);
    });
  });

  describe('SO_LINGER', function () {
    it('round-trips as { onoff, linger }', function () {
      const s = socket();
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal({ onoff: false, linger: 0 });
      s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 7 });
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal({ onoff: true, linger: 7 });
      // Turning it off only clears the flag: Linux keeps the old time and ignores the new one.
      s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: 0, linger: 3 });
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal({ onoff: false, linger: 7 });
      s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 });
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal({ onoff: true, linger: 0 });
    });

    it('linger 0 then close resets the connection: the peer recv fails with ECONNRESET', function () {
      const [client, accepted] = tcpPair();
      client.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 });
      client.close();
      throwsLike(() => accepted.recv(100), { code: 'ECONNRESET', syscall: 'recv', instanceOf: SocketError });
    });

    it('without it, close is orderly: the peer reads EOF', function () {
      const [client, accepted] = tcpPair();
      client.close();
      expect(accepted.recv(100).length).to.equal(0);
    });
  });

  describe('SO_RCVTIMEO / SO_SNDTIMEO', function () {
    it('round-trip in milliseconds, as the kernel keeps them (whole jiffies, rounded up)', function () {
      const s = socket(AF_INET, SOCK_DGRAM);
      for (const name of [SO_RCVTIMEO, SO_SNDTIMEO]) {
        s.setsockopt(SOL_SOCKET, name, 1500);
        expect(s.getsockopt(SOL_SOCKET, name)).to.equal(1500);
        s.setsockopt(SOL_SOCKET, name, 0);
        expect(s.getsockopt(SOL_SOCKET, name), '0: no timeout').to.equal(0);
        // The kernel's unit: the smallest timeout there is, one jiffy (1000/HZ ms, HZ 100..1000).
        s.setsockopt(SOL_SOCKET, name, 0.001);
        const jiffy = s.getsockopt(SOL_SOCKET, name);
        expect(jiffy).to.be.within(1, 10);
        // Fractions of a millisecond are rounded up to whole jiffies by the kernel, so 250.5 reads
        // back as 252 at HZ=250 and 251 at HZ=1000; whole seconds stay exact.
        for (const ms of [250.5, 1000.5, 2000.25, 200, 1000]) {
          s.setsockopt(SOL_SOCKET, name, ms);
          expect(s.getsockopt(SOL_SOCKET, name), `set ${ms} ms`).to.be.closeTo(kernelTimeout(ms, jiffy), 1e-6);
        }
        expect(s.getsockopt(SOL_SOCKET, name)).to.equal(1000);
      }
    });

    it('passes a timeout to the kernel with microsecond precision (1 s + 1 µs is not 1 s)', function () {
      const s = socket(AF_INET, SOCK_DGRAM);
      for (const name of [SO_RCVTIMEO, SO_SNDTIMEO]) {
        // A whole second is exact; one microsecond more makes the kernel round up by a jiffy, so the
        // read-back shows whether that microsecond reached setsockopt's struct timeval.
        for (const ms of [1000.001, 1500.001, 2.001, 0.001]) {
          s.setsockopt(SOL_SOCKET, name, ms);
          const got = s.getsockopt(SOL_SOCKET, name);
          expect(got, `set ${ms} ms, read back ${got} ms`).to.be.above(Math.floor(ms));
        }
      }
    });

    it('a timeout below a microsecond is still a timeout, never rounded to 0 (which means none)', function () {
      const s = socket();
      s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 0.0004);
      expect(s.getsockopt(SOL_SOCKET, SO_RCVTIMEO)).to.be.above(0);
    });

    it('SO_RCVTIMEO 200 makes a blocking recv fail with EAGAIN after about 200 ms', function () {
      const s = socket(AF_INET, SOCK_DGRAM);
      s.bind({ address: '127.0.0.1', port: 0 });
      s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 200);
      expect(s.getBlocking()).to.equal(true);
      const start = hrtime.bigint();
      throwsLike(() => s.recv(100), { code: 'EAGAIN', syscall: 'recv' });
      const elapsedMs = Number(hrtime.bigint() - start) / 1e6;
      expect(elapsedMs).to.be.at.least(190);
      expect(elapsedMs).to.be.below(2000);
    });
  });

  describe('TCP options', function () {
    it('keep-alive: SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT round-trip', function () {
      const [client] = tcpPair();
      client.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
      client.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, 30);
      client.setsockopt(IPPROTO_TCP, TCP_KEEPINTVL, 5);
      client.setsockopt(IPPROTO_TCP, TCP_KEEPCNT, 4);
      expect(client.getsockopt(SOL_SOCKET, SO_KEEPALIVE)).to.equal(1);
      expect(client.getsockopt(IPPROTO_TCP, TCP_KEEPIDLE)).to.equal(30);
      expect(client.getsockopt(IPPROTO_TCP, TCP_KEEPINTVL)).to.equal(5);
      expect(client.getsockopt(IPPROTO_TCP, TCP_KEEPCNT)).to.equal(4);
      // The kernel's bounds: at least 1 second / probe, at most 127 probes.
      throwsLike(() => client.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, 0), { code: 'EINVAL', syscall: 'setsockopt' });
      throwsLike(() => client.setsockopt(IPPROTO_TCP, TCP_KEEPCNT, 128), { code: 'EINVAL', syscall: 'setsockopt' });
      expect(client.getsockopt(IPPROTO_TCP, TCP_KEEPIDLE)).to.equal(30);
      expect(client.getsockopt(IPPROTO_TCP, TCP_KEEPCNT)).to.equal(4);
    });

    it('TCP_CONGESTION is a string: read it, set it back, set reno, set it back again', function () {
      const s = socket();
      const current = s.getsockopt(IPPROTO_TCP, TCP_CONGESTION);
      expect(current).to.be.a('string');
      expect(current).to.equal(readFileSync('/proc/sys/net/ipv4/tcp_congestion_control', 'utf8').trim());
      s.setsockopt(IPPROTO_TCP, TCP_CONGESTION, current);
      expect(s.getsockopt(IPPROTO_TCP, TCP_CONGESTION)).to.equal(current);
      // reno is built in and always allowed.
      s.setsockopt(IPPROTO_TCP, TCP_CONGESTION, 'reno');
      expect(s.getsockopt(IPPROTO_TCP, TCP_CONGESTION)).to.equal('reno');
      s.setsockopt(IPPROTO_TCP, TCP_CONGESTION, current);
      expect(s.getsockopt(IPPROTO_TCP, TCP_CONGESTION)).to.equal(current);
      throwsLike(() => s.setsockopt(IPPROTO_TCP, TCP_CONGESTION, 'no-such-algorithm'), { code: 'ENOENT', syscall: 'setsockopt' });
    });

    it('TCP_INFO is a TcpInfo: the state by name, and counters that follow the bytes moved', function () {
      expect(socket().getsockopt(IPPROTO_TCP, TCP_INFO).state).to.equal('CLOSE');
      const [client, accepted, server] = tcpPair();
      expect(server.getsockopt(IPPROTO_TCP, TCP_INFO).state).to.equal('LISTEN');
      const before = client.getsockopt(IPPROTO_TCP, TCP_INFO);
      expect(before.state).to.equal('ESTABLISHED');
      expect(before.pmtu).to.equal(65536 - 1); // lo's MTU
      expect(before.snd_cwnd).to.be.at.least(1);
      const sent = 100_000;
      client.sendAll(Buffer.alloc(sent, 1));
      let got = 0;
      while (got < sent) got += accepted.recv(65536).length;
      expect(accepted.getsockopt(IPPROTO_TCP, TCP_INFO).bytes_received).to.equal(sent);
      // The last ACK may be delayed (up to 40 ms on loopback): wait for it, bounded.
      const deadline = Date.now() + 2000;
      let after = client.getsockopt(IPPROTO_TCP, TCP_INFO);
      while (after.unacked > 0 && Date.now() < deadline) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        after = client.getsockopt(IPPROTO_TCP, TCP_INFO);
      }
      expect(after.bytes_acked - before.bytes_acked).to.equal(sent); // the SYN counts as 1 byte
      expect(after.data_segs_out).to.be.at.least(Math.ceil(sent / after.snd_mss));
      expect(after.rtt).to.be.above(0);
      // Every field the kernel filled is there and nothing beyond: the raw length bounds the decoding.
      const raw = client.getsockopt(IPPROTO_TCP, TCP_INFO, 512);
      expect(raw[0]).to.equal(sockcall.TCP_ESTABLISHED);
      expect(raw.length).to.be.at.least(232);
      expect('snd_wnd' in after).to.equal(true);
      expect('total_rto_time' in after).to.equal(raw.length >= 248);
      expect((LE ? raw.readUInt32LE(16) : raw.readUInt32BE(16))).to.equal(after.snd_mss);
      client.close();
      expect(accepted.recv(1).length).to.equal(0);
      expect(accepted.getsockopt(IPPROTO_TCP, TCP_INFO).state).to.equal('CLOSE_WAIT');
    });
  });

  describe('raw bytes', function () {
    it('setsockopt takes a Buffer or TypedArray holding a C int; getsockopt(level, name, 4) returns a Buffer', function () {
      const s = socket();
      s.setsockopt(SOL_SOCKET, SO_RCVLOWAT, cInt(1234));
      expect(s.getsockopt(SOL_SOCKET, SO_RCVLOWAT)).to.equal(1234);
      const raw = s.getsockopt(SOL_SOCKET, SO_RCVLOWAT, 4);
      expect(raw).to.be.instanceOf(Buffer);
      expect(raw.length).to.equal(4);
      expect(readInt(raw)).to.equal(1234);
      s.setsockopt(SOL_SOCKET, SO_RCVLOWAT, new Int32Array([4321]));
      expect(readInt(s.getsockopt(SOL_SOCKET, SO_RCVLOWAT, 4))).to.equal(4321);
    });

    it('reads struct options as bytes: struct linger is two C ints', function () {
      const s = socket();
      s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 9 });
      const raw = s.getsockopt(SOL_SOCKET, SO_LINGER, 8);
      expect(raw.length).to.equal(8);
      expect(readInt(raw, 0)).to.equal(1);
      expect(readInt(raw, 4)).to.equal(9);
      // ...and writes them: set through bytes, read back through the struct conversion.
      const bytes = Buffer.concat([cInt(1), cInt(11)]);
      s.setsockopt(SOL_SOCKET, SO_LINGER, bytes);
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal({ onoff: true, linger: 11 });
    });
  });

  describe('multicast membership (a Membership: struct ip_mreqn / ipv6_mreq)', function () {
    // Joining sends nothing anywhere but loopback: the groups are joined on lo (ifindex 1), and the
    // kernel's own tables (/proc/net/igmp, /proc/net/igmp6) show the membership come and go.
    const igmp = () => readFileSync('/proc/net/igmp', 'utf8');
    const igmp6 = () => readFileSync('/proc/net/igmp6', 'utf8');
    const loopbackIndex = 1;

    it('IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP join and leave an IPv4 group on an interface', function () {
      const s = socket(sockcall.AF_INET, sockcall.SOCK_DGRAM);
      // 239.255.77.1 as /proc/net/igmp prints it: the network-order bytes read as a little-endian word.
      const shown = '014DFFEF';
      expect(igmp()).to.not.include(shown);
      s.setsockopt(sockcall.IPPROTO_IP, sockcall.IP_ADD_MEMBERSHIP, { multiaddr: '239.255.77.1', ifindex: loopbackIndex });
      expect(igmp()).to.match(new RegExp(`^1\\s+lo[\\s\\S]*?${shown}`, 'm'));
      s.setsockopt(sockcall.IPPROTO_IP, sockcall.IP_DROP_MEMBERSHIP, { multiaddr: '239.255.77.1', address: '0.0.0.0', ifindex: loopbackIndex });
      expect(igmp()).to.not.include(shown);
    });

    it('IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP join and leave an IPv6 group', function () {
      const s = socket(sockcall.AF_INET6, sockcall.SOCK_DGRAM);
      const shown = 'ff150000000000000000000000007701';
      expect(igmp6()).to.not.include(shown);
      s.setsockopt(sockcall.IPPROTO_IPV6, sockcall.IPV6_JOIN_GROUP, { multiaddr: 'ff15::7701', ifindex: loopbackIndex });
      expect(igmp6()).to.match(new RegExp(`^1\\s+lo\\s+${shown}`, 'm'));
      s.setsockopt(sockcall.IPPROTO_IPV6, sockcall.IPV6_LEAVE_GROUP, { multiaddr: 'ff15::7701', ifindex: loopbackIndex });
      expect(igmp6()).to.not.include(shown);
    });

    it('refuses what is not a membership before any syscall; the kernel refuses a unicast group', function () {
      const s = socket(sockcall.AF_INET, sockcall.SOCK_DGRAM);
      const { IPPROTO_IP, IP_ADD_MEMBERSHIP } = sockcall;
      throwsLike(() => s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, 1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: 'nonsense' }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      throwsLike(() => s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: 'ff15::1' }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
      throwsLike(() => s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.1.1.1', ifindex: -1 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '127.0.0.1', ifindex: loopbackIndex }), { code: 'EINVAL', syscall: 'setsockopt' });
      const s6 = socket(sockcall.AF_INET6, sockcall.SOCK_DGRAM);
      throwsLike(() => s6.setsockopt(sockcall.IPPROTO_IPV6, sockcall.IPV6_JOIN_GROUP, { multiaddr: 'ff15::1', address: '::1' }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
    });
  });

  describe('errors', function () {
    it('an unknown option is ENOPROTOOPT, for set and get', function () {
      const s = socket();
      const set = throwsLike(() => s.setsockopt(SOL_SOCKET, 9999, 1), {
        code: 'ENOPROTOOPT',
        syscall: 'setsockopt',
        instanceOf: SocketError,
      });
      expect(set.errno).to.equal(-osConstants.errno.ENOPROTOOPT);
      expect(set.message).to.equal('setsockopt ENOPROTOOPT');
      throwsLike(() => s.getsockopt(SOL_SOCKET, 9999), { code: 'ENOPROTOOPT', syscall: 'getsockopt' });
      throwsLike(() => s.setsockopt(IPPROTO_TCP, 9999, 1), { code: 'ENOPROTOOPT', syscall: 'setsockopt' });
    });

    it('a level the socket does not have is refused as the kernel says', function () {
      const tcp = socket(AF_INET, SOCK_STREAM);
      const udp = socket(AF_INET, SOCK_DGRAM);
      const unix = socket(AF_UNIX, SOCK_STREAM);
      // An IPv6 option on an IPv4 socket, a TCP option on UDP, a made-up level: ENOPROTOOPT.
      throwsLike(() => tcp.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1), { code: 'ENOPROTOOPT', syscall: 'setsockopt' });
      throwsLike(() => udp.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1), { code: 'ENOPROTOOPT', syscall: 'setsockopt' });
      throwsLike(() => tcp.setsockopt(12345, 1, 1), { code: 'ENOPROTOOPT', syscall: 'setsockopt' });
      // Linux's IPv4 getsockopt says EOPNOTSUPP for a foreign level (Node names errno 95 ENOTSUP).
      const get = throwsLike(() => tcp.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), { syscall: 'getsockopt' });
      expect(get.code).to.be.oneOf(['ENOPROTOOPT', 'ENOTSUP', 'EOPNOTSUPP']);
      expect(-get.errno).to.be.oneOf([osConstants.errno.ENOPROTOOPT, osConstants.errno.EOPNOTSUPP]);
      // A Unix socket has nothing below SOL_SOCKET.
      const ip = throwsLike(() => unix.setsockopt(IPPROTO_IP, IP_TTL, 1), { syscall: 'setsockopt' });
      expect(-ip.errno).to.be.oneOf([osConstants.errno.EOPNOTSUPP, osConstants.errno.ENOPROTOOPT]);
    });

    it('a value of the wrong type is a TypeError ERR_INVALID_ARG_TYPE, and nothing changes', function () {
      const s = socket();
      const cases = [
        [SOL_SOCKET, SO_REUSEADDR, '1'],
        [SOL_SOCKET, SO_REUSEADDR, null],
        [SOL_SOCKET, SO_REUSEADDR, { value: 1 }],
        [SOL_SOCKET, SO_RCVTIMEO, '100'],
        [SOL_SOCKET, SO_RCVTIMEO, true],
        [SOL_SOCKET, SO_LINGER, 5],
        [SOL_SOCKET, SO_LINGER, { onoff: 'yes', linger: 1 }],
        [SOL_SOCKET, SO_LINGER, { onoff: true, linger: '1' }],
        [IPPROTO_TCP, TCP_CONGESTION, 5],
      ];
      for (const [level, name, value] of cases) {
        const error = throwsLike(() => s.setsockopt(level, name, value), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError });
        expect(error.message, `${level}:${name} ${JSON.stringify(value)}`).to.match(/^The "value(\.\w+)?" argument must be/);
      }
      throwsLike(() => s.setsockopt('1', SO_REUSEADDR, 1), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError });
      throwsLike(() => s.getsockopt(SOL_SOCKET, '2'), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError });
      expect(s.getsockopt(SOL_SOCKET, SO_REUSEADDR)).to.equal(0);
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal({ onoff: false, linger: 0 });
    });

    it('a negative linger, a NaN or negative timeout, a fractional int are RangeError ERR_OUT_OF_RANGE', function () {
      const s = socket();
      const before = s.getsockopt(SOL_SOCKET, SO_RCVTIMEO);
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: -1 }), {
        code: 'ERR_OUT_OF_RANGE',
        instanceOf: RangeError,
        message: /"value\.linger"/,
      });
      for (const bad of [NaN, -1, Infinity]) {
        throwsLike(() => s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, bad), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError });
        throwsLike(() => s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, bad), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError });
      }
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 1.5), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError });
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 2 ** 31), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError });
      throwsLike(() => s.getsockopt(SOL_SOCKET, SO_RCVLOWAT, -1), { code: 'ERR_OUT_OF_RANGE', instanceOf: RangeError });
      expect(s.getsockopt(SOL_SOCKET, SO_RCVTIMEO)).to.equal(before);
      expect(s.getsockopt(SOL_SOCKET, SO_LINGER)).to.deep.equal({ onoff: false, linger: 0 });
    });

    it('options on a closed socket throw EBADF', function () {
      const s = new Socket(AF_INET, SOCK_STREAM);
      s.close();
      throwsLike(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1), { code: 'EBADF', syscall: 'setsockopt' });
      throwsLike(() => s.getsockopt(SOL_SOCKET, SO_REUSEADDR), { code: 'EBADF', syscall: 'getsockopt' });
    });
  });
});
