import { inspect } from 'node:util';

/**
 * A value from outside the library in words, for messages and logs: an Error
 * as "Name: message" (or its stack), anything else as Node's `inspect` shows
 * it. Any value can be thrown or configured, and some defeat `String()` (an
 * object without a prototype): describing a fault must not fail in turn.
 */
export function printable(value: unknown, withStack = false): string {
  try {
    if (value instanceof Error) {
      return withStack && typeof value.stack === 'string' ? value.stack : String(value);
    }
    return inspect(value, { depth: 2, breakLength: Infinity });
  } catch {
    return 'a value that cannot be printed';
  }
}
