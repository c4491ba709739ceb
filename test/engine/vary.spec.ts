import { describe, expect, it } from '@jest/globals';
import { appendVary } from '../../lib/engine/index.js';
import {
  VARY_ACTUAL,
  VARY_PREFLIGHT,
  VARY_PREFLIGHT_ANY_ORIGIN,
} from '../../lib/engine/headers/vary.js';

describe('appendVary', () => {
  it.each<[existing: unknown, tokens: string, expected: string]>([
    [undefined, 'Origin', 'Origin'],
    [null, 'Origin', 'Origin'],
    ['', 'Origin', 'Origin'],
    ['Accept-Encoding', 'Origin', 'Accept-Encoding, Origin'],
    ['Accept-Encoding, Cookie', 'Origin', 'Accept-Encoding, Cookie, Origin'],
    ['Origin', 'Origin', 'Origin'],
    ['origin', 'Origin', 'origin'],
    ['Accept-Encoding, ORIGIN', 'Origin', 'Accept-Encoding, ORIGIN'],
    ['*', 'Origin', '*'],
    ['Accept-Encoding, *', 'Origin', '*'],
    [['Accept-Encoding', 'Cookie'], 'Origin', 'Accept-Encoding, Cookie, Origin'],
    [['Accept-Encoding', 'Origin'], 'Origin', 'Accept-Encoding, Origin'],
    [['Accept-Encoding', '*'], 'Origin', '*'],
    [
      'Accept-Encoding',
      VARY_PREFLIGHT,
      'Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    ],
    [
      'Origin, Access-Control-Request-Headers',
      VARY_PREFLIGHT,
      'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    ],
  ])('appends %j to %j', (existing, tokens, expected) => {
    expect(appendVary(existing, tokens)).toBe(expected);
  });

  it.each([VARY_ACTUAL, VARY_PREFLIGHT, VARY_PREFLIGHT_ANY_ORIGIN])(
    'is idempotent for %j',
    (tokens) => {
      const once = appendVary('Accept-Encoding', tokens);
      expect(appendVary(once, tokens)).toBe(once);
    },
  );
});

describe('the Vary tokens the engine sends', () => {
  it.each([
    [VARY_ACTUAL, 'Origin'],
    [VARY_PREFLIGHT, 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'],
    [VARY_PREFLIGHT_ANY_ORIGIN, 'Access-Control-Request-Method, Access-Control-Request-Headers'],
  ])('%j', (constant, expected) => {
    expect(constant).toBe(expected);
  });
});
