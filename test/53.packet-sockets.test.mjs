// Packet sockets (AF_PACKET) and interfaces: if_nametoindex/if_indextoname against the kernel's
// own list (/sys/class/net), a packet address (struct sockaddr_ll) through bind, getsockname and
// recvfrom with the protocol in host order, a frame sent with sendto and seen on lo, a classic BPF
// filter (SO_ATTACH_FILTER) choosing the frames queued, and the errors of bad addresses and names. Only the loopback interface is used. Raw sockets need CAP_NET_RAW:
// without it the tests that make one are skipped with the reason (a failure in CI, which is root).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';

import * as sockcall from 'sockcall';

import { needRawSockets, socket, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_PACKET,
  ARPHRD_LOOPBACK,
  BPF_ABS,
  BPF_B,
  BPF_H,
  BPF_IND,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MSH,
  BPF_RET,
  IPPROTO_UDP,
  MSG_DONTWAIT,
  ETH_P_ALL,
  ETH_P_IP,
  PACKET_HOST,
  PACKET_OUTGOING,
  SO_RCVTIMEO,
  SOCK_DGRAM,
  SOCK_RAW,
  SOL_SOCKET,
  SO_ATTACH_FILTER,
  SO_DETACH_FILTER,
  SO_LOCK_FILTER,
  Socket,
  if_indextoname,
  if_nametoindex,
  trace,
} = sockcall;

describe('53 packet sockets and interfaces', function () {
  describe('if_nametoindex / if_indextoname', function () {
    it("agree with /sys/class/net: lo's index, and back to its name", function () {
      const index = Number(readFileSync('/sys/class/net/lo/ifindex', 'utf8').trim());
      expect(if_nametoindex('lo')).to.equal(index);
      expect(if_indextoname(index)).to.equal('lo');
    });

    it('an unknown name is ENODEV, an unknown index ENXIO, bad arguments TypeError/RangeError', function () {
      throwsLike(() => if_nametoindex('no-such-if0'), { code: 'ENODEV', syscall: 'if_nametoindex' });
      throwsLike(() => if_nametoindex('x'.repeat(16)), { code: 'ENODEV' }); // longer than IFNAMSIZ allows
      throwsLike(() => if_nametoindex('lo\0x'), { code: 'ENODEV' }); // C would read 'lo'
      throwsLike(() => if_nametoindex(''), { code: 'ENODEV' });
      throwsLike(() => if_indextoname(2 ** 31 - 1), { code: 'ENXIO', syscall: 'if_indextoname' });
      throwsLike(() => if_nametoindex(1), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      throwsLike(() => if_indextoname(0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      throwsLike(() => if_indextoname('1'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    });
  });

  describe('AF_PACKET addresses (struct sockaddr_ll)', function () {
    beforeEach(function () {
      needRawSockets(this);
    });

    it('socket() and bind() take the protocol in host order; getsockname reads it back so', function () {
      const lo = if_nametoindex('lo');
      const packet = track(new Socket(AF_PACKET, SOCK_RAW, ETH_P_IP));
      expect(packet.protocol).to.equal(ETH_P_IP);
      packet.bind({ family: 'AF_PACKET', protocol: ETH_P_IP, ifindex: lo });
      expect(packet.getsockname()).to.deep.equal({
        family: 'AF_PACKET',
        protocol: ETH_P_IP,
        ifindex: lo,
        hatype: ARPHRD_LOOPBACK,
        pkttype: 0,
        address: '00:00:00:00:00:00',
      });
    });

    it('recvfrom on lo: a UDP datagram to 127.0.0.1 seen going out and coming in, as an IPv4 frame', function () {
      const lo = if_nametoindex('lo');
      const packet = track(new Socket(AF_PACKET, SOCK_RAW, ETH_P_ALL));
      packet.bind({ family: 'AF_PACKET', protocol: ETH_P_ALL, ifindex: lo });
      packet.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 2000);
      const udp = socket(AF_INET, SOCK_DGRAM);
      udp.bind({ address: '127.0.0.1', port: 0 });
      const { port } = udp.getsockname();
      const marker = Buffer.from(`sockcall-53-${process.pid}-${port}`);
      udp.sendto(marker, { address: '127.0.0.1', port });
      const seen = [];
      // Other programs' traffic on lo comes too: look for this datagram, bounded in count and time.
      for (let frames = 0; frames < 1000 && seen.length < 2; frames++) {
        const { data, address } = packet.recvfrom(65536);
        if (data.includes(marker)) seen.push({ data, address });
      }
      expect(seen.map(({ address }) => address.pkttype)).to.deep.equal([PACKET_OUTGOING, PACKET_HOST]);
      for (const { data, address } of seen) {
        expect(address).to.include({ family: 'AF_PACKET', protocol: ETH_P_IP, ifindex: lo, hatype: ARPHRD_LOOPBACK });
        expect(data.readUInt16BE(12), 'the Ethernet type').to.equal(ETH_P_IP);
        expect(data[14] >> 4, 'IPv4').to.equal(4);
        expect(data.readUInt16BE(14 + 20 + 2), 'the UDP destination port').to.equal(port);
      }
      expect(udp.recv(100)).to.deep.equal(marker);
    });

    it("is traced in strace's notation: htons(ETH_P_IP), the sockaddr_ll's fields, the interface by name", function () {
      const lines = [];
      trace((line) => lines.push(line));
      let fd;
      try {
        const packet = new Socket(AF_PACKET, SOCK_RAW, ETH_P_IP);
        fd = packet.fd;
        packet.bind({ family: 'AF_PACKET', protocol: ETH_P_IP, ifindex: if_nametoindex('lo') });
        packet.getsockname();
        packet.close();
      } finally {
        trace(false);
      }
      const ll = 'sa_family=AF_PACKET, sll_protocol=htons(ETH_P_IP), sll_ifindex=if_nametoindex("lo")';
      expect(lines.map((line) => line.replace(/\s+= /, ' = '))).to.deep.equal([
        `socket(AF_PACKET, SOCK_RAW|SOCK_CLOEXEC, htons(ETH_P_IP)) = ${fd}`,
        `bind(${fd}, {${ll}, sll_hatype=0, sll_pkttype=PACKET_HOST, sll_halen=0}, 20) = 0`,
        `getsockname(${fd}, {${ll}, sll_hatype=ARPHRD_LOOPBACK, sll_pkttype=PACKET_HOST, sll_halen=6, sll_addr=[00, 00, 00, 00, 00, 00]}, [128 => 18]) = 0`,
        `close(${fd}) = 0`,
      ]);
    });

    it('sendto a packet address: a whole frame written on lo comes back to a packet socket', function () {
      const lo = if_nametoindex('lo');
      // An Ethernet type of the local experimental range (0x88b5): nobody else on lo speaks it.
      const EXPERIMENTAL = 0x88b5;
      const receiver = track(new Socket(AF_PACKET, SOCK_RAW, EXPERIMENTAL));
      receiver.bind({ family: 'AF_PACKET', protocol: EXPERIMENTAL, ifindex: lo });
      receiver.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 2000);
      const sender = track(new Socket(AF_PACKET, SOCK_RAW, 0));
      const frame = Buffer.alloc(60);
      frame.writeUInt16BE(EXPERIMENTAL, 12);
      frame.write(`sockcall-53-${process.pid}`, 14);
      expect(sender.sendto(frame, { family: 'AF_PACKET', ifindex: lo, address: '00:00:00:00:00:00' })).to.equal(60);
      const { data, address } = receiver.recvfrom(100);
      expect(data).to.deep.equal(frame);
      expect(address).to.include({ family: 'AF_PACKET', protocol: EXPERIMENTAL, ifindex: lo });
    });
  });

  describe('socket filters (SO_ATTACH_FILTER, classic BPF)', function () {
    const ret = (k) => ({ code: BPF_RET | BPF_K, jt: 0, jf: 0, k });

    /** Every datagram queued on `udp` now, without waiting (bounded). */
    function drain(udp) {
      const got = [];
      for (let i = 0; i < 100; i++) {
        try {
          got.push(udp.recv(100, MSG_DONTWAIT).toString());
        } catch (error) {
          if (error.code === 'EAGAIN') return got;
          throw error;
        }
      }
      return got;
    }

    it('on a UDP socket: ret #0 queues nothing, detached everything again; bytes are instructions too', function () {
      const udp = socket(AF_INET, SOCK_DGRAM);
      udp.bind({ address: '127.0.0.1', port: 0 });
      const to = udp.getsockname();
      const sender = socket(AF_INET, SOCK_DGRAM);
      expect(udp.getsockopt(SOL_SOCKET, SO_ATTACH_FILTER), 'instructions attached').to.equal(0);
      udp.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, [ret(0)]);
      expect(udp.getsockopt(SOL_SOCKET, SO_ATTACH_FILTER), 'instructions attached').to.equal(1);
      sender.sendto('dropped', to);
      expect(drain(udp)).to.deep.equal([]);
      udp.setsockopt(SOL_SOCKET, SO_DETACH_FILTER, 0);
      throwsLike(() => udp.setsockopt(SOL_SOCKET, SO_DETACH_FILTER, 0), { code: 'ENOENT', syscall: 'setsockopt' });
      sender.sendto('kept', to);
      expect(drain(udp)).to.deep.equal(['kept']);
      // The same program as struct sock_filter bytes: code 0x06 (BPF_RET | BPF_K), k 0.
      const program = Buffer.alloc(8);
      program.writeUInt16LE(BPF_RET | BPF_K, 0);
      udp.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, program);
      sender.sendto('dropped', to);
      expect(drain(udp)).to.deep.equal([]);
      // A UDP socket's program sees the datagram from its 8-byte UDP header: k 8 + 3 keeps 3 bytes of data.
      udp.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, new Uint32Array([BPF_RET | BPF_K, 8 + 3]));
      sender.sendto('cut short', to);
      expect(drain(udp)).to.deep.equal(['cut']);
      // Locked, the program can be neither replaced nor removed.
      udp.setsockopt(SOL_SOCKET, SO_LOCK_FILTER, 1);
      throwsLike(() => udp.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, [ret(0xffffffff)]), { code: 'EPERM', syscall: 'setsockopt' });
      throwsLike(() => udp.setsockopt(SOL_SOCKET, SO_DETACH_FILTER, 0), { code: 'EPERM', syscall: 'setsockopt' });
    });

    it('on a packet socket on lo: only the frames of the port the program accepts are queued', function () {
      needRawSockets(this);
      const lo = if_nametoindex('lo');
      const wanted = socket(AF_INET, SOCK_DGRAM);
      wanted.bind({ address: '127.0.0.1', port: 0 });
      const other = socket(AF_INET, SOCK_DGRAM);
      other.bind({ address: '127.0.0.1', port: 0 });
      const { port } = wanted.getsockname();
      const otherPort = other.getsockname().port;
      // UDP to `port`: after the 14-byte Ethernet header, the IP protocol at 9, the destination port
      // at 2 past the IP header (X = 4 * IHL).
      const filter = [
        { code: BPF_LD | BPF_B | BPF_ABS, jt: 0, jf: 0, k: 14 + 9 },
        { code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: 4, k: IPPROTO_UDP },
        { code: BPF_LDX | BPF_B | BPF_MSH, jt: 0, jf: 0, k: 14 },
        { code: BPF_LD | BPF_H | BPF_IND, jt: 0, jf: 0, k: 14 + 2 },
        { code: BPF_JMP | BPF_JEQ | BPF_K, jt: 0, jf: 1, k: port },
        ret(0xffffffff),
        ret(0),
      ];
      // Protocol 0 until the program is attached: a packet socket made with ETH_P_IP queues every
      // IPv4 frame on the host from socket() on, so other programs' traffic would get in unfiltered.
      // bind() then names the protocol (as tcpdump does).
      const filtered = track(new Socket(AF_PACKET, SOCK_RAW, 0));
      filtered.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, filter);
      filtered.bind({ family: 'AF_PACKET', protocol: ETH_P_IP, ifindex: lo });
      filtered.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 2000);
      // The same socket without the program, to show the other port's frames do pass on lo.
      const unfiltered = track(new Socket(AF_PACKET, SOCK_RAW, ETH_P_IP));
      unfiltered.bind({ family: 'AF_PACKET', protocol: ETH_P_IP, ifindex: lo });
      unfiltered.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 2000);
      const marker = (to) => Buffer.from(`sockcall-53-filter-${process.pid}-${to}`);
      // The other port's datagram first: unfiltered, it would be queued ahead of the wanted one.
      other.sendto(marker(otherPort), { address: '127.0.0.1', port: otherPort });
      wanted.sendto(marker(port), { address: '127.0.0.1', port });
      expect(other.recv(100)).to.deep.equal(marker(otherPort));
      expect(wanted.recv(100)).to.deep.equal(marker(port));
      const destination = (data) => data.readUInt16BE(14 + (data[14] & 0x0f) * 4 + 2);
      const frames = [];
      // The wanted datagram's frame (bounded by SO_RCVTIMEO), then whatever else is queued: no other port's.
      while (!frames.some((data) => data.includes(marker(port)))) frames.push(filtered.recvfrom(65536).data);
      for (let i = 0; i < 1000; i++) {
        try {
          frames.push(filtered.recvfrom(65536, MSG_DONTWAIT).data);
        } catch (error) {
          if (error.code === 'EAGAIN') break;
          throw error;
        }
      }
      expect(frames.some((data) => data.includes(marker(otherPort))), "the other port's datagram").to.equal(false);
      for (const data of frames) {
        expect(data[14 + 9], 'UDP').to.equal(IPPROTO_UDP);
        expect(destination(data), 'the destination port').to.equal(port);
      }
      // Bounded in count and time (SO_RCVTIMEO): other programs' traffic on lo comes too.
      let seen = false;
      for (let i = 0; i < 1000 && !seen; i++) seen = unfiltered.recvfrom(65536).data.includes(marker(otherPort));
      expect(seen, "the other port's datagram, unfiltered").to.equal(true);
    });
  });

  describe('bad packet addresses', function () {
    it('are refused before any syscall: a field out of range, a hardware address that is not one', function () {
      const udp = socket(AF_INET, SOCK_DGRAM);
      const bad = [
        [{ family: 'AF_PACKET', ifindex: 1, protocol: 0x10000 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
        [{ family: 'AF_PACKET', ifindex: -1 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
        [{ family: 'AF_PACKET' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
        [{ family: 'AF_PACKET', ifindex: 1, pkttype: 256 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
        [{ family: 'AF_PACKET', ifindex: 1, address: 'zz:00' }, 'TypeError', 'ERR_INVALID_ARG_VALUE'],
        [{ family: 'AF_PACKET', ifindex: 1, address: '00:11:22:33:44:55:66:77:88' }, 'TypeError', 'ERR_INVALID_ARG_VALUE'],
        [{ family: 'AF_PACKET', ifindex: 1, address: 7 }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      ];
      for (const [address, name, code] of bad) throwsLike(() => udp.bind(address), { name, code });
      // Well formed, on a socket of another family: the kernel's answer.
      throwsLike(() => udp.bind({ family: 'AF_PACKET', ifindex: 1 }), { code: 'EAFNOSUPPORT', syscall: 'bind' });
      throwsLike(() => new Socket(AF_PACKET, SOCK_RAW, 0x10000), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    });
  });
});
