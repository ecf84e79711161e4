// Network interfaces by name and by index: the ifindex of a packet socket's address (and of a
// multicast membership) from a name such as 'lo', and back.
import { invalidArgType, syscallError } from './errors';
import { native } from './native';
import { validateInt } from './validate';

/**
 * The index of the interface named `name`: if_nametoindex(3).
 *
 * @param name - An interface name ('lo', 'eth0' ...).
 * @returns The index, an integer > 0.
 * @throws {@link SocketError} `syscall` 'if_nametoindex', `code` 'ENODEV' when no interface has that
 * name (a name of 16 bytes or more, or with a NUL in it, names none).
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) if `name` is not a string.
 * @see {@link https://man7.org/linux/man-pages/man3/if_nametoindex.3.html | if_nametoindex(3)}
 * @example
 * ```ts
 * const lo = if_nametoindex('lo'); // 1
 * ```
 * @category Interfaces
 */
export function if_nametoindex(name: string): number {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  const result = native.ifNametoindex(Buffer.from(name, 'utf8'));
  if (result < 0) throw syscallError('if_nametoindex', result);
  return result;
}

/**
 * The name of the interface with index `index`: if_indextoname(3).
 *
 * @param index - An interface index, an integer > 0 (a packet address's `ifindex`).
 * @returns The name ('lo' ...).
 * @throws {@link SocketError} `syscall` 'if_indextoname', `code` 'ENXIO' when no interface has that index.
 * @throws `TypeError` / `RangeError` (`ERR_OUT_OF_RANGE`) if `index` is not an integer from 1 to 2^31 - 1.
 * @see {@link https://man7.org/linux/man-pages/man3/if_indextoname.3.html | if_indextoname(3)}
 * @example
 * ```ts
 * console.log(if_indextoname(1)); // 'lo'
 * ```
 * @category Interfaces
 */
export function if_indextoname(index: number): string {
  validateInt(index, 'index', 1);
  const result = native.ifIndextoname(index);
  if (typeof result === 'number') throw syscallError('if_indextoname', result);
  return result;
}
