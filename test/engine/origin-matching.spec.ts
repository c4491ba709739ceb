import { describe, expect, it, jest } from '@jest/globals';
import {
  checkOrigin,
  type CorsOrigin,
  type CorsOriginFunction,
  decideActual,
} from '../../lib/engine/index.js';
import { allowOriginOf, MALFORMED_ORIGINS, policyOf, sync } from './engine-test-helpers.js';

/** Access-Control-Allow-Origin that a synchronous policy sends to `origin`. */
function acao(origin: CorsOrigin, requestOrigin: string): string | undefined {
  return allowOriginOf(sync(decideActual(policyOf({ origin }), requestOrigin)));
}

describe("origin '*'", () => {
  it.each([
    'https://app.example.com',
    'http://localhost:3000',
    'null',
    'https://app.example.com/',
    'not an origin at all',
    '',
  ])('answers %j with Access-Control-Allow-Origin: *', (requestOrigin) => {
    expect(acao('*', requestOrigin)).toBe('*');
  });

  it("treats '*' anywhere in a list as '*'", () => {
    expect(acao(['https://app.example.com', '*'], 'https://other.test')).toBe('*');
  });
});

describe('origin true (reflect)', () => {
  it.each([
    'https://app.example.com',
    'https://APP.Example.COM',
    'http://localhost:3000',
    'http://127.0.0.1:8080',
    'http://[::1]:3000',
    'https://xn--bcher-kva.example',
    'chrome-extension://abcdefghijklmnop',
    'https://under_score.example.com',
  ])('echoes the well-formed origin %j exactly as sent', (requestOrigin) => {
    expect(acao(true, requestOrigin)).toBe(requestOrigin);
  });

  it.each(MALFORMED_ORIGINS)('does not reflect %j', (requestOrigin) => {
    expect(acao(true, requestOrigin)).toBeUndefined();
    expect(sync(checkOrigin(policyOf({ origin: true }), requestOrigin, undefined))).toBe(false);
  });
});

describe('origin false (off)', () => {
  it.each(['https://app.example.com', 'null', ''])('refuses %j as disabled', (requestOrigin) => {
    const decision = sync(decideActual(policyOf({ origin: false }), requestOrigin));
    expect(decision).toEqual({
      outcome: 'refused',
      refusal: { reason: 'disabled', value: requestOrigin },
      vary: undefined,
    });
    expect(sync(checkOrigin(policyOf({ origin: false }), requestOrigin, undefined))).toBe(false);
  });
});

describe('an exact origin', () => {
  it.each<[config: string, requestOrigin: string, expected: string | undefined]>([
    ['https://app.example.com', 'https://app.example.com', 'https://app.example.com'],
    // Hosts compare case-insensitively; the answer echoes what was sent.
    ['https://app.example.com', 'https://APP.example.com', 'https://APP.example.com'],
    ['https://app.example.com', 'https://App.Example.Com', 'https://App.Example.Com'],
    ['https://APP.EXAMPLE.COM', 'https://app.example.com', 'https://app.example.com'],
    ['HTTPS://app.example.com', 'https://app.example.com', 'https://app.example.com'],
    ['http://localhost:3000', 'http://localhost:3000', 'http://localhost:3000'],
    [
      'https://app.example.com:8443',
      'https://app.example.com:8443',
      'https://app.example.com:8443',
    ],
    ['http://[::1]:3000', 'http://[::1]:3000', 'http://[::1]:3000'],
    // Scheme and port compare exactly.
    ['https://app.example.com', 'http://app.example.com', undefined],
    ['https://app.example.com', 'wss://app.example.com', undefined],
    ['https://app.example.com', 'https://app.example.com:8443', undefined],
    ['https://app.example.com:8443', 'https://app.example.com', undefined],
    ['https://app.example.com:8443', 'https://app.example.com:8444', undefined],
    ['http://localhost:3000', 'http://localhost:3001', undefined],
    // Other hosts, including look-alikes.
    ['https://app.example.com', 'https://example.com', undefined],
    ['https://app.example.com', 'https://sub.app.example.com', undefined],
    ['https://app.example.com', 'https://app.example.com.evil.test', undefined],
    ['https://app.example.com', 'https://evilapp.example.com', undefined],
    ['https://app.example.com', 'https://app.example.co', undefined],
    ['https://app.example.com', 'https://app-example.com', undefined],
  ])('config %j, request %j -> %j', (config, requestOrigin, expected) => {
    expect(acao(config, requestOrigin)).toBe(expected);
    expect(acao([config], requestOrigin)).toBe(expected);
  });

  it.each(MALFORMED_ORIGINS)('matches nothing for the malformed value %j', (requestOrigin) => {
    expect(acao(['https://app.example.com', 'http://app.example.com'], requestOrigin)).toBe(
      undefined,
    );
  });

  it('looks exact origins up in a Set: a list of 1,000 works, member by member', () => {
    const origins = Array.from({ length: 1000 }, (_, i) => `https://tenant-${i}.example.com`);
    const policy = policyOf({ origin: origins, credentials: true });
    expect(policy.origin.kind).toBe('list');
    if (policy.origin.kind !== 'list') return;
    expect(policy.origin.exact).toBeInstanceOf(Set);
    expect(policy.origin.exact.size).toBe(1000);
    for (const origin of origins) {
      expect(allowOriginOf(sync(decideActual(policy, origin)))).toBe(origin);
    }
    for (const outsider of [
      'https://tenant-1000.example.com',
      'https://tenant-1.example.com:8443',
      'http://tenant-1.example.com',
      'https://tenant-01.example.com',
    ]) {
      expect(sync(decideActual(policy, outsider)).outcome).toBe('refused');
    }
  });
});

describe('wildcard patterns', () => {
  it.each<[config: string, requestOrigin: string, allowed: boolean]>([
    ['https://*.example.com', 'https://app.example.com', true],
    ['https://*.example.com', 'https://a.b.example.com', true],
    ['https://*.example.com', 'https://APP.Example.com', true],
    ['https://*.example.com', 'https://example.com', false],
    ['https://*.example.com', 'https://evilexample.com', false],
    ['https://*.example.com', 'https://app.example.com.evil.test', false],
    ['https://*.example.com', 'http://app.example.com', false],
    ['https://*.example.com', 'https://app.example.com:8443', false],
    ['https://example.com:*', 'https://example.com', true],
    ['https://example.com:*', 'https://example.com:8443', true],
    ['https://example.com:*', 'https://app.example.com:8443', false],
    ['https://example.com:*', 'http://example.com:8443', false],
    ['https://*.example.com:*', 'https://app.example.com:8443', true],
    ['https://*.example.com:*', 'https://app.example.com', true],
    ['https://*.example.com:*', 'https://example.com:8443', false],
    ['https://*.example.com:8443', 'https://app.example.com:8443', true],
    ['https://*.example.com:8443', 'https://app.example.com', false],
    ['https://*.example.com:8443', 'https://app.example.com:9443', false],
    ['http://localhost:*', 'http://localhost:5173', true],
    ['http://localhost:*', 'http://localhost.evil.test:5173', false],
  ])('pattern %j, request %j -> %p', (config, requestOrigin, allowed) => {
    expect(acao([config], requestOrigin)).toBe(allowed ? requestOrigin : undefined);
  });

  it.each(MALFORMED_ORIGINS)('match nothing for the malformed value %j', (requestOrigin) => {
    expect(acao(['https://*.example.com:*', 'http://*.example.com:*'], requestOrigin)).toBe(
      undefined,
    );
  });
});

describe('RegExps', () => {
  const tenants = /^https:\/\/(app|admin)\.example\.com$/;

  it.each<[requestOrigin: string, allowed: boolean]>([
    ['https://app.example.com', true],
    ['https://admin.example.com', true],
    ['https://APP.example.com', true],
    ['https://other.example.com', false],
    ['http://app.example.com', false],
    ['https://app.example.com:8443', false],
  ])('%j -> %p', (requestOrigin, allowed) => {
    expect(acao(tenants, requestOrigin)).toBe(allowed ? requestOrigin : undefined);
    expect(acao([tenants], requestOrigin)).toBe(allowed ? requestOrigin : undefined);
  });

  it.each(MALFORMED_ORIGINS)('are never asked about the malformed value %j', (requestOrigin) => {
    expect(acao([/^.*$/s, /app/], requestOrigin)).toBeUndefined();
  });

  it.each(['g', 'y', 'gy', 'gi'])(
    'give the same answer on every call with the %j flag(s)',
    (flags) => {
      const policy = policyOf({ origin: new RegExp('^https://app\\.example\\.com$', flags) });
      // Repeated matches in a row: a stateful RegExp would resume after the last one.
      const answers = [
        'https://app.example.com',
        'https://app.example.com',
        'https://app.example.com',
        'https://evil.test',
        'https://app.example.com',
      ].map((origin) => sync(checkOrigin(policy, origin, undefined)));
      expect(answers).toEqual([true, true, true, false, true]);
      expect(allowOriginOf(sync(decideActual(policy, 'https://app.example.com')))).toBe(
        'https://app.example.com',
      );
    },
  );
});

describe('null never matches anything but *', () => {
  it.each<[label: string, origin: CorsOrigin]>([
    ['true', true],
    ['a pattern', ['https://*.example.com']],
    ['a port pattern', ['http://localhost:*']],
    ['a RegExp that matches anything', /^.*$/],
    ['a RegExp written for null', /^null$/],
    ['a function that allows everything', () => true],
  ])('%s', (_label, origin) => {
    const policy = policyOf({ origin });
    expect(sync(checkOrigin(policy, 'null', undefined))).toBe(false);
    expect(sync(decideActual(policy, 'null')).outcome).toBe('refused');
  });
});

describe('a list mixing every form', () => {
  const origin = [
    'https://app.example.com',
    'https://*.partner.test',
    'http://localhost:*',
    /^https:\/\/tenant-\d+\.example\.org$/,
  ];

  it.each<[requestOrigin: string, allowed: boolean]>([
    ['https://app.example.com', true],
    ['https://APP.EXAMPLE.COM', true],
    ['https://eu.partner.test', true],
    ['https://partner.test', false],
    ['http://localhost:3000', true],
    ['http://localhost', true],
    ['https://localhost:3000', false],
    ['https://tenant-42.example.org', true],
    ['https://tenant-x.example.org', false],
    ['https://www.example.com', false],
    ['null', false],
  ])('%j -> %p', (requestOrigin, allowed) => {
    expect(acao(origin, requestOrigin)).toBe(allowed ? requestOrigin : undefined);
  });
});

describe('an origin function', () => {
  it.each<[label: string, allow: CorsOriginFunction, expected: boolean]>([
    ['returns true', () => true, true],
    ['returns false', () => false, false],
    ['resolves true', async () => true, true],
    ['resolves false', async () => false, false],
    // Only true allows: a truthy lookup result (a record, a string) is not a yes.
    ['returns a truthy non-boolean', () => 'yes' as unknown as boolean, false],
    ['resolves a truthy non-boolean', async () => ({ id: 1 }) as unknown as boolean, false],
  ])('that %s decides the origin', async (_label, allow, expected) => {
    const policy = policyOf({ origin: allow });
    await expect(Promise.resolve(checkOrigin(policy, 'https://app.example.com', {}))).resolves.toBe(
      expected,
    );
  });

  it('receives the origin exactly as sent and the request object passed in', () => {
    const allow = jest.fn<CorsOriginFunction>(() => true);
    const request = { id: 'the request' };
    const decision = sync(
      decideActual(policyOf({ origin: allow }), 'https://APP.example.com', request),
    );
    expect(allow).toHaveBeenCalledTimes(1);
    expect(allow.mock.calls[0][0]).toBe('https://APP.example.com');
    expect(allow.mock.calls[0][1]).toBe(request);
    expect(allowOriginOf(decision)).toBe('https://APP.example.com');
  });

  it.each(MALFORMED_ORIGINS)('is never called with the malformed value %j', (requestOrigin) => {
    const allow = jest.fn<CorsOriginFunction>(() => true);
    const policy = policyOf({ origin: allow });
    expect(sync(checkOrigin(policy, requestOrigin, {}))).toBe(false);
    expect(sync(decideActual(policy, requestOrigin, {})).outcome).toBe('refused');
    expect(allow).not.toHaveBeenCalled();
  });

  it.each<[label: string, allow: CorsOriginFunction]>([
    [
      'throws',
      () => {
        throw new Error('tenant lookup failed');
      },
    ],
    ['rejects', () => Promise.reject(new Error('tenant lookup failed'))],
    [
      'returns a thenable that throws',
      () =>
        ({
          then() {
            throw new Error('tenant lookup failed');
          },
        }) as unknown as Promise<boolean>,
    ],
  ])('that %s denies the origin with { error }', async (_label, allow) => {
    const verdict = await checkOrigin(policyOf({ origin: allow }), 'https://app.example.com', {});
    expect(verdict).toEqual({ error: new Error('tenant lookup failed') });
  });
});
