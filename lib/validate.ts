// Argument checks shared by every public function. Each throws the Node-style error before any
// syscall is made, and returns the value narrowed to its type.
import { invalidArgType, outOfRange } from './errors';

export const INT32_MAX = 2 ** 31 - 1;
export const INT32_MIN = -(2 ** 31);

/** An integer in [min, max]; `name` is how the error message calls it. */
export function validateInt(value: unknown, name: string, min = INT32_MIN, max = INT32_MAX): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/**
 * A timeout in milliseconds: a finite number >= 0 up to `max`, or null/undefined for "wait forever"
 * (returned as -1). `max` defaults to INT32_MAX, the largest poll(2) can take.
 */
export function validateTimeout(value: unknown, name = 'timeoutMs', max = INT32_MAX): number {
  if (value === null || value === undefined) return -1;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number, null or undefined', value);
  if (!(value >= 0 && value <= max)) throw outOfRange(name, `>= 0 && <= ${max} (null waits forever)`, value);
  return value;
}

/** Buffer, any TypedArray or DataView. */
export function validateView(value: unknown, name: string): ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value);
  return value;
}

/** Data to send: a string (sent as UTF-8) or any ArrayBufferView. */
export function toSendable(value: unknown, name = 'data'): ArrayBufferView {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (ArrayBuffer.isView(value)) return value;
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', value);
}

/**
 * A byte view over any ArrayBufferView, sharing its memory (for slicing partial sends). A view of a
 * detached buffer has no bytes, as the binding sees it (a DataView's getters throw instead).
 */
export function asBytes(view: ArrayBufferView): Uint8Array {
  if (view instanceof Uint8Array) return view;
  try {
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  } catch {
    return new Uint8Array(0);
  }
}

export function validateObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value);
  }
  return value as Record<string, unknown>;
}
