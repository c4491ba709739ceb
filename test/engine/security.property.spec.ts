import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  type ActualDecision,
  type CompiledCorsPolicy,
  type CorsPolicyOptions,
  decideActual,
  decidePreflight,
  type PreflightDecision,
} from '../../lib/engine/index.js';
import { parseHeaderList } from '../../lib/engine/headers/header-list.js';
import { allowOriginOf, headerRecord, policyOf } from './engine-test-helpers.js';

const RUNS = { numRuns: 500 };

// A small alphabet of labels, so that generated origins often come close to the allowed ones.
const label = fc.constantFrom(
  'a',
  'app',
  'API',
  'example',
  'evil',
  'com',
  'test',
  'xn--p1ai',
  'b-c',
);
const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const wellFormedOrigin = fc
  .tuple(fc.constantFrom('https', 'http'), host, fc.constantFrom('', ':3000', ':8443', ':65535'))
  .map(([scheme, h, port]) => `${scheme}://${h}${port}`);

/** Origin-like values: well-formed, near misses, and noise. */
const originLike = fc.oneof(
  wellFormedOrigin,
  fc
    .tuple(
      fc.constantFrom('https', 'http', 'HTTPS', 'wss', 'ftp', '', 'null'),
      fc.constantFrom('://', ':/', '//', '://user@', '://a.test@', ''),
      host,
      fc.constantFrom('', ':443', ':80', ':8443', ':0', ':65536', ':*', ':', ':08443'),
      fc.constantFrom('', '/', '/path', ' ', '\t', ',https://app.example.com', '.', '?', '#'),
    )
    .map((parts) => parts.join('')),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('null', '', '*', 'https://app.example.com:443', 'https://APP.EXAMPLE.COM'),
);

const HUGE = 'x'.repeat(1 << 20);
const headerValue = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(fc.string(), { maxLength: 10 }),
  fc.array(fc.constantFrom('x-a', 'Content-Type', 'authorization', ' ', ''), { maxLength: 200 }),
  fc.constant(HUGE),
  fc.constant([HUGE, HUGE]),
);
const methodValue = fc.oneof(
  fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'put', 'PATCH', 'patch', 'DELETE', 'OPTIONS', ''),
  fc.string(),
  fc.constant(HUGE),
);

/** Lowercases A-Z only: hosts compare case-insensitively in ASCII, nothing more. */
function asciiLower(value: string): string {
  return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function isAllowed(decision: ActualDecision | PreflightDecision): boolean {
  return decision.outcome === 'allowed';
}

/** A list member, as sent or slightly changed. */
function nearMember(member: string): fc.Arbitrary<string> {
  return fc.constantFrom(
    member,
    member.toUpperCase(),
    member.replace('://', '://A.'),
    `${member}/`,
    `${member}.`,
    `${member}:443`,
    `${member}0`,
    ` ${member}`,
    member.replace(/^https?/, (scheme) => (scheme === 'https' ? 'http' : 'https')),
    member.replace(/:\d+$/, ''),
    `${member},${member}`,
  );
}

describe('an exact-origin list', () => {
  it('never allows an origin outside the list, and echoes those inside exactly', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(wellFormedOrigin, {
            minLength: 1,
            maxLength: 6,
            selector: (o) => o.toLowerCase(),
          })
          .chain((list) =>
            fc.tuple(
              fc.constant(list),
              fc.oneof(originLike, fc.constantFrom(...list).chain(nearMember)),
            ),
          ),
        ([list, candidate]) => {
          const allowed = new Set(list.map((o) => o.toLowerCase()));
          const policy = policyOf({ origin: list, credentials: true });
          const actual = decideActual(policy, candidate) as ActualDecision;
          const preflight = decidePreflight(policy, {
            origin: candidate,
            method: 'GET',
          }) as PreflightDecision;
          // Hosts are case-insensitive and schemes arrive lowercase, so lowercasing
          // the whole value gives a list member exactly when the origin is allowed.
          const expected = allowed.has(asciiLower(candidate)) && !/^[^:]*[A-Z]/.test(candidate);
          expect(isAllowed(actual)).toBe(expected);
          expect(isAllowed(preflight)).toBe(expected);
          expect(allowOriginOf(actual)).toBe(expected ? candidate : undefined);
          expect(allowOriginOf(preflight)).toBe(expected ? candidate : undefined);
        },
      ),
      RUNS,
    );
  });

  it('always allows its own members, in any letter case of the host', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(wellFormedOrigin, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        (list, index, upper) => {
          const member = list[index % list.length];
          const [scheme, rest] = member.split('://');
          const sent = `${scheme}://${upper ? rest.toUpperCase() : rest}`;
          const decision = decideActual(policyOf({ origin: list }), sent) as ActualDecision;
          expect(allowOriginOf(decision)).toBe(sent);
        },
      ),
      RUNS,
    );
  });

  it('gives random strings outside the list no Access-Control-Allow-Origin', () => {
    const list = ['https://app.example.com', 'http://localhost:3000', 'https://a.test:8443'];
    const policy = policyOf({ origin: list, allowedHeaders: '*', methods: ['PUT'] });
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), originLike),
        headerValue,
        (candidate, headers) => {
          fc.pre(!list.includes(asciiLower(candidate)));
          const actual = decideActual(policy, candidate) as ActualDecision;
          const preflight = decidePreflight(policy, {
            origin: candidate,
            method: 'PUT',
            headers,
          }) as PreflightDecision;
          expect(actual).toMatchObject({ outcome: 'refused', refusal: { reason: 'origin' } });
          expect(preflight).toMatchObject({ outcome: 'refused', refusal: { reason: 'origin' } });
        },
      ),
      RUNS,
    );
  });
});

describe('a wildcard pattern', () => {
  const suffixArb = fc
    .array(label, { minLength: 2, maxLength: 3 })
    .map((labels) => labels.join('.').toLowerCase());
  const portArb = fc.constantFrom('', ':8443', ':*');

  /** The independent oracle: one or more labels, the suffix, then the port rule. */
  function oracle(suffix: string, port: string, candidate: string): boolean {
    if (!candidate.startsWith('https://')) return false;
    const authority = candidate.slice('https://'.length);
    const colon = authority.lastIndexOf(':');
    const candidateHost = colon < 0 ? authority : authority.slice(0, colon);
    const candidatePort = colon < 0 ? undefined : authority.slice(colon + 1);
    const labels = candidateHost.slice(0, -suffix.length);
    if (asciiLower(candidateHost.slice(-suffix.length)) !== suffix) return false;
    if (!/^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)+$/i.test(labels)) return false;
    if (port === '') return candidatePort === undefined;
    if (port !== ':*') return candidatePort === port.slice(1);
    return (
      candidatePort === undefined ||
      (/^[1-9][0-9]{0,4}$/.test(candidatePort) &&
        Number(candidatePort) <= 65535 &&
        candidatePort !== '443')
    );
  }

  it('never allows a host outside its suffix, another scheme or another port', () => {
    fc.assert(
      fc.property(
        suffixArb,
        portArb,
        fc.oneof(
          originLike,
          fc
            .tuple(
              fc.constantFrom('https://', 'http://', 'wss://'),
              host,
              fc.constantFrom('', '.'),
              fc.constantFrom('', ':8443', ':3000'),
            )
            .map((parts) => parts.join('')),
        ),
        (suffix, port, candidate) => {
          const policy = policyOf({ origin: `https://*.${suffix}${port}` });
          const decision = decideActual(policy, candidate) as ActualDecision;
          if (isAllowed(decision)) {
            const lower = asciiLower(candidate);
            expect(lower.startsWith('https://')).toBe(true);
            const authority = lower.slice('https://'.length);
            const [candidateHost, candidatePort = ''] = authority.split(':');
            expect(candidateHost.endsWith(`.${suffix}`)).toBe(true);
            expect(candidateHost.length).toBeGreaterThan(suffix.length + 1);
            if (port !== ':*') expect(candidatePort === '' ? '' : `:${candidatePort}`).toBe(port);
            expect(allowOriginOf(decision)).toBe(candidate);
          }
          expect(isAllowed(decision)).toBe(oracle(suffix, port, candidate));
        },
      ),
      RUNS,
    );
  });

  it('allows every subdomain of its suffix on its port', () => {
    fc.assert(
      fc.property(suffixArb, portArb, host, (suffix, port, sub) => {
        const sentPort = port === ':*' ? ':3000' : port;
        const candidate = `https://${sub}.${suffix}${sentPort}`;
        const policy = policyOf({ origin: `https://*.${suffix}${port}` });
        expect(allowOriginOf(decideActual(policy, candidate) as ActualDecision)).toBe(candidate);
      }),
      RUNS,
    );
  });
});

describe('decisions never throw', () => {
  const policies: [string, CorsPolicyOptions][] = [
    ['the defaults', {}],
    [
      'a list',
      { origin: ['https://app.example.com', 'https://*.example.com:*', /^https:\/\/x\.test$/] },
    ],
    ['origin true', { origin: true, allowedHeaders: ['x-a', 'content-type'], maxAge: 0 }],
    ['origin false', { origin: false }],
    ['credentials', { origin: 'https://app.example.com', credentials: true, methods: 'PUT' }],
    ['private network', { origin: 'http://localhost:*', allowPrivateNetwork: true }],
    ['a function', { origin: (o) => o.length % 2 === 0 }],
    ['an async function', { origin: async (o) => o.endsWith('.test') }],
    [
      'a failing function',
      {
        origin: () => {
          throw new Error('boom');
        },
      },
    ],
    ['a rejecting function', { origin: () => Promise.reject(new Error('boom')) }],
  ];
  const compiled: [string, CompiledCorsPolicy][] = policies.map(([name, o]) => [name, policyOf(o)]);

  it.each(compiled)('under %s, whatever the request headers', async (_name, policy) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(originLike, fc.constant(HUGE)),
        methodValue,
        headerValue,
        fc.option(fc.boolean(), { nil: undefined }),
        async (origin, method, headers, privateNetwork) => {
          const actual = await decideActual(policy, origin, {});
          const preflight = await decidePreflight(policy, {
            origin,
            method,
            headers,
            privateNetwork,
          });
          expect(['allowed', 'refused']).toContain(actual.outcome);
          expect(['allowed', 'refused']).toContain(preflight.outcome);
          if (preflight.outcome === 'refused') expect(preflight.status).toBe(403);
          for (const decision of [actual, preflight]) {
            if (decision.outcome === 'allowed') {
              // One header of each name, and a single Access-Control-Allow-Origin value.
              const acao = headerRecord(decision.headers)['Access-Control-Allow-Origin'];
              expect(acao === '*' || acao === origin).toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('with credentials', () => {
  const credentialed: CorsPolicyOptions[] = [
    { origin: ['https://app.example.com', 'http://localhost:*'], credentials: true },
    { origin: 'https://*.example.com', credentials: true },
    { origin: /^https?:\/\/.*$/, credentials: true },
    { origin: () => true, credentials: true },
    { origin: true, credentials: true, dangerouslyReflectAnyOriginWithCredentials: true },
  ];

  it('Access-Control-Allow-Origin is never *, only the exact origin sent', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...credentialed),
        fc.oneof(originLike, wellFormedOrigin),
        methodValue,
        headerValue,
        (options, origin, method, headers) => {
          const policy = policyOf(options);
          for (const decision of [
            decideActual(policy, origin) as ActualDecision,
            decidePreflight(policy, { origin, method, headers }) as PreflightDecision,
          ]) {
            if (decision.outcome !== 'allowed') continue;
            const sent = headerRecord(decision.headers);
            expect(sent['Access-Control-Allow-Origin']).not.toBe('*');
            expect(sent['Access-Control-Allow-Origin']).toBe(origin);
            expect(sent['Access-Control-Allow-Credentials']).toBe('true');
          }
        },
      ),
      RUNS,
    );
  });
});

describe('parseHeaderList', () => {
  const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
  const ows = fc.constantFrom('', ' ', '\t', '  ');

  it('reads any list of names, however it is spaced or split, as the same lowercase names', () => {
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 20 }),
        ows,
        ows,
        fc.boolean(),
        (names, before, after, lines) => {
          const expected = names.map((n) => n.toLowerCase());
          const value = lines
            ? names.map((n) => `${before}${n}${after}`)
            : names.join(`${before},${after}`);
          expect(parseHeaderList(value)).toEqual({
            ok: true,
            names: expected,
            joined: expected.join(','),
          });
        },
      ),
      RUNS,
    );
  });

  it('never throws, and only ever yields lowercase tokens', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(fc.string())),
        (value) => {
          const result = parseHeaderList(value);
          if (result.ok) {
            for (const name of result.names) expect(name).toMatch(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/);
            expect(result.joined).toBe(result.names.join(','));
          }
        },
      ),
      RUNS,
    );
  });
});
