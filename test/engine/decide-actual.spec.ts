import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  type ActualDecision,
  type CorsOriginFunction,
  type CorsPolicyOptions,
  type CorsRefusal,
  decideActual,
  describeRefusal,
  describeRefusalToClient,
} from '../../lib/engine/index.js';
import { allowOriginOf, headerRecord, policyOf, sync } from './engine-test-helpers.js';

const APP = 'https://app.example.com';

describe('the answer without an Origin header', () => {
  // The Fetch standard's advice: a shared cache may hand the answer to a CORS request.
  it.each<[label: string, options: CorsPolicyOptions]>([
    ["origin '*'", { origin: '*' }],
    ["origin '*' exposing headers", { origin: '*', exposedHeaders: ['x-total'] }],
  ])("is the '*' answer, with no Vary, under %s", (_label, options) => {
    const policy = policyOf(options);
    expect(policy.notCorsAnswer).toBe(policy.anyOriginAnswer);
    expect(policy.notCorsAnswer).toMatchObject({ outcome: 'allowed', vary: undefined });
    expect(allowOriginOf(policy.notCorsAnswer)).toBe('*');
  });

  it.each<[label: string, options: CorsPolicyOptions, vary: string | undefined]>([
    ['an exact origin', { origin: APP }, 'Origin'],
    ['origin true', { origin: true }, 'Origin'],
    ['a pattern', { origin: 'https://*.example.com' }, 'Origin'],
    ['a function', { origin: () => true }, 'Origin'],
    ['origin false', { origin: false }, undefined],
  ])('is not CORS under %s', (_label, options, vary) => {
    expect(policyOf(options).notCorsAnswer).toEqual({ outcome: 'not-cors', vary });
  });
});

describe('decideActual for an allowed origin', () => {
  it.each<[label: string, options: CorsPolicyOptions, origin: string, expected: ActualDecision]>([
    [
      "origin '*'",
      { origin: '*' },
      APP,
      { outcome: 'allowed', headers: [['Access-Control-Allow-Origin', '*']], vary: undefined },
    ],
    [
      "origin '*' with exposed headers",
      { exposedHeaders: ['X-Total', 'X-Trace'] },
      'null',
      {
        outcome: 'allowed',
        headers: [
          ['Access-Control-Allow-Origin', '*'],
          ['Access-Control-Expose-Headers', 'X-Total,X-Trace'],
        ],
        vary: undefined,
      },
    ],
    [
      'an exact origin',
      { origin: APP },
      APP,
      { outcome: 'allowed', headers: [['Access-Control-Allow-Origin', APP]], vary: 'Origin' },
    ],
    [
      'an exact origin sent in upper case',
      { origin: APP },
      'https://APP.example.com',
      {
        outcome: 'allowed',
        headers: [['Access-Control-Allow-Origin', 'https://APP.example.com']],
        vary: 'Origin',
      },
    ],
    [
      'credentials and exposed headers',
      { origin: [APP], credentials: true, exposedHeaders: 'X-Total, X-Trace' },
      APP,
      {
        outcome: 'allowed',
        headers: [
          ['Access-Control-Allow-Origin', APP],
          ['Access-Control-Allow-Credentials', 'true'],
          ['Access-Control-Expose-Headers', 'X-Total,X-Trace'],
        ],
        vary: 'Origin',
      },
    ],
    [
      'a reflected origin with credentials (escape hatch)',
      { origin: true, credentials: true, dangerouslyReflectAnyOriginWithCredentials: true },
      'https://anyone.test',
      {
        outcome: 'allowed',
        headers: [
          ['Access-Control-Allow-Origin', 'https://anyone.test'],
          ['Access-Control-Allow-Credentials', 'true'],
        ],
        vary: 'Origin',
      },
    ],
    [
      "exposedHeaders '*' without credentials",
      { origin: APP, exposedHeaders: '*' },
      APP,
      {
        outcome: 'allowed',
        headers: [
          ['Access-Control-Allow-Origin', APP],
          ['Access-Control-Expose-Headers', '*'],
        ],
        vary: 'Origin',
      },
    ],
  ])('%s', (_label, options, origin, expected) => {
    const decision = sync(decideActual(policyOf(options), origin));
    expect(decision).toEqual(expected);
    if (decision.outcome === 'allowed') headerRecord(decision.headers); // one of each header
  });

  it.each<[label: string, options: CorsPolicyOptions]>([
    ['a list', { origin: [APP, 'https://*.example.com'], credentials: true }],
    ['a RegExp', { origin: /^https:\/\/[a-z]+\.example\.com$/, credentials: true }],
    ['a function', { origin: () => true, credentials: true }],
    [
      'origin true (escape hatch)',
      { origin: true, credentials: true, dangerouslyReflectAnyOriginWithCredentials: true },
    ],
  ])(
    'with credentials sends the exact origin and Allow-Credentials "true" under %s',
    (_label, options) => {
      const decision = sync(decideActual(policyOf(options), APP));
      expect(decision.outcome).toBe('allowed');
      if (decision.outcome !== 'allowed') return;
      expect(headerRecord(decision.headers)).toEqual({
        'Access-Control-Allow-Origin': APP,
        'Access-Control-Allow-Credentials': 'true',
      });
    },
  );
});

describe('decideActual for a refused origin', () => {
  it.each<[label: string, options: CorsPolicyOptions, origin: string, expected: ActualDecision]>([
    [
      'an unlisted origin',
      { origin: [APP], credentials: true },
      'https://evil.test',
      {
        outcome: 'refused',
        refusal: { reason: 'origin', value: 'https://evil.test' },
        vary: 'Origin',
      },
    ],
    [
      'null under origin true',
      { origin: true },
      'null',
      { outcome: 'refused', refusal: { reason: 'origin', value: 'null' }, vary: 'Origin' },
    ],
    [
      'a malformed value under a pattern',
      { origin: 'https://*.example.com' },
      'https://app.example.com/',
      {
        outcome: 'refused',
        refusal: { reason: 'origin', value: 'https://app.example.com/' },
        vary: 'Origin',
      },
    ],
    [
      'any origin when CORS is off',
      { origin: false },
      APP,
      { outcome: 'refused', refusal: { reason: 'disabled', value: APP }, vary: undefined },
    ],
  ])('%s', (_label, options, origin, expected) => {
    const decision = sync(decideActual(policyOf(options), origin));
    expect(decision).toEqual(expected);
    expect(decision).not.toHaveProperty('headers');
  });
});

describe('decideActual with an origin function', () => {
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it.each<[label: string, allow: CorsOriginFunction, allowed: boolean]>([
    ['resolves true', async () => true, true],
    ['resolves false', async () => false, false],
  ])('answers asynchronously when it %s', async (_label, allow, allowed) => {
    const pending = decideActual(policyOf({ origin: allow, credentials: true }), APP, {});
    expect(pending).toBeInstanceOf(Promise);
    const decision = await pending;
    expect(decision.outcome).toBe(allowed ? 'allowed' : 'refused');
    expect(allowOriginOf(decision)).toBe(allowed ? APP : undefined);
    expect(decision.vary).toBe('Origin');
  });

  it('answers synchronously when it returns a boolean', () => {
    expect(sync(decideActual(policyOf({ origin: (o) => o === APP }), APP, {})).outcome).toBe(
      'allowed',
    );
  });

  it('passes the request object it was given', async () => {
    const allow = jest.fn<CorsOriginFunction>(async () => true);
    const request = { headers: { host: 'api.example.com' } };
    await decideActual(policyOf({ origin: allow }), APP, request);
    expect(allow).toHaveBeenCalledWith(APP, request);
  });

  it.each<[label: string, allow: CorsOriginFunction]>([
    [
      'throws',
      () => {
        throw new TypeError('tenants unavailable');
      },
    ],
    ['rejects', () => Promise.reject(new TypeError('tenants unavailable'))],
    [
      'rejects later',
      () =>
        new Promise<boolean>((_resolve, reject) =>
          setTimeout(() => reject(new TypeError('tenants unavailable')), 1),
        ),
    ],
  ])('that %s refuses with the error, never throwing', async (_label, allow) => {
    let decision: ActualDecision | undefined;
    expect(() => {
      void Promise.resolve(decideActual(policyOf({ origin: allow }), APP, {})).then(
        (d) => (decision = d),
      );
    }).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(decision).toEqual({
      outcome: 'refused',
      refusal: { reason: 'origin', value: APP, error: new TypeError('tenants unavailable') },
      vary: 'Origin',
    });
    expect(unhandled).toEqual([]);
  });
});

describe('describeRefusalToClient', () => {
  it('says what the request asked for, never what an origin function threw', () => {
    const refusal = {
      reason: 'origin',
      value: APP,
      error: new Error('db at 10.0.0.5 down'),
    } as const;
    expect(describeRefusalToClient(refusal)).toBe(`origin "${APP}" is not allowed`);
  });
});

describe('describeRefusal', () => {
  it.each<[refusal: CorsRefusal, text: string]>([
    [{ reason: 'origin', value: 'https://evil.test' }, 'origin "https://evil.test" is not allowed'],
    [{ reason: 'method', value: 'PROPFIND' }, 'method "PROPFIND" is not allowed'],
    [{ reason: 'headers', value: 'x-a,x-b' }, 'request header(s) "x-a,x-b" not allowed'],
    [{ reason: 'private-network', value: 'true' }, 'private network access is not allowed'],
    [{ reason: 'disabled', value: APP }, 'CORS is disabled for this route'],
    [
      { reason: 'origin', value: APP, error: new Error('db down') },
      'origin "https://app.example.com" is not allowed (the origin function failed: Error: db down)',
    ],
    [{ reason: 'origin', value: 'x"\n' }, 'origin "x\\"\\n" is not allowed'],
    [
      { reason: 'origin', value: APP, error: { code: 'EDB' } },
      `origin "${APP}" is not allowed (the origin function failed: { code: 'EDB' })`,
    ],
    [
      { reason: 'origin', value: APP, error: Object.create(null) },
      `origin "${APP}" is not allowed (the origin function failed: [Object: null prototype] {})`,
    ],
    [
      {
        reason: 'origin',
        value: APP,
        error: {
          [Symbol.for('nodejs.util.inspect.custom')]: () => {
            throw new Error('no');
          },
        },
      },
      `origin "${APP}" is not allowed (the origin function failed: a value that cannot be printed)`,
    ],
  ])('%j -> %j', (refusal, text) => {
    expect(describeRefusal(refusal)).toBe(text);
  });
});
