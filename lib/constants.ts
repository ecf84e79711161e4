// Constants from the system headers, read at build time by native/constants.cc. Each is exported by
// name (so `import { AF_INET } from 'sockcall'` works from ESM as well as CommonJS) and all of them
// together as `constants`. test/00.setup checks that this list and the binding's agree.
import { native } from './native';

const c = native.constants;

declare const optionKind: unique symbol;
/**
 * A socket option whose value is `struct linger`, given and returned as {@link Linger} (SO_LINGER).
 *
 * A number at run time; the brand only lets `setsockopt`/`getsockopt` type the value from the constant.
 *
 * @category Options
 */
export type LingerOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'linger';
};
/**
 * A socket option whose value is `struct timeval`, given and returned in milliseconds (SO_RCVTIMEO,
 * SO_SNDTIMEO). A number at run time, branded for the types of `setsockopt`/`getsockopt`.
 *
 * @category Options
 */
export type TimevalOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'timeval';
};
/**
 * A socket option whose value is a string (an interface name, a congestion control algorithm):
 * SO_BINDTODEVICE, TCP_CONGESTION. A number at run time, branded for the types of `setsockopt`/`getsockopt`.
 *
 * @category Options
 */
export type StringOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'string';
};
/**
 * A socket option whose value is `struct ucred`, returned as {@link Credentials} (SO_PEERCRED, read
 * only). A number at run time, branded for the types of `getsockopt`.
 *
 * @category Options
 */
export type CredentialsOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'ucred';
};
/**
 * A socket option whose value is a new fd the kernel installs for the caller: SO_PEERPIDFD (read
 * only). `getsockopt` returns it as a {@link Pidfd}, which the caller must close. A number at run
 * time, branded for the types of `getsockopt`.
 *
 * @category Options
 */
export type PidfdOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'pidfd';
};
/**
 * A socket option whose value is `struct tcp_info`, returned as {@link TcpInfo} (TCP_INFO, read only).
 * A number at run time, branded for the types of `getsockopt`.
 *
 * @category Options
 */
export type TcpInfoOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'tcp_info';
};
/**
 * A pidfd: an fd referring to one process (pidfd_open(2)), installed by the kernel in this process
 * by `getsockopt(SOL_SOCKET, SO_PEERPIDFD)` or an SCM_PIDFD message (recvmsg's `pidfd`).
 *
 * A plain fd number, close-on-exec, the caller's to close (`fs.closeSync(pidfd)`): sockcall keeps no
 * record of it. Unlike a pid it cannot come to name another process: it becomes readable (POLLIN)
 * when the process exits, and `/proc/self/fdinfo/<pidfd>` says its pid (`Pid:`, -1 once reaped).
 *
 * @category Ancillary data
 */
export type Pidfd = number;
/**
 * A multicast membership option, given a {@link Membership}: IP_ADD_MEMBERSHIP/IP_DROP_MEMBERSHIP
 * (`struct ip_mreqn`), IPV6_JOIN_GROUP/IPV6_LEAVE_GROUP (`struct ipv6_mreq`). Write only. A number at
 * run time, branded for the types of `setsockopt`.
 *
 * @category Options
 */
export type MembershipOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'mreq';
};

/**
 * A socket option whose value is a classic BPF program (struct sock_fprog), given as
 * {@link BpfInstruction}s or their bytes: SO_ATTACH_FILTER. Read back, it is the number of
 * instructions attached. A number at run time, branded for the types of `setsockopt`.
 *
 * @category Options
 */
export type FilterOption = number & {
  /** The value kind, for the types only: no such property exists at run time. */
  readonly [optionKind]: 'sock_fprog';
};

/**
 * One classic BPF instruction, `struct sock_filter` (linux/filter.h): what `tcpdump -dd` prints as
 * `{ code, jt, jf, k }`. A program is 1 to BPF_MAXINSNS (4096) of them; the kernel runs it on each
 * packet before queueing it and keeps the packet only if it returns non-zero (the bytes to keep).
 *
 * @see {@link https://www.kernel.org/doc/html/latest/networking/filter.html | Linux Socket Filtering}
 * @example
 * ```ts
 * // Accept every packet whole: ret #0xffffffff.
 * sock.setsockopt(SOL_SOCKET, SO_ATTACH_FILTER, [{ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0xffffffff }]);
 * ```
 *
 * @category Options
 */
export interface BpfInstruction {
  /** The opcode (u16): class | size | mode, or class | op | source (BPF_LD | BPF_H | BPF_ABS ...). */
  code: number;
  /** Jumps: instructions to skip when the test is true (u8). */
  jt: number;
  /** Jumps: instructions to skip when the test is false (u8). */
  jf: number;
  /** The operand (u32): an offset, a constant, a return value. */
  k: number;
}

/**
 * A multicast group membership: `struct ip_mreqn` for IPv4, `struct ipv6_mreq` for IPv6.
 *
 * @example
 * ```ts
 * udp.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, { multiaddr: '239.255.0.1', ifindex: 1 });
 * ```
 *
 * @category Options
 */
export interface Membership {
  /** The group: '239.255.0.1', 'ff15::1234'. */
  multiaddr: string;
  /** IPv4 only (`imr_address`): the local interface's address; '0.0.0.0' (the default) for any. */
  address?: string;
  /** The interface's index (`imr_ifindex`, `ipv6mr_interface`); 0 (the default): the kernel picks. */
  ifindex?: number;
}

/**
 * `struct ucred`: a process's id, user id and group id, as the kernel vouches for them.
 *
 * The value of SO_PEERCRED (the peer's, when it connected or called socketpair) and of an
 * SCM_CREDENTIALS message (the sender's, when it sent).
 *
 * @see {@link https://man7.org/linux/man-pages/man7/unix.7.html | unix(7)}
 * @example
 * ```ts
 * const { pid, uid, gid } = conn.getsockopt(SOL_SOCKET, SO_PEERCRED);
 * ```
 *
 * @category Options
 */
export interface Credentials {
  /** The process id (`pid_t`). */
  pid: number;
  /** The user id (`uid_t`). */
  uid: number;
  /** The group id (`gid_t`). */
  gid: number;
}

/**
 * `struct linger`: with `onoff`, close() waits up to `linger` seconds for unsent data (0: reset).
 *
 * The value of SO_LINGER. With `onoff` true and `linger` 0, close() drops unsent data and resets the
 * connection (the peer gets ECONNRESET); with `linger` > 0, close() waits up to that long for the
 * data to be sent, stopping the calling thread meanwhile (on Linux, even for a non-blocking socket).
 *
 * @see {@link https://man7.org/linux/man-pages/man7/socket.7.html | socket(7)}, SO_LINGER
 * @example
 * ```ts
 * sock.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 }); // close() resets
 * const { onoff, linger } = sock.getsockopt(SOL_SOCKET, SO_LINGER);
 * ```
 *
 * @category Options
 */
export interface Linger {
  /** Whether close() lingers (`l_onoff`); a number is accepted when setting (non-zero: true). */
  onoff: boolean;
  /** Seconds to linger (`l_linger`), an integer >= 0. */
  linger: number;
}

/**
 * Every constant by name, as the system headers define it (read when the addon was built).
 *
 * Holds the same names and values as the named exports; handy for reverse lookups.
 *
 * @example
 * ```ts
 * const name = Object.keys(constants).find((key) => key.startsWith('SO_') && constants[key] === option);
 * ```
 * @category All constants
 */
export const constants: Readonly<Record<string, number>> = Object.freeze({ ...c });

// Address families: socket()'s `domain`.
/** No particular family: in getaddrinfo hints, IPv4 and IPv6 both (the default). @category Address families */
export const AF_UNSPEC = c.AF_UNSPEC;
/**
 * IPv4: {@link https://man7.org/linux/man-pages/man7/ip.7.html | ip(7)}. Addresses are `{ address, port }`.
 * @category Address families
 */
export const AF_INET = c.AF_INET;
/**
 * IPv6: {@link https://man7.org/linux/man-pages/man7/ipv6.7.html | ipv6(7)}. Addresses are `{ address, port }`, and
 * optionally `flowinfo`, `scopeId`.
 * @category Address families
 */
export const AF_INET6 = c.AF_INET6;
/**
 * Unix domain sockets: {@link https://man7.org/linux/man-pages/man7/unix.7.html | unix(7)}. Addresses are `{ path }`.
 * @category Address families
 */
export const AF_UNIX = c.AF_UNIX;
/** The POSIX name of AF_UNIX (the same value). @category Address families */
export const AF_LOCAL = c.AF_LOCAL;
/**
 * Packet sockets, frames at the device level: {@link https://man7.org/linux/man-pages/man7/packet.7.html | packet(7)}
 * (needs CAP_NET_RAW). Addresses are `{ family: 'AF_PACKET', protocol, ifindex, ... }`
 * (`struct sockaddr_ll`); the protocol, in socket() as in an address, is an ETH_P_* value in host
 * order, which sockcall converts (htons) for the kernel.
 * @category Address families
 */
export const AF_PACKET = c.AF_PACKET;
/** The protocol-family name of AF_PACKET (the same value). @category Address families */
export const PF_PACKET = c.PF_PACKET;
/** The protocol-family name of AF_UNSPEC (the same value). @category Address families */
export const PF_UNSPEC = c.PF_UNSPEC;
/** The protocol-family name of AF_INET (the same value). @category Address families */
export const PF_INET = c.PF_INET;
/** The protocol-family name of AF_INET6 (the same value). @category Address families */
export const PF_INET6 = c.PF_INET6;
/** The protocol-family name of AF_UNIX (the same value). @category Address families */
export const PF_UNIX = c.PF_UNIX;
/** The protocol-family name of AF_LOCAL (the same value). @category Address families */
export const PF_LOCAL = c.PF_LOCAL;

// Packet sockets: the protocols (Ethernet types) and packet types of AF_PACKET (linux/if_ether.h,
// linux/if_packet.h), and the hardware types of `hatype` (net/if_arp.h).
/** Every protocol: a packet socket's `protocol` that receives every frame. @category Packet sockets */
export const ETH_P_ALL = c.ETH_P_ALL;
/** IPv4 (0x0800). @category Packet sockets */
export const ETH_P_IP = c.ETH_P_IP;
/** IPv6 (0x86dd). @category Packet sockets */
export const ETH_P_IPV6 = c.ETH_P_IPV6;
/** ARP (0x0806). @category Packet sockets */
export const ETH_P_ARP = c.ETH_P_ARP;
/** `pkttype`: addressed to this host. @category Packet sockets */
export const PACKET_HOST = c.PACKET_HOST;
/** `pkttype`: a link-layer broadcast. @category Packet sockets */
export const PACKET_BROADCAST = c.PACKET_BROADCAST;
/** `pkttype`: a link-layer multicast. @category Packet sockets */
export const PACKET_MULTICAST = c.PACKET_MULTICAST;
/** `pkttype`: addressed to another host, seen in promiscuous mode. @category Packet sockets */
export const PACKET_OTHERHOST = c.PACKET_OTHERHOST;
/** `pkttype`: sent by this host (looped back to packet sockets; on `lo` every frame is seen so, then as PACKET_HOST). @category Packet sockets */
export const PACKET_OUTGOING = c.PACKET_OUTGOING;
/** `hatype`: Ethernet. @category Packet sockets */
export const ARPHRD_ETHER = c.ARPHRD_ETHER;
/** `hatype`: the loopback device. @category Packet sockets */
export const ARPHRD_LOOPBACK = c.ARPHRD_LOOPBACK;

// Socket types: socket()'s `type`, and the flags that can be or'ed into it.
/** A reliable, ordered byte stream: TCP, or an AF_UNIX stream. @category Socket types */
export const SOCK_STREAM = c.SOCK_STREAM;
/** Datagrams, each sent and received whole: UDP, or AF_UNIX datagrams. @category Socket types */
export const SOCK_DGRAM = c.SOCK_DGRAM;
/** Reliable, ordered records with their boundaries kept (AF_UNIX, SCTP). @category Socket types */
export const SOCK_SEQPACKET = c.SOCK_SEQPACKET;
/**
 * Raw protocol access (needs CAP_NET_RAW): see {@link https://man7.org/linux/man-pages/man7/raw.7.html | raw(7)}.
 * @category Socket types
 */
export const SOCK_RAW = c.SOCK_RAW;
/** Or'ed into a socket type, or passed to accept(): the new fd is non-blocking. @category Socket types */
export const SOCK_NONBLOCK = c.SOCK_NONBLOCK;
/** Close-on-exec. sockcall adds it to every fd it creates; there is no need to pass it. @category Socket types */
export const SOCK_CLOEXEC = c.SOCK_CLOEXEC;

// Option levels: setsockopt()/getsockopt()'s `level`.
/**
 * The level of the SO_* options: {@link https://man7.org/linux/man-pages/man7/socket.7.html | socket(7)}.
 * @category Option levels
 */
export const SOL_SOCKET = c.SOL_SOCKET;
/** The level of the TCP_* options (the same value as IPPROTO_TCP). @category Option levels */
export const SOL_TCP = c.SOL_TCP;
/** The level of the IP_* options (the same value as IPPROTO_IP). @category Option levels */
export const SOL_IP = c.SOL_IP;
/** The level of the IPV6_* options (the same value as IPPROTO_IPV6). @category Option levels */
export const SOL_IPV6 = c.SOL_IPV6;
/** The level of ICMP_FILTER, on a raw IPv4 socket of IPPROTO_ICMP (raw(7)). @category Option levels */
export const SOL_RAW = c.SOL_RAW;

// Socket options, at level SOL_SOCKET (socket(7)).
/** Read only: 1 if the socket is listening. @category Socket options (SOL_SOCKET) */
export const SO_ACCEPTCONN = c.SO_ACCEPTCONN;
/**
 * Allows datagrams to a broadcast address (without it, sendto fails with EACCES).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_BROADCAST = c.SO_BROADCAST;
/** Turns on socket debugging (needs CAP_NET_ADMIN). @category Socket options (SOL_SOCKET) */
export const SO_DEBUG = c.SO_DEBUG;
/** Read only: the address family (what `Socket.fromFd()` reads back). @category Socket options (SOL_SOCKET) */
export const SO_DOMAIN = c.SO_DOMAIN;
/** Sends only to directly connected hosts, bypassing the routing table. @category Socket options (SOL_SOCKET) */
export const SO_DONTROUTE = c.SO_DONTROUTE;
/**
 * Read only: the pending socket error, cleared by reading it (how a non-blocking connect ends).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_ERROR = c.SO_ERROR;
/**
 * Sends keep-alive probes on an idle connection (see TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_KEEPALIVE = c.SO_KEEPALIVE;
/**
 * A {@link Linger}: whether close() waits for unsent data, and for how many seconds.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_LINGER = c.SO_LINGER as LingerOption;
/**
 * Puts out-of-band data in the normal data stream instead of reading it with MSG_OOB.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_OOBINLINE = c.SO_OOBINLINE;
/** Read only: the protocol (IPPROTO_TCP ...). @category Socket options (SOL_SOCKET) */
export const SO_PROTOCOL = c.SO_PROTOCOL;
/**
 * The receive buffer size in bytes (the kernel doubles the value set, and reports that).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_RCVBUF = c.SO_RCVBUF;
/**
 * The fewest bytes for recv to return and for select/poll to report the socket readable.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_RCVLOWAT = c.SO_RCVLOWAT;
/**
 * Receive timeout in milliseconds (0: none): a blocking recv or accept then fails with EAGAIN.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_RCVTIMEO = c.SO_RCVTIMEO as TimevalOption;
/** Lets bind() take a local address still in TIME_WAIT (a restarted server). @category Socket options (SOL_SOCKET) */
export const SO_REUSEADDR = c.SO_REUSEADDR;
/**
 * Lets several sockets bind the same address and port; the kernel spreads the load over them.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_REUSEPORT = c.SO_REUSEPORT;
/**
 * The send buffer size in bytes (the kernel doubles the value set, and reports that).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_SNDBUF = c.SO_SNDBUF;
/** Fixed at 1 on Linux: setting it fails with ENOPROTOOPT. @category Socket options (SOL_SOCKET) */
export const SO_SNDLOWAT = c.SO_SNDLOWAT;
/**
 * Send timeout in milliseconds (0: none): a blocking send fails with EAGAIN, connect with EINPROGRESS.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_SNDTIMEO = c.SO_SNDTIMEO as TimevalOption;
/** Read only: the socket type (SOCK_STREAM ...). @category Socket options (SOL_SOCKET) */
export const SO_TYPE = c.SO_TYPE;
/** The priority of the packets sent (0 to 6 without CAP_NET_ADMIN). @category Socket options (SOL_SOCKET) */
export const SO_PRIORITY = c.SO_PRIORITY;
/** A string: only the named network interface ('lo', 'eth0'), '' for any. @category Socket options (SOL_SOCKET) */
export const SO_BINDTODEVICE = c.SO_BINDTODEVICE as StringOption;
/**
 * Read only, AF_UNIX: the peer's `struct ucred` as {@link Credentials}, `getsockopt(SOL_SOCKET, SO_PEERCRED)`.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_PEERCRED = c.SO_PEERCRED as CredentialsOption;
/**
 * AF_UNIX: enables SCM_CREDENTIALS messages; each message received then carries its sender's
 * credentials (recvmsg's `credentials`).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_PASSCRED = c.SO_PASSCRED;
/**
 * Read only, AF_UNIX (Linux 6.5+): a pidfd for the peer process (the one that connected, or called
 * socketpair), `getsockopt(SOL_SOCKET, SO_PEERPIDFD)`. Returns a new fd, the caller's to close: see
 * {@link Pidfd}. Unlike SO_PEERCRED's pid, it keeps naming that process even after it exits.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_PEERPIDFD = c.SO_PEERPIDFD as PidfdOption;
/**
 * Attaches a classic BPF program, given as {@link BpfInstruction}s (or their bytes,
 * 8 per instruction), that the kernel runs on each packet before queueing it: a packet socket
 * then queues only what the program accepts, as tcpdump's filters do. Replaces any program attached.
 * Read (as SO_GET_FILTER, the same number): how many instructions are attached, 0 for none.
 * @category Socket options (SOL_SOCKET)
 */
export const SO_ATTACH_FILTER = c.SO_ATTACH_FILTER as FilterOption;
/** Removes the attached program (the int value is ignored; ENOENT if none). @category Socket options (SOL_SOCKET) */
export const SO_DETACH_FILTER = c.SO_DETACH_FILTER;
/** Once set, the attached program can no longer be replaced or removed (EPERM). @category Socket options (SOL_SOCKET) */
export const SO_LOCK_FILTER = c.SO_LOCK_FILTER;
/**
 * AF_UNIX (Linux 6.5+): enables SCM_PIDFD messages; each message received then carries a pidfd for
 * its sender (recvmsg's `pidfd`, the caller's to close).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_PASSPIDFD = c.SO_PASSPIDFD;
/**
 * Ancillary data (level SOL_SOCKET), AF_UNIX: open file descriptors passed along with the data
 * (sendFds / recvFds).
 * @category Ancillary data
 */
export const SCM_RIGHTS = c.SCM_RIGHTS;
/**
 * Ancillary data (level SOL_SOCKET), AF_UNIX: the sender's `struct ucred` (sendCredentials; received
 * with SO_PASSCRED on).
 * @category Ancillary data
 */
export const SCM_CREDENTIALS = c.SCM_CREDENTIALS;
/**
 * Ancillary data (level SOL_SOCKET), AF_UNIX (Linux 6.5+): a pidfd for the sender, installed by the
 * kernel on receipt with SO_PASSPIDFD on. recvmsg decodes it into `pidfd` (see {@link Pidfd}).
 * @category Ancillary data
 */
export const SCM_PIDFD = c.SCM_PIDFD;
/**
 * The firewall mark of the packets sent, for routing and filtering (needs CAP_NET_ADMIN).
 * @category Socket options (SOL_SOCKET)
 */
export const SO_MARK = c.SO_MARK;
/** Microseconds to busy-poll the device for data on a blocking receive. @category Socket options (SOL_SOCKET) */
export const SO_BUSY_POLL = c.SO_BUSY_POLL;
/** The CPU that handles the socket's incoming packets. @category Socket options (SOL_SOCKET) */
export const SO_INCOMING_CPU = c.SO_INCOMING_CPU;
/** As SO_RCVBUF, above the rmem_max limit (needs CAP_NET_ADMIN). @category Socket options (SOL_SOCKET) */
export const SO_RCVBUFFORCE = c.SO_RCVBUFFORCE;
/** As SO_SNDBUF, above the wmem_max limit (needs CAP_NET_ADMIN). @category Socket options (SOL_SOCKET) */
export const SO_SNDBUFFORCE = c.SO_SNDBUFFORCE;
/** Lets send() take MSG_ZEROCOPY on this socket. @category Socket options (SOL_SOCKET) */
export const SO_ZEROCOPY = c.SO_ZEROCOPY;

// Protocols: socket()'s `protocol`; each is also the level of its own options.
/** Protocol 0 (the default for the type), and the level of the IP_* options. @category Protocols */
export const IPPROTO_IP = c.IPPROTO_IP;
/** The level of the IPV6_* options. @category Protocols */
export const IPPROTO_IPV6 = c.IPPROTO_IPV6;
/**
 * TCP: {@link https://man7.org/linux/man-pages/man7/tcp.7.html | tcp(7)}; also the level of the TCP_* options.
 * @category Protocols
 */
export const IPPROTO_TCP = c.IPPROTO_TCP;
/** UDP: {@link https://man7.org/linux/man-pages/man7/udp.7.html | udp(7)}. @category Protocols */
export const IPPROTO_UDP = c.IPPROTO_UDP;
/** ICMP: with SOCK_RAW, or SOCK_DGRAM for unprivileged ping (net.ipv4.ping_group_range). @category Protocols */
export const IPPROTO_ICMP = c.IPPROTO_ICMP;
/** ICMPv6, as IPPROTO_ICMP. @category Protocols */
export const IPPROTO_ICMPV6 = c.IPPROTO_ICMPV6;
/** Raw IP: the sender writes the IP header (implies IP_HDRINCL). @category Protocols */
export const IPPROTO_RAW = c.IPPROTO_RAW;
/** SCTP, with SOCK_STREAM or SOCK_SEQPACKET (if the kernel has it). @category Protocols */
export const IPPROTO_SCTP = c.IPPROTO_SCTP;

// IPv4 options, at level IPPROTO_IP (ip(7)).
/** The Type of Service (DSCP and ECN) byte of the packets sent. @category IPv4 options (IPPROTO_IP) */
export const IP_TOS = c.IP_TOS;
/** The time-to-live of the packets sent. @category IPv4 options (IPPROTO_IP) */
export const IP_TTL = c.IP_TTL;
/** Raw sockets: the sender writes the IP header. @category IPv4 options (IPPROTO_IP) */
export const IP_HDRINCL = c.IP_HDRINCL;
/** IP options sent with every packet, as raw bytes. @category IPv4 options (IPPROTO_IP) */
export const IP_OPTIONS = c.IP_OPTIONS;
/**
 * Delivers the TTL of received packets as a control message (read with recvmsg).
 * @category IPv4 options (IPPROTO_IP)
 */
export const IP_RECVTTL = c.IP_RECVTTL;
/**
 * Delivers the TOS byte of received packets as a control message (read with recvmsg).
 * @category IPv4 options (IPPROTO_IP)
 */
export const IP_RECVTOS = c.IP_RECVTOS;
/**
 * Delivers the destination and interface of received packets (read with recvmsg).
 * @category IPv4 options (IPPROTO_IP)
 */
export const IP_PKTINFO = c.IP_PKTINFO;
/** Path MTU discovery: IP_PMTUDISC_DONT, _WANT, _DO or _PROBE (0 to 3). @category IPv4 options (IPPROTO_IP) */
export const IP_MTU_DISCOVER = c.IP_MTU_DISCOVER;
/** Read only, on a connected socket: the path MTU the kernel knows. @category IPv4 options (IPPROTO_IP) */
export const IP_MTU = c.IP_MTU;
/** Allows bind() to an address that is not (yet) configured on this host. @category IPv4 options (IPPROTO_IP) */
export const IP_FREEBIND = c.IP_FREEBIND;
/**
 * Transparent proxying: bind to and receive for foreign addresses (needs CAP_NET_ADMIN).
 * @category IPv4 options (IPPROTO_IP)
 */
export const IP_TRANSPARENT = c.IP_TRANSPARENT;
/**
 * bind() with port 0 leaves choosing the port to connect(), saving ephemeral ports.
 * @category IPv4 options (IPPROTO_IP)
 */
export const IP_BIND_ADDRESS_NO_PORT = c.IP_BIND_ADDRESS_NO_PORT;
/**
 * The interface for multicast sent: a `struct in_addr` or `ip_mreqn`, as raw bytes.
 * @category IPv4 options (IPPROTO_IP)
 */
export const IP_MULTICAST_IF = c.IP_MULTICAST_IF;
/** The TTL of multicast sent (default 1: the local network). @category IPv4 options (IPPROTO_IP) */
export const IP_MULTICAST_TTL = c.IP_MULTICAST_TTL;
/** Whether multicast sent is looped back to local sockets (default 1). @category IPv4 options (IPPROTO_IP) */
export const IP_MULTICAST_LOOP = c.IP_MULTICAST_LOOP;
/** Joins a multicast group: a {@link Membership} (`struct ip_mreqn`). @category IPv4 options (IPPROTO_IP) */
export const IP_ADD_MEMBERSHIP = c.IP_ADD_MEMBERSHIP as MembershipOption;
/** Leaves a multicast group: a {@link Membership}, as IP_ADD_MEMBERSHIP. @category IPv4 options (IPPROTO_IP) */
export const IP_DROP_MEMBERSHIP = c.IP_DROP_MEMBERSHIP as MembershipOption;
/**
 * Queues extended errors (read with MSG_ERRQUEUE); datagram sockets then report ICMP errors.
 * @category IPv4 options (IPPROTO_IP)
 */
export const IP_RECVERR = c.IP_RECVERR;

// IPv6 options, at level IPPROTO_IPV6 (ipv6(7)).
/**
 * IPv6 only: without it, an AF_INET6 socket bound to '::' takes IPv4 too, as v4-mapped addresses.
 * @category IPv6 options (IPPROTO_IPV6)
 */
export const IPV6_V6ONLY = c.IPV6_V6ONLY;
/** The hop limit of unicast packets sent (-1: the route default). @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_UNICAST_HOPS = c.IPV6_UNICAST_HOPS;
/** The interface index for multicast sent. @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_MULTICAST_IF = c.IPV6_MULTICAST_IF;
/** The hop limit of multicast sent (default 1). @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_MULTICAST_HOPS = c.IPV6_MULTICAST_HOPS;
/** Whether multicast sent is looped back to local sockets (default 1). @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_MULTICAST_LOOP = c.IPV6_MULTICAST_LOOP;
/** Joins a multicast group: a {@link Membership} (`struct ipv6_mreq`). @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_JOIN_GROUP = c.IPV6_JOIN_GROUP as MembershipOption;
/** Leaves a multicast group: a {@link Membership} (`struct ipv6_mreq`). @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_LEAVE_GROUP = c.IPV6_LEAVE_GROUP as MembershipOption;
/**
 * Delivers the destination and interface of received packets (read with recvmsg).
 * @category IPv6 options (IPPROTO_IPV6)
 */
export const IPV6_RECVPKTINFO = c.IPV6_RECVPKTINFO;
/** The traffic class (DSCP and ECN) of the packets sent. @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_TCLASS = c.IPV6_TCLASS;
/** The MTU to use; read on a connected socket: the path MTU the kernel knows. @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_MTU = c.IPV6_MTU;
/** Queues extended errors (read with MSG_ERRQUEUE), as IP_RECVERR. @category IPv6 options (IPPROTO_IPV6) */
export const IPV6_RECVERR = c.IPV6_RECVERR;

// ICMP filters of raw sockets: which message types the socket is not given (raw(7), icmp6(7)).

/**
 * At level SOL_RAW on a raw IPPROTO_ICMP socket: a 32-bit mask (struct icmp_filter), bit n set to
 * drop ICMP type n before it is queued; ping(8) passes only ICMP_ECHOREPLY (type 0). @category ICMP filters (raw sockets)
 */
export const ICMP_FILTER = c.ICMP_FILTER;
/**
 * At level IPPROTO_ICMPV6 on a raw ICMPv6 socket: struct icmp6_filter, 256 bits, bit n set to drop
 * ICMPv6 type n (the kernel's meaning; RFC 3542's macros). @category ICMP filters (raw sockets)
 */
export const ICMP6_FILTER = c.ICMP6_FILTER;

// Classic BPF opcodes (linux/filter.h), for SO_ATTACH_FILTER's BpfInstruction `code`: a class, then
// a size and mode (loads) or an operation and source (ALU, jumps), or'd together.
/** class: load into the accumulator A. @category Classic BPF */
export const BPF_LD = c.BPF_LD;
/** class: load into the index register X. @category Classic BPF */
export const BPF_LDX = c.BPF_LDX;
/** class: store A into scratch memory M[k]. @category Classic BPF */
export const BPF_ST = c.BPF_ST;
/** class: store X into scratch memory M[k]. @category Classic BPF */
export const BPF_STX = c.BPF_STX;
/** class: arithmetic on A. @category Classic BPF */
export const BPF_ALU = c.BPF_ALU;
/** class: jump. @category Classic BPF */
export const BPF_JMP = c.BPF_JMP;
/** class: return (the bytes to keep; 0 drops the packet). @category Classic BPF */
export const BPF_RET = c.BPF_RET;
/** class: register transfers (BPF_TAX, BPF_TXA). @category Classic BPF */
export const BPF_MISC = c.BPF_MISC;
/** size: a 32-bit word (network byte order in the packet). @category Classic BPF */
export const BPF_W = c.BPF_W;
/** size: a 16-bit half word. @category Classic BPF */
export const BPF_H = c.BPF_H;
/** size: a byte. @category Classic BPF */
export const BPF_B = c.BPF_B;
/** mode: the constant k. @category Classic BPF */
export const BPF_IMM = c.BPF_IMM;
/** mode: the packet at offset k. @category Classic BPF */
export const BPF_ABS = c.BPF_ABS;
/** mode: the packet at offset X + k. @category Classic BPF */
export const BPF_IND = c.BPF_IND;
/** mode: scratch memory M[k]. @category Classic BPF */
export const BPF_MEM = c.BPF_MEM;
/** mode: the packet length. @category Classic BPF */
export const BPF_LEN = c.BPF_LEN;
/** mode (BPF_LDX | BPF_B only): X = 4 * (packet[k] & 0xf), an IPv4 header length. @category Classic BPF */
export const BPF_MSH = c.BPF_MSH;
/** ALU op: A += operand. @category Classic BPF */
export const BPF_ADD = c.BPF_ADD;
/** ALU op: A -= operand. @category Classic BPF */
export const BPF_SUB = c.BPF_SUB;
/** ALU op: A *= operand. @category Classic BPF */
export const BPF_MUL = c.BPF_MUL;
/** ALU op: A /= operand. @category Classic BPF */
export const BPF_DIV = c.BPF_DIV;
/** ALU op: A %= operand. @category Classic BPF */
export const BPF_MOD = c.BPF_MOD;
/** ALU op: A |= operand. @category Classic BPF */
export const BPF_OR = c.BPF_OR;
/** ALU op: A &= operand. @category Classic BPF */
export const BPF_AND = c.BPF_AND;
/** ALU op: A ^= operand. @category Classic BPF */
export const BPF_XOR = c.BPF_XOR;
/** ALU op: A <<= operand. @category Classic BPF */
export const BPF_LSH = c.BPF_LSH;
/** ALU op: A >>= operand. @category Classic BPF */
export const BPF_RSH = c.BPF_RSH;
/** ALU op: A = -A. @category Classic BPF */
export const BPF_NEG = c.BPF_NEG;
/** jump: always, k instructions ahead. @category Classic BPF */
export const BPF_JA = c.BPF_JA;
/** jump: A == operand. @category Classic BPF */
export const BPF_JEQ = c.BPF_JEQ;
/** jump: A > operand. @category Classic BPF */
export const BPF_JGT = c.BPF_JGT;
/** jump: A >= operand. @category Classic BPF */
export const BPF_JGE = c.BPF_JGE;
/** jump: A & operand is non-zero. @category Classic BPF */
export const BPF_JSET = c.BPF_JSET;
/** source: the constant k. @category Classic BPF */
export const BPF_K = c.BPF_K;
/** source: the index register X. @category Classic BPF */
export const BPF_X = c.BPF_X;
/** return source: the accumulator A. @category Classic BPF */
export const BPF_A = c.BPF_A;
/** misc op: X = A. @category Classic BPF */
export const BPF_TAX = c.BPF_TAX;
/** misc op: A = X. @category Classic BPF */
export const BPF_TXA = c.BPF_TXA;
/** The most instructions a program may have (4096). @category Classic BPF */
export const BPF_MAXINSNS = c.BPF_MAXINSNS;

// TCP options, at level IPPROTO_TCP (tcp(7)).
/**
 * Sends small segments at once instead of gathering them (turns off Nagle's algorithm).
 * @category TCP options (IPPROTO_TCP)
 */
export const TCP_NODELAY = c.TCP_NODELAY;
/** The maximum segment size of outgoing segments. @category TCP options (IPPROTO_TCP) */
export const TCP_MAXSEG = c.TCP_MAXSEG;
/** Holds partial segments back until uncorked (or for 200 ms at most). @category TCP options (IPPROTO_TCP) */
export const TCP_CORK = c.TCP_CORK;
/** Seconds of idleness before the first keep-alive probe (with SO_KEEPALIVE). @category TCP options (IPPROTO_TCP) */
export const TCP_KEEPIDLE = c.TCP_KEEPIDLE;
/** Seconds between keep-alive probes. @category TCP options (IPPROTO_TCP) */
export const TCP_KEEPINTVL = c.TCP_KEEPINTVL;
/** Unanswered keep-alive probes before the connection is dropped (ETIMEDOUT). @category TCP options (IPPROTO_TCP) */
export const TCP_KEEPCNT = c.TCP_KEEPCNT;
/** SYN retransmissions before connect() gives up. @category TCP options (IPPROTO_TCP) */
export const TCP_SYNCNT = c.TCP_SYNCNT;
/** Seconds an orphaned socket stays in FIN_WAIT2. @category TCP options (IPPROTO_TCP) */
export const TCP_LINGER2 = c.TCP_LINGER2;
/**
 * On a listener: wakes accept() only once data has arrived (waiting up to this many seconds).
 * @category TCP options (IPPROTO_TCP)
 */
export const TCP_DEFER_ACCEPT = c.TCP_DEFER_ACCEPT;
/** Bounds the advertised receive window. @category TCP options (IPPROTO_TCP) */
export const TCP_WINDOW_CLAMP = c.TCP_WINDOW_CLAMP;
/**
 * Read only: `struct tcp_info`, decoded as a {@link TcpInfo} by `getsockopt(IPPROTO_TCP, TCP_INFO)`;
 * with a length, `getsockopt(IPPROTO_TCP, TCP_INFO, 256)`, the raw bytes.
 * @category TCP options (IPPROTO_TCP)
 */
export const TCP_INFO = c.TCP_INFO as TcpInfoOption;
/**
 * Acknowledges at once rather than delaying ACKs (not permanent: the kernel may leave this mode).
 * @category TCP options (IPPROTO_TCP)
 */
export const TCP_QUICKACK = c.TCP_QUICKACK;
/** A string: the congestion control algorithm ('cubic', 'bbr' ...). @category TCP options (IPPROTO_TCP) */
export const TCP_CONGESTION = c.TCP_CONGESTION as StringOption;
/** On a listener: the TCP Fast Open queue length (0: off). @category TCP options (IPPROTO_TCP) */
export const TCP_FASTOPEN = c.TCP_FASTOPEN;
/**
 * Milliseconds sent data may stay unacknowledged before the connection is dropped (ETIMEDOUT).
 * @category TCP options (IPPROTO_TCP)
 */
export const TCP_USER_TIMEOUT = c.TCP_USER_TIMEOUT;
/** Unsent bytes below which the socket reports writable. @category TCP options (IPPROTO_TCP) */
export const TCP_NOTSENT_LOWAT = c.TCP_NOTSENT_LOWAT;

// TCP states: TcpInfo's `state` names one of these (netinet/tcp.h).
/** Connected: data flows both ways. @category TCP states */
export const TCP_ESTABLISHED = c.TCP_ESTABLISHED;
/** connect() sent a SYN and waits for the SYN-ACK. @category TCP states */
export const TCP_SYN_SENT = c.TCP_SYN_SENT;
/** A SYN came in and a SYN-ACK went out; waiting for the final ACK. @category TCP states */
export const TCP_SYN_RECV = c.TCP_SYN_RECV;
/** This end closed (sent a FIN) and waits for its ACK. @category TCP states */
export const TCP_FIN_WAIT1 = c.TCP_FIN_WAIT1;
/** This end's FIN is acknowledged; waiting for the peer's FIN. @category TCP states */
export const TCP_FIN_WAIT2 = c.TCP_FIN_WAIT2;
/** Both FINs done; waiting 2 MSL for stray segments. @category TCP states */
export const TCP_TIME_WAIT = c.TCP_TIME_WAIT;
/** No connection (a new or closed socket). @category TCP states */
export const TCP_CLOSE = c.TCP_CLOSE;
/** The peer closed (its FIN came in); this end has not yet. @category TCP states */
export const TCP_CLOSE_WAIT = c.TCP_CLOSE_WAIT;
/** Both ends closed; waiting for the ACK of this FIN. @category TCP states */
export const TCP_LAST_ACK = c.TCP_LAST_ACK;
/** A listener. @category TCP states */
export const TCP_LISTEN = c.TCP_LISTEN;
/** Both ends sent a FIN at once; waiting for the ACK of this one. @category TCP states */
export const TCP_CLOSING = c.TCP_CLOSING;

// Message flags: the `flags` of send/recv and friends, or'ed together.
/** Sends or receives one out-of-band (urgent) byte; select() reports it in `except`. @category Message flags */
export const MSG_OOB = c.MSG_OOB;
/** recv: returns the data without taking it from the queue. @category Message flags */
export const MSG_PEEK = c.MSG_PEEK;
/** send: only to directly connected hosts, bypassing the routing table. @category Message flags */
export const MSG_DONTROUTE = c.MSG_DONTROUTE;
/** A recvmsg(2) result flag (control data cut short); no use in sockcall's calls. @category Message flags */
export const MSG_CTRUNC = c.MSG_CTRUNC;
/** recv: a datagram's real length (recvInto); on TCP, discards the bytes unread. @category Message flags */
export const MSG_TRUNC = c.MSG_TRUNC;
/** This call only: fails with EAGAIN instead of blocking. @category Message flags */
export const MSG_DONTWAIT = c.MSG_DONTWAIT;
/** send: ends a record (SOCK_SEQPACKET). @category Message flags */
export const MSG_EOR = c.MSG_EOR;
/** recv: waits for the whole length (less only at EOF, on an error, a timeout or a signal). @category Message flags */
export const MSG_WAITALL = c.MSG_WAITALL;
/** send: EPIPE instead of SIGPIPE on a broken connection. sockcall adds it to every send. @category Message flags */
export const MSG_NOSIGNAL = c.MSG_NOSIGNAL;
/**
 * send: more data follows (TCP holds it back as TCP_CORK does; UDP joins it into one datagram).
 * @category Message flags
 */
export const MSG_MORE = c.MSG_MORE;
/** send: tells the link layer the neighbour answered (datagram sockets). @category Message flags */
export const MSG_CONFIRM = c.MSG_CONFIRM;
/** recv: reads from the error queue (IP_RECVERR); the error details need recvmsg(2). @category Message flags */
export const MSG_ERRQUEUE = c.MSG_ERRQUEUE;
/** recvmsg(2): close-on-exec for fds received with SCM_RIGHTS; no use in sockcall's calls. @category Message flags */
export const MSG_CMSG_CLOEXEC = c.MSG_CMSG_CLOEXEC;
/**
 * sendto: TCP Fast Open, the data goes in the SYN (connects an unconnected TCP socket to `address`).
 * @category Message flags
 */
export const MSG_FASTOPEN = c.MSG_FASTOPEN;
/** send: zero-copy transmission (needs SO_ZEROCOPY on; completions come on the error queue). @category Message flags */
export const MSG_ZEROCOPY = c.MSG_ZEROCOPY;
/**
 * recvmmsg: blocks for the first message only, then takes what else is there without waiting.
 * @category Message flags
 */
export const MSG_WAITFORONE = c.MSG_WAITFORONE;

// shutdown()'s `how`.
/** shutdown(): no more receiving. @category Shutdown */
export const SHUT_RD = c.SHUT_RD;
/** shutdown(): no more sending; the peer reads EOF (a half-close). @category Shutdown */
export const SHUT_WR = c.SHUT_WR;
/** shutdown(): no more receiving or sending. @category Shutdown */
export const SHUT_RDWR = c.SHUT_RDWR;

// poll()'s `events` and `revents` bits.
/** Readable: data, a connection to accept, or EOF. @category Poll events */
export const POLLIN = c.POLLIN;
/** Exceptional condition: out-of-band data. @category Poll events */
export const POLLPRI = c.POLLPRI;
/** Writable: a send would not block. @category Poll events */
export const POLLOUT = c.POLLOUT;
/** In revents only, always reported: an error is pending on the socket. @category Poll events */
export const POLLERR = c.POLLERR;
/** In revents only, always reported: hang-up (both directions shut down, or never connected). @category Poll events */
export const POLLHUP = c.POLLHUP;
/** In revents only, always reported: the fd is not open. @category Poll events */
export const POLLNVAL = c.POLLNVAL;
/** Normal data to read (as POLLIN for sockets). @category Poll events */
export const POLLRDNORM = c.POLLRDNORM;
/** Priority band data to read. @category Poll events */
export const POLLRDBAND = c.POLLRDBAND;
/** Writable (as POLLOUT). @category Poll events */
export const POLLWRNORM = c.POLLWRNORM;
/** Priority data may be written. @category Poll events */
export const POLLWRBAND = c.POLLWRBAND;
/** A stream socket's peer shut down writing, or closed (Linux only). @category Poll events */
export const POLLRDHUP = c.POLLRDHUP;

// epoll: epoll_create1()'s flag, epoll_ctl()'s operations, and the events of Epoll.ctl() and Epoll.wait().
/** epoll_create1(): close-on-exec (Epoll always sets it). @category epoll */
export const EPOLL_CLOEXEC = c.EPOLL_CLOEXEC;
/** Epoll.ctl(): start watching an fd. @category epoll */
export const EPOLL_CTL_ADD = c.EPOLL_CTL_ADD;
/** Epoll.ctl(): change the events watched on an fd (and re-arm an EPOLLONESHOT one). @category epoll */
export const EPOLL_CTL_MOD = c.EPOLL_CTL_MOD;
/** Epoll.ctl(): stop watching an fd. @category epoll */
export const EPOLL_CTL_DEL = c.EPOLL_CTL_DEL;
/** Readable: data, a connection to accept, or EOF. @category epoll */
export const EPOLLIN = c.EPOLLIN;
/** Exceptional condition: out-of-band data. @category epoll */
export const EPOLLPRI = c.EPOLLPRI;
/** Writable: a send would not block. @category epoll */
export const EPOLLOUT = c.EPOLLOUT;
/** Reported, never asked for: an error is pending on the fd. @category epoll */
export const EPOLLERR = c.EPOLLERR;
/** Reported, never asked for: hang-up (both directions shut down, or never connected). @category epoll */
export const EPOLLHUP = c.EPOLLHUP;
/** A stream socket's peer shut down writing, or closed. @category epoll */
export const EPOLLRDHUP = c.EPOLLRDHUP;
/** Edge-triggered: reported once per change of readiness, not for as long as it lasts (bit 31: the events are a uint32). @category epoll */
export const EPOLLET = c.EPOLLET;
/** Reported once, then disabled until EPOLL_CTL_MOD re-arms it. @category epoll */
export const EPOLLONESHOT = c.EPOLLONESHOT;
/** EPOLL_CTL_ADD only: of several epoll instances waiting on one fd, wake only one (or a few), not all. @category epoll */
export const EPOLLEXCLUSIVE = c.EPOLLEXCLUSIVE;
/** Keeps the system from suspending while the event is pending (needs CAP_BLOCK_SUSPEND, else ignored). @category epoll */
export const EPOLLWAKEUP = c.EPOLLWAKEUP;

// ioctl()'s requests on a socket: each reads one int.
/** ioctl(): the bytes waiting to be read (a datagram socket: the size of the next datagram). @category ioctl requests */
export const FIONREAD = c.FIONREAD;
/** ioctl(): the same request as FIONREAD, under its socket name. @category ioctl requests */
export const SIOCINQ = c.SIOCINQ;
/** ioctl(): the bytes in the send queue, sent but not acknowledged yet plus not sent yet (TCP; Unix: the memory the queue holds). @category ioctl requests */
export const SIOCOUTQ = c.SIOCOUTQ;
/** ioctl(): the bytes in the send queue not sent yet (TCP only). @category ioctl requests */
export const SIOCOUTQNSD = c.SIOCOUTQNSD;
/** ioctl(): 1 when the next byte to read is the urgent mark (MSG_OOB), else 0; as sockatmark(). @category ioctl requests */
export const SIOCATMARK = c.SIOCATMARK;

// getaddrinfo()'s `hints.flags`, or'ed together.
/** With a null host: the wildcard address, for bind(). @category getaddrinfo flags */
export const AI_PASSIVE = c.AI_PASSIVE;
/** Puts the host's canonical name in the first result's `canonname`. @category getaddrinfo flags */
export const AI_CANONNAME = c.AI_CANONNAME;
/** The host must be a numeric address: no lookup (else EAI_NONAME). @category getaddrinfo flags */
export const AI_NUMERICHOST = c.AI_NUMERICHOST;
/** The port must be numeric: no service lookup. @category getaddrinfo flags */
export const AI_NUMERICSERV = c.AI_NUMERICSERV;
/** With family AF_INET6: IPv4-mapped addresses when there is no IPv6 address. @category getaddrinfo flags */
export const AI_V4MAPPED = c.AI_V4MAPPED;
/** With AI_V4MAPPED: IPv6 addresses and IPv4-mapped ones both. @category getaddrinfo flags */
export const AI_ALL = c.AI_ALL;
/** Only the families this host has a (non-loopback) address of. @category getaddrinfo flags */
export const AI_ADDRCONFIG = c.AI_ADDRCONFIG;

// getaddrinfo()'s failures: a SocketError's `eai` (its `code` is the name).
/** Temporary failure in name resolution: try again later. @category getaddrinfo errors */
export const EAI_AGAIN = c.EAI_AGAIN;
/** `hints.flags` is invalid. @category getaddrinfo errors */
export const EAI_BADFLAGS = c.EAI_BADFLAGS;
/** Non-recoverable failure in name resolution. @category getaddrinfo errors */
export const EAI_FAIL = c.EAI_FAIL;
/** `hints.family` is not supported. @category getaddrinfo errors */
export const EAI_FAMILY = c.EAI_FAMILY;
/** Out of memory. @category getaddrinfo errors */
export const EAI_MEMORY = c.EAI_MEMORY;
/** The host or service is not known. @category getaddrinfo errors */
export const EAI_NONAME = c.EAI_NONAME;
/** The service is not available for the socket type. @category getaddrinfo errors */
export const EAI_SERVICE = c.EAI_SERVICE;
/** `hints.type` is not supported. @category getaddrinfo errors */
export const EAI_SOCKTYPE = c.EAI_SOCKTYPE;
/** A system error: sockcall reports the errno instead (`code` 'EMFILE' ...). @category getaddrinfo errors */
export const EAI_SYSTEM = c.EAI_SYSTEM;
/** An argument buffer overflowed. @category getaddrinfo errors */
export const EAI_OVERFLOW = c.EAI_OVERFLOW;
/** The host has no address in the family asked for. @category getaddrinfo errors */
export const EAI_ADDRFAMILY = c.EAI_ADDRFAMILY;
/** The host exists but has no address. @category getaddrinfo errors */
export const EAI_NODATA = c.EAI_NODATA;

// Addresses and limits.
/**
 * 0.0.0.0 as a number, as the C header has it (sockcall's addresses are strings: '0.0.0.0').
 * @category Addresses and limits
 */
export const INADDR_ANY = c.INADDR_ANY;
/** 127.0.0.1 as a number in host byte order (as a string: '127.0.0.1'). @category Addresses and limits */
export const INADDR_LOOPBACK = c.INADDR_LOOPBACK;
/** 255.255.255.255 as a number. @category Addresses and limits */
export const INADDR_BROADCAST = c.INADDR_BROADCAST;
/** inet_addr(3)'s error value (the same number as INADDR_BROADCAST). @category Addresses and limits */
export const INADDR_NONE = c.INADDR_NONE;
/** listen()'s default backlog (the kernel caps any backlog at net.core.somaxconn). @category Addresses and limits */
export const SOMAXCONN = c.SOMAXCONN;
/** The fds select() can watch are 0 to FD_SETSIZE - 1; use poll() for higher ones. @category Addresses and limits */
export const FD_SETSIZE = c.FD_SETSIZE;
/** The longest IPv4 address text, with its NUL (16). @category Addresses and limits */
export const INET_ADDRSTRLEN = c.INET_ADDRSTRLEN;
/** The longest IPv6 address text, with its NUL (46). @category Addresses and limits */
export const INET6_ADDRSTRLEN = c.INET6_ADDRSTRLEN;
