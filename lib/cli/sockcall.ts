// sockcall itself, loaded by the commands that make syscalls when they make the first one, so that
// --help, --version and bench work without the native addon, and the demo can switch the trace on
// before anything has loaded it.
import type * as Blocking from '../index';
import type * as Promises from '../promises';

export function blocking(): typeof Blocking {
  return require('../index') as typeof Blocking;
}

export function promises(): typeof Promises {
  return require('../promises') as typeof Promises;
}

/** Per recv: as much as the loopback interface can hand over at once. */
export const BUFFER_LENGTH = 65536;
