// Which value each socket option takes, in one table: setsockopt and getsockopt (socket-base.ts)
// encode and decode by it, and the trace (trace.ts) prints by it. An option not listed takes an int.
import {
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  SO_ATTACH_FILTER,
  SO_BINDTODEVICE,
  SO_LINGER,
  SO_PEERCRED,
  SO_PEERPIDFD,
  SO_RCVTIMEO,
  SO_SNDTIMEO,
  SOL_SOCKET,
  TCP_CONGESTION,
  TCP_INFO,
} from './constants';

/**
 * An option's value: `int`; `linger` (struct linger); `timeval` (struct timeval, in ms to JS);
 * `string` (a NUL-terminated name); `ucred` (struct ucred); `pidfd` (an int that is a new fd);
 * `mreq4`/`mreq6` (struct ip_mreqn / struct ipv6_mreq); `tcp_info` (struct tcp_info, read only);
 * `sock_fprog` (a classic BPF program; read back as its instruction count).
 */
export type OptionKind = 'int' | 'linger' | 'timeval' | 'string' | 'ucred' | 'pidfd' | 'mreq4' | 'mreq6' | 'tcp_info' | 'sock_fprog';

/** [level, name, kind] of every option whose value is not a plain int. */
export const OPTION_KINDS: readonly (readonly [level: number, name: number, kind: OptionKind])[] = [
  [SOL_SOCKET, SO_LINGER, 'linger'],
  [SOL_SOCKET, SO_RCVTIMEO, 'timeval'],
  [SOL_SOCKET, SO_SNDTIMEO, 'timeval'],
  [SOL_SOCKET, SO_BINDTODEVICE, 'string'],
  [SOL_SOCKET, SO_PEERCRED, 'ucred'],
  [SOL_SOCKET, SO_PEERPIDFD, 'pidfd'],
  [SOL_SOCKET, SO_ATTACH_FILTER, 'sock_fprog'],
  [IPPROTO_TCP, TCP_CONGESTION, 'string'],
  [IPPROTO_TCP, TCP_INFO, 'tcp_info'],
  [IPPROTO_IP, IP_ADD_MEMBERSHIP, 'mreq4'],
  [IPPROTO_IP, IP_DROP_MEMBERSHIP, 'mreq4'],
  [IPPROTO_IPV6, IPV6_JOIN_GROUP, 'mreq6'],
  [IPPROTO_IPV6, IPV6_LEAVE_GROUP, 'mreq6'],
];

// Indexed by number, level then name (both small integers in the table): getsockopt/setsockopt
// are cheap syscalls, and a string key built per call, or even two Map lookups, cost more than the
// rest of the call's own JS overhead. A level or name outside the arrays reads as undefined.
const byLevel: (OptionKind[] | undefined)[] = [];
for (const [level, name, kind] of OPTION_KINDS) (byLevel[level] ??= [])[name] = kind;

/** The value kind of option `name` at `level`: 'int' unless the table says otherwise. */
export function optionKind(level: number, name: number): OptionKind {
  const names = byLevel[level];
  return (names === undefined ? undefined : names[name]) ?? 'int';
}
