// Addresses as text for people: error messages, warnings, the CLI's log. One place, so that every
// message writes an address the same way. (lib/address.ts exports these; this module imports
// nothing of sockcall's, so errors.ts can use it without an import loop.)
import { isUtf8 } from 'node:buffer';

/**
 * A Unix socket name as text, for messages: a string as it is; a Buffer as UTF-8 if it is that,
 * else with each byte outside printable ASCII as `\xNN` (`\0` for NUL).
 */
export function pathText(path: string | Uint8Array): string {
  if (typeof path === 'string') return path;
  const bytes = Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let text = '';
  for (const byte of bytes) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : byte === 0 ? '\\0' : `\\x${byte.toString(16).padStart(2, '0')}`;
  return text;
}

/** What {@link addressText} reads: a SocketAddress, or an error's context (address, port, path, hostname). */
export interface Whereabouts {
  family?: string;
  address?: string;
  port?: number;
  path?: string | Uint8Array;
  hostname?: string;
}

/**
 * Where a socket is, as text: '127.0.0.1:3005', '[::1]:3005', a Unix path (see {@link pathText}),
 * '(unnamed)' for an unnamed Unix socket, a host name; else the family, or '' for nothing.
 * `ipv6` 'bare' writes an IPv6 address and port as Node's net errors do ('::1:3005').
 */
export function addressText(where: Whereabouts, ipv6: 'bracketed' | 'bare' = 'bracketed'): string {
  if (where.path !== undefined) return where.path.length === 0 ? '(unnamed)' : pathText(where.path);
  if (where.hostname !== undefined) return where.hostname;
  if (where.address !== undefined) {
    if (where.port === undefined) return where.address;
    return ipv6 === 'bracketed' && where.address.includes(':') ? `[${where.address}]:${where.port}` : `${where.address}:${where.port}`;
  }
  return where.family ?? '';
}
