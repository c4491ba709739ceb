import { describe, expect, it, jest } from '@jest/globals';
import {
  type CorsRefusal,
  describeRefusal,
  type CorsOriginFunction,
  type CorsPolicyOptions,
  type CorsRefusalReason,
  decidePreflight,
  type PreflightDecision,
  type PreflightRequest,
  type RoutedMethods,
} from '../../lib/engine/index.js';
import { headerRecord, policyOf, sync } from './engine-test-helpers.js';

const APP = 'https://app.example.com';
const VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

function preflight(
  options: CorsPolicyOptions,
  request: Partial<PreflightRequest> = {},
  routed?: RoutedMethods,
): PreflightDecision {
  return sync(
    decidePreflight(policyOf(options), { origin: APP, method: 'PUT', ...request }, {}, routed),
  );
}

/** The headers of an allowed preflight, failing the test when it was refused. */
function allowedHeaders(decision: PreflightDecision): Record<string, string> {
  if (decision.outcome !== 'allowed') {
    throw new Error(`expected an allowed preflight, got ${JSON.stringify(decision)}`);
  }
  return headerRecord(decision.headers);
}

function routedMethods(...methods: string[]): RoutedMethods {
  return { has: (method) => methods.includes(method), header: () => methods.join(',') };
}

describe('an allowed preflight', () => {
  it('carries every header the policy sends', () => {
    const decision = preflight(
      {
        origin: [APP],
        credentials: true,
        methods: ['PUT', 'PATCH'],
        allowedHeaders: ['Content-Type', 'X-Trace'],
        exposedHeaders: ['X-Total'],
        maxAge: 600,
      },
      { method: 'PATCH', headers: 'content-type,x-trace' },
    );
    expect(decision).toMatchObject({
      outcome: 'allowed',
      status: 204,
      vary: VARY,
      continue: false,
    });
    // Expose-Headers belongs to actual responses only.
    expect(allowedHeaders(decision)).toEqual({
      'Access-Control-Allow-Origin': APP,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'PUT,PATCH',
      'Access-Control-Allow-Headers': 'Content-Type,X-Trace',
      'Access-Control-Max-Age': '600',
    });
  });

  it.each<[label: string, options: CorsPolicyOptions, status: number, continues: boolean]>([
    ['the default', {}, 204, false],
    ['optionsSuccessStatus 200', { optionsSuccessStatus: 200 }, 200, false],
    ['optionsSuccessStatus 299', { optionsSuccessStatus: 299 }, 299, false],
    ['preflightContinue', { preflightContinue: true }, 204, true],
  ])('status and continue under %s', (_label, options, status, continues) => {
    expect(preflight(options)).toMatchObject({
      outcome: 'allowed',
      status,
      continue: continues,
    });
  });

  it.each<[label: string, options: CorsPolicyOptions, origin: string, acao: string]>([
    ["origin '*'", {}, APP, '*'],
    ["origin '*', asked by null", {}, 'null', '*'],
    ['an exact origin', { origin: APP }, APP, APP],
    [
      'an exact origin sent in upper case',
      { origin: APP },
      'https://APP.example.com',
      'https://APP.example.com',
    ],
    ['origin true', { origin: true }, 'https://any.test', 'https://any.test'],
    [
      'a pattern with credentials',
      { origin: 'https://*.example.com', credentials: true },
      APP,
      APP,
    ],
  ])('answers %s with one Access-Control-Allow-Origin', (_label, options, origin, acao) => {
    const headers = allowedHeaders(preflight(options, { origin }));
    expect(headers['Access-Control-Allow-Origin']).toBe(acao);
    expect(headers['Access-Control-Allow-Credentials']).toBe(
      options.credentials ? 'true' : undefined,
    );
  });

  it.each<[maxAge: number | undefined, header: string | undefined]>([
    [undefined, undefined],
    [0, '0'],
    [600, '600'],
    [86400, '86400'],
  ])('maxAge %p -> Access-Control-Max-Age %j', (maxAge, header) => {
    expect(allowedHeaders(preflight({ maxAge }))['Access-Control-Max-Age']).toBe(header);
  });
});

describe('Vary on preflights', () => {
  it.each<
    [label: string, options: CorsPolicyOptions, request: Partial<PreflightRequest>, vary: string]
  >([
    ['allowed, exact origin', { origin: APP }, {}, VARY],
    ['refused origin', { origin: APP }, { origin: 'https://evil.test' }, VARY],
    ['refused method', { origin: APP, methods: 'GET' }, { method: 'PUT' }, VARY],
    ['disabled', { origin: false }, {}, VARY],
    // A static '*' answer never depends on Origin, only on what was requested.
    [
      "allowed, origin '*'",
      {},
      {},
      'Access-Control-Request-Method, Access-Control-Request-Headers',
    ],
    [
      "refused method, origin '*'",
      { methods: 'GET' },
      { method: 'PUT' },
      'Access-Control-Request-Method, Access-Control-Request-Headers',
    ],
  ])('%s', (_label, options, request, vary) => {
    expect(preflight(options, request).vary).toBe(vary);
  });
});

describe('methods', () => {
  it.each<[methods: string | string[] | undefined, method: string, allowed: boolean]>([
    // No methods: the routed methods decide, by default those of app.enableCors().
    [undefined, 'PUT', true],
    [undefined, 'PATCH', true],
    [undefined, 'DELETE', true],
    [undefined, 'OPTIONS', false],
    [undefined, 'PROPFIND', false],
    [undefined, 'put', false],
    [undefined, 'patch', false],
    // Configured methods, compared case-sensitively.
    [['PUT'], 'PUT', true],
    [['PUT'], 'put', false],
    [['PUT'], 'DELETE', false],
    [['put'], 'PUT', true],
    [['put'], 'put', false],
    [['delete'], 'DELETE', true],
    [['patch'], 'patch', true],
    [['patch'], 'PATCH', false],
    [['PATCH'], 'patch', false],
    ['GET, PROPFIND', 'PROPFIND', true],
    ['GET, PROPFIND', 'propfind', false],
    // Safelisted methods need no listing.
    [['PUT'], 'GET', true],
    [['PUT'], 'HEAD', true],
    [['PUT'], 'POST', true],
    [[], 'GET', true],
    [[], 'PUT', false],
    [['PUT'], 'get', false],
    // Not method names at all.
    [undefined, '', false],
    [['PUT'], 'PU T', false],
    [['PUT'], 'PUT\r\n', false],
  ])('methods %j, requested %j -> %p', (methods, method, allowed) => {
    const decision = preflight({ methods }, { method });
    if (allowed) {
      expect(decision.outcome).toBe('allowed');
    } else {
      expect(decision).toMatchObject({
        outcome: 'refused',
        status: 403,
        refusal: { reason: 'method', value: method },
      });
    }
  });

  it.each<[methods: string | string[] | undefined, header: string]>([
    [undefined, 'GET,HEAD,PUT,PATCH,POST,DELETE'],
    [['put', 'patch'], 'PUT,patch'],
    ['DELETE', 'DELETE'],
  ])('methods %j -> Access-Control-Allow-Methods %j', (methods, header) => {
    const headers = allowedHeaders(preflight({ methods }, { method: 'GET' }));
    expect(headers['Access-Control-Allow-Methods']).toBe(header);
  });

  it.each<[method: string, allowed: boolean]>([
    ['PATCH', true],
    ['GET', true],
    ['PUT', false],
    ['DELETE', false],
  ])('without methods, the routed methods decide %j -> %p', (method, allowed) => {
    const decision = preflight({}, { method }, routedMethods('GET', 'HEAD', 'PATCH'));
    expect(decision.outcome).toBe(allowed ? 'allowed' : 'refused');
    if (allowed)
      expect(allowedHeaders(decision)['Access-Control-Allow-Methods']).toBe('GET,HEAD,PATCH');
  });

  it.each(['PU T', 'PUT\r\n', '', 'PUT,DELETE'])(
    'refuses %j, which is no method name, even when the routed methods say yes',
    (method) => {
      const anything: RoutedMethods = { has: () => true, header: () => 'GET,PUT' };
      expect(preflight({}, { method }, anything)).toMatchObject({
        outcome: 'refused',
        refusal: { reason: 'method', value: method },
      });
    },
  );

  it.each<[method: string, allowed: boolean]>([
    ['PUT', true],
    ['PATCH', false],
  ])('with methods, the routed methods are ignored: %j -> %p', (method, allowed) => {
    const decision = preflight({ methods: ['PUT'] }, { method }, routedMethods('PATCH'));
    expect(decision.outcome).toBe(allowed ? 'allowed' : 'refused');
    if (allowed) expect(allowedHeaders(decision)['Access-Control-Allow-Methods']).toBe('PUT');
  });

  it.each<[label: string, options: CorsPolicyOptions, method: string, allowed: boolean]>([
    ['the routed methods', {}, 'PUT', true],
    ["the policy's own list", { methods: ['GET', 'PUT', 'DELETE'] }, 'DELETE', true],
    ['a safelisted method', { methods: ['PUT'] }, 'GET', true],
    ['a method outside the list', { methods: ['PUT'] }, 'DELETE', false],
  ])(
    'names the requested method alone where the path asks it to, over %s',
    (_label, options, method, allowed) => {
      const alone = { ...routedMethods('GET', 'PUT', 'DELETE'), requestedAlone: true };
      const decision = preflight(options, { method }, alone);
      expect(decision.outcome).toBe(allowed ? 'allowed' : 'refused');
      if (allowed) expect(allowedHeaders(decision)['Access-Control-Allow-Methods']).toBe(method);
    },
  );

  it.each<[label: string, options: CorsPolicyOptions, method: string]>([
    ["'*'", { methods: '*' }, 'PUT'],
    ["'*' in a list", { methods: ['GET', '*'] }, 'DELETE'],
    ["'*' with credentials", { origin: APP, credentials: true, methods: '*' }, 'PROPFIND'],
    ["'*', a safelisted method", { methods: '*' }, 'POST'],
  ])(
    'methods %s allows any method and echoes it, whatever is routed',
    (_label, options, method) => {
      const decision = preflight(options, { method }, routedMethods('GET'));
      expect(decision.outcome).toBe('allowed');
      expect(allowedHeaders(decision)['Access-Control-Allow-Methods']).toBe(method);
    },
  );

  it("methods '*' still refuses what is no method name", () => {
    expect(preflight({ methods: '*' }, { method: 'PU T' })).toMatchObject({
      outcome: 'refused',
      refusal: { reason: 'method', value: 'PU T' },
    });
  });
});

describe('request headers', () => {
  const TOO_MANY_NAMES = Array.from({ length: 65 }, (_, i) => `x-${i}`);

  it.each<
    [
      label: string,
      options: CorsPolicyOptions,
      requested: string | string[] | undefined,
      echoed: string | undefined,
    ]
  >([
    ['unset, none requested', {}, undefined, undefined],
    ['unset, empty value', {}, '', undefined],
    ["unset, the browser's form", {}, 'content-type,x-trace', 'content-type,x-trace'],
    ['unset, Authorization', {}, 'Authorization', 'authorization'],
    ['unset, reformatted by a proxy', {}, ' X-Trace ,, Content-Type', 'x-trace,content-type'],
    ['unset, several lines', {}, ['X-A', 'x-b, x-c'], 'x-a,x-b,x-c'],
    [
      "'*', Authorization",
      { allowedHeaders: '*' },
      'authorization,x-trace',
      'authorization,x-trace',
    ],
    [
      "'*' with credentials",
      { origin: APP, credentials: true, allowedHeaders: '*' },
      'authorization',
      'authorization',
    ],
    ["'*' in a list", { allowedHeaders: ['X-A', '*'] }, 'x-b', 'x-b'],
  ])('reflected when allowedHeaders is %s', (_label, options, requested, echoed) => {
    const headers = allowedHeaders(preflight(options, { headers: requested }));
    expect(headers['Access-Control-Allow-Headers']).toBe(echoed);
  });

  it.each<[requested: string | string[] | undefined, denied: string | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['content-type', undefined],
    ['Content-Type,X-TRACE', undefined],
    [['x-trace', 'content-type'], undefined],
    ['authorization', 'authorization'],
    ['x-trace,authorization', 'authorization'],
    ['x-other,content-type,x-more', 'x-other,x-more'],
    ['*', '*'],
  ])('configured allowedHeaders compare case-insensitively: %j', (requested, denied) => {
    const decision = preflight(
      { allowedHeaders: ['Content-Type', 'X-Trace'] },
      { headers: requested },
    );
    if (denied === undefined) {
      expect(allowedHeaders(decision)['Access-Control-Allow-Headers']).toBe('Content-Type,X-Trace');
    } else {
      expect(decision).toMatchObject({
        outcome: 'refused',
        status: 403,
        refusal: { reason: 'headers', value: denied },
      });
    }
  });

  it('refuses every requested header when allowedHeaders is empty', () => {
    expect(preflight({ allowedHeaders: [] }, { headers: 'x-a' })).toMatchObject({
      refusal: { reason: 'headers', value: 'x-a' },
    });
    expect(allowedHeaders(preflight({ allowedHeaders: [] }))).not.toHaveProperty(
      'Access-Control-Allow-Headers',
    );
  });

  it.each<[label: string, requested: string | string[], excerpt: string]>([
    ['an invalid name', 'x trace', '"x trace"'],
    ['a semicolon', 'x-a;x-b', '"x-a;x-b"'],
    [
      'too many names',
      TOO_MANY_NAMES,
      `${JSON.stringify(TOO_MANY_NAMES.join(',').slice(0, 64))}... (${TOO_MANY_NAMES.join(',').length} characters)`,
    ],
    ['a 1 MiB value', 'x'.repeat(1 << 20), `"${'x'.repeat(64)}"... (1048576 characters)`],
  ])('refuses %s, described by a bounded excerpt', (_label, requested, excerpt) => {
    const decision = preflight({}, { headers: requested });
    expect(decision).toEqual({
      outcome: 'refused',
      status: 403,
      refusal: {
        reason: 'headers',
        value: typeof requested === 'string' ? requested : requested.join(','),
      },
      vary: 'Access-Control-Request-Method, Access-Control-Request-Headers',
    });
    const text = describeRefusal((decision as { refusal: CorsRefusal }).refusal);
    expect(text).toBe(`request header(s) ${excerpt} not allowed`);
    expect(text.length).toBeLessThan(200);
  });
});

describe('private network access', () => {
  it.each<
    [
      allowPrivateNetwork: boolean,
      privateNetwork: boolean | undefined,
      outcome: string,
      header: string | undefined,
    ]
  >([
    [true, true, 'allowed', 'true'],
    [true, false, 'allowed', undefined],
    [true, undefined, 'allowed', undefined],
    [false, true, 'refused', undefined],
    [false, false, 'allowed', undefined],
  ])(
    'allowPrivateNetwork %p, requested %p -> %s',
    (allowPrivateNetwork, privateNetwork, outcome, header) => {
      const decision = preflight({ origin: APP, allowPrivateNetwork }, { privateNetwork });
      expect(decision.outcome).toBe(outcome);
      if (decision.outcome === 'allowed') {
        expect(headerRecord(decision.headers)['Access-Control-Allow-Private-Network']).toBe(header);
      } else {
        expect(decision.refusal).toEqual({ reason: 'private-network', value: 'true' });
      }
    },
  );
});

describe('a refused preflight', () => {
  it.each<
    [
      reason: CorsRefusalReason,
      options: CorsPolicyOptions,
      request: Partial<PreflightRequest>,
      value: string,
    ]
  >([
    [
      'origin',
      { origin: APP, credentials: true, maxAge: 600 },
      { origin: 'https://evil.test' },
      'https://evil.test',
    ],
    ['origin', { origin: true }, { origin: 'null' }, 'null'],
    [
      'origin',
      { origin: true },
      { origin: 'https://app.example.com/' },
      'https://app.example.com/',
    ],
    ['method', { origin: APP, methods: ['GET'], maxAge: 600 }, { method: 'DELETE' }, 'DELETE'],
    ['headers', { origin: APP, allowedHeaders: ['x-a'] }, { headers: 'x-b' }, 'x-b'],
    ['private-network', { origin: APP }, { privateNetwork: true }, 'true'],
    ['disabled', { origin: false }, {}, APP],
  ])(
    'for its %s carries a 403 and no Access-Control-Allow-* headers',
    (reason, options, request, value) => {
      const decision = preflight(options, request);
      expect(decision).toEqual({
        outcome: 'refused',
        status: 403,
        refusal: { reason, value },
        vary: VARY,
      });
      expect(Object.keys(decision).sort()).toEqual(['outcome', 'refusal', 'status', 'vary']);
    },
  );

  it('checks the origin before the method and the headers', () => {
    expect(
      preflight(
        { origin: APP, methods: ['GET'] },
        { origin: 'https://evil.test', method: 'PU T', headers: 'x y' },
      ),
    ).toMatchObject({ refusal: { reason: 'origin' } });
  });
});

describe('preflights with an origin function', () => {
  it.each<[label: string, allow: CorsOriginFunction, outcome: string]>([
    ['returns true', () => true, 'allowed'],
    ['resolves true', async () => true, 'allowed'],
    ['resolves false', async () => false, 'refused'],
  ])('follow a function that %s', async (_label, allow, outcome) => {
    const decision = await decidePreflight(
      policyOf({ origin: allow }),
      { origin: APP, method: 'PUT' },
      {},
    );
    expect(decision.outcome).toBe(outcome);
    if (decision.outcome === 'allowed') {
      expect(headerRecord(decision.headers)['Access-Control-Allow-Origin']).toBe(APP);
    }
  });

  it('pass the request object to the function', async () => {
    const allow = jest.fn<CorsOriginFunction>(async () => true);
    const request = { url: '/users' };
    await decidePreflight(policyOf({ origin: allow }), { origin: APP, method: 'PUT' }, request);
    expect(allow).toHaveBeenCalledWith(APP, request);
  });

  it.each<[label: string, allow: CorsOriginFunction]>([
    [
      'throws',
      () => {
        throw new Error('lookup failed');
      },
    ],
    ['rejects', () => Promise.reject(new Error('lookup failed'))],
  ])('refuse with the error when the function %s', async (_label, allow) => {
    const decision = await decidePreflight(
      policyOf({ origin: allow }),
      { origin: APP, method: 'PUT' },
      {},
    );
    expect(decision).toEqual({
      outcome: 'refused',
      status: 403,
      refusal: { reason: 'origin', value: APP, error: new Error('lookup failed') },
      vary: VARY,
    });
  });
});
