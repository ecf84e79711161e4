// The names of constant values, read from the same table the constants come from (the system
// headers, at build time): for the trace, for argument errors and for util.inspect.
import { native } from './native';

const c = native.constants;

/** Reverse lookup: the name of `value` among the constants whose names start with a prefix. */
export function namesOf(prefixes: string[], exclude: string[] = []): Map<number, string> {
  const map = new Map<number, string>();
  for (const [name, value] of Object.entries(c)) {
    if (!prefixes.some((prefix) => name.startsWith(prefix)) || exclude.includes(name)) continue;
    if (!map.has(value)) map.set(value, name);
  }
  return map;
}

/** `map`'s name for `value`, or the number as text. */
export function named(map: Map<number, string>, value: number): string {
  return map.get(value) ?? String(value);
}

/** `A|B|0x40` for a bit mask, `0` for none. */
export function bitNames(table: [number, string][], value: number): string {
  if (value === 0) return '0';
  const parts: string[] = [];
  let rest = value;
  for (const [bit, name] of table) {
    if (bit !== 0 && (rest & bit) === bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`);
  return parts.join('|');
}

export const familyNames = namesOf(['AF_'], ['AF_LOCAL']);
export const socketTypeNames = namesOf(['SOCK_'], ['SOCK_NONBLOCK', 'SOCK_CLOEXEC']);
/** The MSG_* flags, lowest bit first. */
export const msgFlagNames = [...namesOf(['MSG_'])].sort((a, b) => a[0] - b[0]);

/**
 * The EPOLL* event bits in strace's order, for bitNames: as int32 values (`bit | 0`), since bitNames
 * works on int32 masks and EPOLLET is bit 31; pass it `events | 0`.
 */
export const epollEventNames: [number, string][] = [...namesOf(['EPOLL'], ['EPOLL_CLOEXEC', 'EPOLL_CTL_ADD', 'EPOLL_CTL_MOD', 'EPOLL_CTL_DEL'])]
  .sort((a, b) => a[0] - b[0])
  .map(([bit, name]) => [bit | 0, name]);
/** epoll_ctl(2)'s operations. */
export const epollOpNames = namesOf(['EPOLL_CTL_']);
