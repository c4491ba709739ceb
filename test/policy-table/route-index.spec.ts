import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { RouteIndex, type RouteSlot } from '../../lib/policy-table/route-index.js';

type Syntax = 'express' | 'fastify';
type Route = readonly [method: string, path: string, value: string];

interface Flags {
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
  /** fastify's `exposeHeadRoutes` (on unless set false). */
  readonly exposesHeadRoutes?: boolean;
}

const SYNTAXES: Syntax[] = ['express', 'fastify'];
const FLAGS: Flags[] = [
  { caseSensitive: true, ignoreTrailingSlash: true },
  { caseSensitive: true, ignoreTrailingSlash: false },
  { caseSensitive: false, ignoreTrailingSlash: true },
  { caseSensitive: false, ignoreTrailingSlash: false },
];
const CONFIGS = SYNTAXES.flatMap((syntax) =>
  FLAGS.map((flags): [Syntax, boolean, boolean] => [
    syntax,
    flags.caseSensitive,
    flags.ignoreTrailingSlash,
  ]),
);

function buildIndex(syntax: Syntax, flags: Flags, routes: readonly Route[]): RouteIndex<string> {
  const index = new RouteIndex<string>({
    syntax,
    ...flags,
    ignoreDuplicateSlashes: false,
    // As each adapter's router: fastify's default limit, none on express.
    maxParamLength: syntax === 'express' ? Number.POSITIVE_INFINITY : 100,
  });
  for (const [method, path, value] of routes) index.add(method, path, value);
  index.seal();
  return index;
}

/**
 * The same index without its static-path map: every lookup walks the radix tree
 * (and the fallback matchers), which is what the map must agree with.
 */
function withoutStaticMap(index: RouteIndex<string>): RouteIndex<string> {
  const { staticPaths } = index as unknown as { staticPaths: unknown };
  if (!(staticPaths instanceof Map)) throw new Error('RouteIndex no longer has staticPaths');
  staticPaths.clear();
  return index;
}

const routesOf = (slot: RouteSlot<string> | undefined) => slot?.routes;

/** Routes written in each syntax that mean the same thing. */
function sampleRoutes(syntax: Syntax): Route[] {
  return [
    ['GET', '/', 'root'],
    ['GET', '/a/b', 'ab'],
    ['POST', '/a/b', 'post ab'],
    ['GET', '/Mixed/Case', 'mixed'],
    ['GET', '/users/me', 'me'],
    ['GET', '/users/:id', 'user'],
    syntax === 'express' ? ['GET', '/docs{/:page}', 'docs'] : ['GET', '/docs/:page?', 'docs'],
    syntax === 'express' ? ['GET', '/static/*path', 'static'] : ['GET', '/static/*', 'static'],
  ];
}

type Expected = string | undefined | ((flags: Flags, syntax: Syntax) => string | undefined);

const caseInsensitiveOnly = (value: string) => (flags: Flags) =>
  flags.caseSensitive ? undefined : value;
const trailingSlashOnly = (value: string) => (flags: Flags) =>
  flags.ignoreTrailingSlash ? value : undefined;
/** find-my-way decodes the path before matching; express matches it as sent. */
const decodedOnFastify =
  (onFastify: Expected, onExpress: string | undefined) => (flags: Flags, syntax: Syntax) =>
    syntax === 'express'
      ? onExpress
      : typeof onFastify === 'function'
        ? onFastify(flags, syntax)
        : onFastify;

const SAMPLE_REQUESTS: Array<[method: string, url: string, expected: Expected]> = [
  ['GET', '/a/b', 'ab'],
  ['GET', '/a/b?x=1', 'ab'],
  ['GET', '/a/b?', 'ab'],
  ['GET', '/a/b?x=1#top', 'ab'],
  ['GET', '/a/b#top', 'ab'],
  ['GET', '/a/%62', decodedOnFastify('ab', undefined)],
  ['GET', '/%61/%62?x=1', decodedOnFastify('ab', undefined)],
  ['GET', '/a%2Fb', undefined],
  ['GET', '/A/B', caseInsensitiveOnly('ab')],
  ['GET', '/a/B?x=1', caseInsensitiveOnly('ab')],
  ['GET', '/a/%42', decodedOnFastify(caseInsensitiveOnly('ab'), undefined)],
  ['GET', '/a/b/', trailingSlashOnly('ab')],
  ['GET', '/a/b/?x=1', trailingSlashOnly('ab')],
  [
    'GET',
    '/A/B/',
    (flags) => (!flags.caseSensitive && flags.ignoreTrailingSlash ? 'ab' : undefined),
  ],
  ['GET', '/a', undefined],
  ['GET', '/a/bc', undefined],
  ['GET', '/a/b/c', undefined],
  ['GET', '/a/b;x', undefined],
  ['GET', '/Mixed/Case', 'mixed'],
  ['GET', '/mixed/case', caseInsensitiveOnly('mixed')],
  ['GET', '/MIXED/CASE?x=1', caseInsensitiveOnly('mixed')],
  ['GET', '/', 'root'],
  ['GET', '/?x=1', 'root'],
  ['GET', '/users/me', 'me'],
  ['GET', '/users/me?x=1', 'me'],
  ['GET', '/users/%6De', decodedOnFastify('me', 'user')],
  ['GET', '/users/me/', trailingSlashOnly('me')],
  ['GET', '/users/ME', (flags) => (flags.caseSensitive ? 'user' : 'me')],
  ['GET', '/USERS/me', caseInsensitiveOnly('me')],
  ['GET', '/users/42', 'user'],
  ['GET', '/users/42?x=1', 'user'],
  ['GET', '/docs', 'docs'],
  ['GET', '/docs?x=1', 'docs'],
  ['GET', '/docs/intro', 'docs'],
  ['GET', '/static/css/site.css', 'static'],
  ['POST', '/a/b', 'post ab'],
  ['POST', '/a/b?x=1', 'post ab'],
  ['POST', '/A/B', caseInsensitiveOnly('post ab')],
  ['POST', '/users/me', undefined],
  ['PUT', '/a/b', undefined],
  ['DELETE', '/users/me', undefined],
  ['GET', '/nothing', undefined],
];

describe.each(CONFIGS)(
  'RouteIndex on %s syntax, caseSensitive %s, ignoreTrailingSlash %s',
  (syntax, caseSensitive, ignoreTrailingSlash) => {
    const flags = { caseSensitive, ignoreTrailingSlash };
    const index = buildIndex(syntax, flags, sampleRoutes(syntax));
    const tree = withoutStaticMap(buildIndex(syntax, flags, sampleRoutes(syntax)));

    it.each(SAMPLE_REQUESTS)('finds %s %s', (method, url, expected) => {
      const value = typeof expected === 'function' ? expected(flags, syntax) : expected;
      expect(routesOf(index.find(method, url))).toEqual(value === undefined ? undefined : [value]);
      // The static-path map answers exactly what the tree does.
      expect(routesOf(tree.find(method, url))).toEqual(routesOf(index.find(method, url)));
    });

    it('gives a static path and its query variants the same slot, and its encoded ones on fastify', () => {
      const slot = index.find('GET', '/a/b');
      expect(slot).toBeDefined();
      for (const url of ['/a/b?x=1', '/a/b#top']) expect(index.find('GET', url)).toBe(slot);
      for (const url of ['/a/%62', '/%61/b'])
        expect(index.find('GET', url)).toBe(syntax === 'fastify' ? slot : undefined);
      expect(index.find('GET', '/A/B') === slot).toBe(!caseSensitive);
      expect(index.find('GET', '/a/b/') === slot).toBe(ignoreTrailingSlash);
    });
  },
);

describe('route order', () => {
  const shadowed: Route[] = [
    ['GET', '/users/:id', 'param'],
    ['GET', '/users/me', 'me'],
  ];

  it.each<[Syntax, string]>([
    ['express', 'param'],
    ['fastify', 'me'],
  ])(
    'on %s, a parametric route registered before a static one it matches gives %s',
    (syntax, expected) => {
      for (const flags of FLAGS) {
        const index = buildIndex(syntax, flags, shadowed);
        for (const url of ['/users/me', '/users/me?x=1', '/users/%6De'])
          expect(routesOf(index.find('GET', url))).toEqual([expected]);
        expect(routesOf(index.find('GET', '/users/other'))).toEqual(['param']);
      }
    },
  );

  it.each(SYNTAXES)('on %s, a static route registered first wins', (syntax) => {
    const index = buildIndex(syntax, FLAGS[0], [...shadowed].reverse());
    expect(routesOf(index.find('GET', '/users/me'))).toEqual(['me']);
    expect(routesOf(index.find('GET', '/users/other'))).toEqual(['param']);
  });

  it.each<[Syntax, string]>([
    ['express', 'all'],
    ['fastify', 'me'],
  ])('on %s, an earlier ALL parametric route gives %s for GET', (syntax, expected) => {
    const index = buildIndex(syntax, FLAGS[0], [
      ['ALL', '/users/:id', 'all'],
      ['GET', '/users/me', 'me'],
    ]);
    expect(routesOf(index.find('GET', '/users/me'))).toEqual([expected]);
    expect(routesOf(index.find('POST', '/users/me'))).toEqual(['all']);
  });

  it('on express, an ALL route after a GET at the same path serves every other method', () => {
    const index = buildIndex('express', FLAGS[0], [
      ['GET', '/things', 'get'],
      ['ALL', '/things', 'all'],
    ]);
    expect(routesOf(index.find('GET', '/things'))).toEqual(['get']);
    for (const method of ['DELETE', 'PUT', 'POST', 'PATCH', 'OPTIONS', 'PROPFIND'])
      expect(routesOf(index.find(method, '/things'))).toEqual(['all']);
  });

  it('on express, an ALL route before a GET at the same path serves GET too', () => {
    const index = buildIndex('express', FLAGS[0], [
      ['ALL', '/things', 'all'],
      ['GET', '/things', 'get'],
    ]);
    expect(routesOf(index.find('GET', '/things'))).toEqual(['all']);
    expect(routesOf(index.find('DELETE', '/things'))).toEqual(['all']);
  });

  it('on express, an earlier parametric route of another method does not take a static path', () => {
    const index = buildIndex('express', FLAGS[0], [
      ['POST', '/users/:id', 'post param'],
      ['GET', '/users/me', 'me'],
    ]);
    expect(routesOf(index.find('GET', '/users/me'))).toEqual(['me']);
    expect(routesOf(index.find('POST', '/users/me'))).toEqual(['post param']);
  });

  it('on express, an earlier parametric route takes a static path deeper than its prefix', () => {
    const index = buildIndex('express', FLAGS[0], [
      ['GET', '/:section/me', 'section'],
      ['GET', '/users/me', 'me'],
      ['GET', '/users/you', 'you'],
    ]);
    expect(routesOf(index.find('GET', '/users/me'))).toEqual(['section']);
    expect(routesOf(index.find('GET', '/users/you'))).toEqual(['you']);
  });

  it.each<[boolean, string]>([
    [true, 'me'],
    [false, 'param'],
  ])(
    'on express with caseSensitive %s, /Users/:id registered before /users/me gives %s',
    (caseSensitive, expected) => {
      const index = buildIndex('express', { caseSensitive, ignoreTrailingSlash: false }, [
        ['GET', '/Users/:id', 'param'],
        ['GET', '/users/me', 'me'],
      ]);
      expect(routesOf(index.find('GET', '/users/me'))).toEqual([expected]);
    },
  );
});

describe('HEAD', () => {
  it.each(SYNTAXES)('falls back to GET on %s', (syntax) => {
    const index = buildIndex(syntax, FLAGS[0], sampleRoutes(syntax));
    for (const url of ['/a/b', '/a/b?x=1', '/a/%62', '/users/me', '/users/42', '/docs'])
      expect(index.find('HEAD', url)).toBe(index.find('GET', url));
    expect(index.find('HEAD', '/a/b')?.method).toBe('GET');
    expect(index.find('HEAD', '/nothing')).toBeUndefined();
  });

  it.each<[Syntax, 'before' | 'after', boolean, string]>([
    ['express', 'before', true, 'head'],
    ['express', 'after', true, 'get'],
    ['fastify', 'before', true, 'head'],
    // fastify refuses a HEAD route after the GET of its path while it adds HEAD routes itself.
    ['fastify', 'after', false, 'head'],
  ])(
    'on %s, a HEAD route registered %s GET (HEAD routes added: %s) gives %s',
    (syntax, when, exposesHeadRoutes, expected) => {
      const head: Route = ['HEAD', '/a/b', 'head'];
      const get: Route = ['GET', '/a/b', 'get'];
      const flags = { ...FLAGS[0], exposesHeadRoutes };
      const index = buildIndex(syntax, flags, when === 'before' ? [head, get] : [get, head]);
      expect(routesOf(index.find('HEAD', '/a/b'))).toEqual([expected]);
      expect(routesOf(index.find('HEAD', '/a/b?x=1'))).toEqual([expected]);
      expect(routesOf(index.find('GET', '/a/b'))).toEqual(['get']);
    },
  );

  it.each([true, false])(
    'on fastify, the HEAD route it adds for a static GET path outranks a parametric HEAD route (static map: %s)',
    (staticMap) => {
      const routes: Route[] = [
        ['HEAD', '/items/:id', 'head'],
        ['GET', '/items/list', 'list'],
      ];
      const built = buildIndex('fastify', FLAGS[0], routes);
      const index = staticMap ? built : withoutStaticMap(built);
      expect(routesOf(index.find('HEAD', '/items/list'))).toEqual(['list']);
      expect(routesOf(index.find('HEAD', '/items/7'))).toEqual(['head']);
      const withoutAdded = buildIndex('fastify', { ...FLAGS[0], exposesHeadRoutes: false }, routes);
      expect(routesOf(withoutAdded.find('HEAD', '/items/list'))).toEqual(['head']);
      expect(withoutAdded.find('HEAD', '/items')).toBeUndefined();
    },
  );

  it.each([true, false])(
    'on fastify, an ALL route and the routes of one method at its path are weighed together (ALL first: %s)',
    (allFirst) => {
      const all: Route = ['ALL', '/drafts', 'all'];
      const own: Route[] = [
        ['POST', '/drafts', 'post'],
        ['GET', '/drafts', 'get'],
      ];
      const index = buildIndex('fastify', FLAGS[0], allFirst ? [all, ...own] : [...own, all]);
      const expected = (route: string) => (allFirst ? ['all', route] : [route, 'all']);
      expect(routesOf(index.find('POST', '/drafts'))).toEqual(expected('post'));
      expect(routesOf(index.find('GET', '/drafts'))).toEqual(expected('get'));
      // HEAD through the route fastify adds for the GET one.
      expect(routesOf(index.find('HEAD', '/drafts'))).toEqual(expected('get'));
      expect(routesOf(index.find('PUT', '/drafts'))).toEqual(['all']);
    },
  );

  it('on express, GET through an earlier parametric route wins over a later HEAD route', () => {
    const index = buildIndex('express', FLAGS[0], [
      ['GET', '/users/:id', 'param'],
      ['HEAD', '/users/me', 'head me'],
    ]);
    expect(routesOf(index.find('HEAD', '/users/me'))).toEqual(['param']);
  });
});

describe('express precedence', () => {
  const expressIndex = (routes: readonly Route[]) => buildIndex('express', FLAGS[0], routes);

  it('serves HEAD with an earlier GET route before a later ALL route the tree cannot hold', () => {
    const index = expressIndex([
      ['GET', '/a/edit', 'get'],
      ['ALL', '/{*rest}/edit', 'all'],
    ]);
    expect(routesOf(index.find('HEAD', '/a/edit'))).toEqual(['get']);
    expect(routesOf(index.find('POST', '/a/edit'))).toEqual(['all']);
  });

  it('matches the text after a parameter, which find-my-way reads as part of its name', () => {
    const index = expressIndex([['GET', '/u/:id~raw', 'raw']]);
    expect(routesOf(index.find('GET', '/u/42~raw'))).toEqual(['raw']);
    expect(index.find('GET', '/u/42')).toBeUndefined();
  });

  it('matches the text after a parameter in any case when routes are case-insensitive', () => {
    const routes: Route[] = [
      ['GET', '/files/:id.json', 'json'],
      ['GET', '/v/:a-x-:b', 'pair'],
      ['GET', '/up/:id.JSON', 'upper'],
      ['GET', '/up/:id.json', 'lower'],
    ];
    const insensitive = buildIndex('express', FLAGS[2], routes);
    expect(routesOf(insensitive.find('GET', '/files/a.JSON'))).toEqual(['json']);
    expect(routesOf(insensitive.find('HEAD', '/FILES/a.Json'))).toEqual(['json']);
    expect(routesOf(insensitive.find('GET', '/v/q-X-r'))).toEqual(['pair']);
    // The first registered of two routes express reads alike serves both spellings.
    expect(routesOf(insensitive.find('GET', '/up/7.json'))).toEqual(['upper']);
    expect(routesOf(insensitive.find('GET', '/UP/7.Json'))).toEqual(['upper']);
    const sensitive = expressIndex(routes);
    expect(sensitive.find('GET', '/files/a.JSON')).toBeUndefined();
    expect(routesOf(sensitive.find('GET', '/files/a.json'))).toEqual(['json']);
  });

  it('matches a "%" in a registered path against the path as sent', () => {
    const alone = buildIndex('express', FLAGS[2], [['GET', '/a%20b', 'encoded']]);
    expect(routesOf(alone.find('GET', '/a%20b'))).toEqual(['encoded']);
    expect(alone.find('GET', '/a b')).toBeUndefined();
    // Matched whole, with its optional group, before a later parameter route.
    const grouped = buildIndex('express', FLAGS[0], [
      ['GET', '/a%41{/a}', 'group'],
      ['GET', '/:name', 'param'],
    ]);
    expect(routesOf(grouped.find('GET', '/a%41'))).toEqual(['group']);
    expect(routesOf(grouped.find('GET', '/a%41/a'))).toEqual(['group']);
    // The tree decodes "/%41/" to "/a", whose route does not match it as sent: express's
    // choice is the earliest route that does, among those that may come before "/:x".
    const decoded = buildIndex('express', FLAGS[2], [
      ['GET', '/a', 'a'],
      ['GET', '/%41', 'encoded'],
      ['GET', '/:x', 'param'],
    ]);
    expect(routesOf(decoded.find('GET', '/%41/'))).toEqual(['encoded']);
    expect(routesOf(decoded.find('GET', '/%42'))).toEqual(['param']);
    // Methods at one such path are routed together, whatever their parameters are called.
    const methods = buildIndex('express', FLAGS[0], [
      ['GET', '/a%20b/:id', 'get'],
      ['PUT', '/a%20b/:itemId/', 'put'],
    ]);
    expect([...methods.find('GET', '/a%20b/7')!.siblings.keys()]).toEqual(['GET', 'PUT']);
    expect(methods.find('PUT', '/a%20b/7')!.siblings).toBe(
      methods.find('GET', '/a%20b/7')!.siblings,
    );
    const index = buildIndex('express', FLAGS[2], [
      ['GET', '/a%20b', 'encoded'],
      ['GET', '/:name', 'param'],
    ]);
    expect(routesOf(index.find('GET', '/a%20b'))).toEqual(['encoded']);
    expect(routesOf(index.find('GET', '/A%20B'))).toEqual(['encoded']);
    expect(routesOf(index.find('GET', '/a b'))).toEqual(['param']);
  });

  // The host's own setting (no limit on express) is what the e2e suite checks.
  it('matches a parameter of any length when given no limit', () => {
    const index = expressIndex([['GET', '/users/:id', 'user']]);
    expect(routesOf(index.find('GET', `/users/${'7'.repeat(20_000)}`))).toEqual(['user']);
  });

  it('asks for the slash before an optional group, as express does', () => {
    const index = buildIndex('express', FLAGS[2], [
      ['GET', '/a/{a}', 'group'],
      ['GET', '/a', 'bare'],
    ]);
    expect(routesOf(index.find('GET', '/a'))).toEqual(['bare']);
    expect(routesOf(index.find('GET', '/a/'))).toEqual(['group']);
    expect(routesOf(index.find('GET', '/a//'))).toEqual(['group']);
    expect(routesOf(index.find('GET', '/A/a'))).toEqual(['group']);
    const alone = buildIndex('express', FLAGS[2], [['GET', '/a/{a}', 'group']]);
    expect(alone.find('GET', '/a')).toBeUndefined();
    // Groups that leave slashes alone: the variant is "/" to express, and may take "//".
    const slashes = buildIndex('express', FLAGS[0], [
      ['GET', '/{:x}/{a}', 'group'],
      ['GET', '/', 'root'],
    ]);
    expect(routesOf(slashes.find('GET', '//'))).toEqual(['group']);
    expect(routesOf(slashes.find('HEAD', '//'))).toEqual(['group']);
    expect(routesOf(slashes.find('GET', '/'))).toEqual(['root']);
  });

  it("answers through the optional group's variant that matches", () => {
    const index = expressIndex([
      ['GET', '/x', 'bare'],
      ['GET', '/x{/:q}', 'optional'],
      ['GET', '/x/z', 'static'],
    ]);
    expect(routesOf(index.find('GET', '/x/z'))).toEqual(['optional']);
    expect(routesOf(index.find('GET', '/x'))).toEqual(['bare', 'optional']);
  });

  it.each(SYNTAXES)('on %s, reads the path of an absolute-form request target', (syntax) => {
    const index = buildIndex(syntax, FLAGS[0], sampleRoutes(syntax));
    expect(routesOf(index.find('GET', 'http://api.example/users/42?x=1'))).toEqual(['user']);
    expect(routesOf(index.find('GET', 'http://api.example/a/b'))).toEqual(['ab']);
  });
});

describe('registrations', () => {
  it.each(SYNTAXES)('keeps every route added at one pattern, in order, on %s', (syntax) => {
    const index = buildIndex(syntax, FLAGS[0], [
      ['GET', '/a/b', 'first'],
      ['GET', '/a/b', 'second'],
      ['GET', '/users/:id', 'user'],
      ['GET', '/users/:name', 'named'],
    ]);
    expect(routesOf(index.find('GET', '/a/b'))).toEqual(['first', 'second']);
    expect(routesOf(index.find('GET', '/users/1'))).toEqual(['user', 'named']);
    expect(index.find('GET', '/a/b')?.siblings.get('GET')).toBe(index.find('GET', '/a/b'));
  });
});

// Property tests: random route sets, random request paths.

const METHODS = ['GET', 'POST', 'HEAD', 'ALL'] as const;
const REQUEST_METHODS = ['GET', 'POST', 'HEAD', 'PUT'];

type Token =
  | { kind: 'static'; value: string }
  | { kind: 'param' }
  | { kind: 'suffixed' }
  | { kind: 'dotted'; value: string }
  | { kind: 'percent'; value: string }
  | { kind: 'wildcard' }
  | { kind: 'optional'; value: string }
  | { kind: 'optionalAfterSlash'; value: string };

const segment = fc.constantFrom('a', 'b', 'A', 'ab', 'Ab', 'users', 'me');
const token: fc.Arbitrary<Token> = fc.oneof(
  { weight: 5, arbitrary: segment.map((value): Token => ({ kind: 'static', value })) },
  { weight: 2, arbitrary: fc.constant<Token>({ kind: 'param' }) },
  { weight: 1, arbitrary: fc.constant<Token>({ kind: 'suffixed' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('json', 'JSON').map((value): Token => ({ kind: 'dotted', value })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('a%41', '%41').map((value): Token => ({ kind: 'percent', value })),
  },
  { weight: 1, arbitrary: segment.map((value): Token => ({ kind: 'optional', value })) },
  {
    weight: 1,
    arbitrary: segment.map((value): Token => ({ kind: 'optionalAfterSlash', value })),
  },
);

interface RouteSpec {
  readonly method: (typeof METHODS)[number];
  readonly tokens: Token[];
  readonly trailingSlash: boolean;
}

const routeSpec: fc.Arbitrary<RouteSpec> = fc.record({
  method: fc.constantFrom(...METHODS),
  tokens: fc
    .tuple(fc.array(token, { maxLength: 3 }), fc.boolean())
    .map(([tokens, wildcard]) => (wildcard ? [...tokens, { kind: 'wildcard' } as Token] : tokens)),
  trailingSlash: fc.boolean(),
});

/** One route path in the adapter's syntax; parameters are named by position. */
function render(spec: RouteSpec, syntax: Syntax): string {
  let path = '';
  spec.tokens.forEach((t, i) => {
    if (t.kind === 'static') path += `/${t.value}`;
    else if (t.kind === 'param') path += `/:p${i}`;
    // Text after a parameter: find-my-way reads "~" as part of the name, express as text.
    else if (t.kind === 'suffixed') path += `/:p${i}~x`;
    // Text after a parameter that find-my-way reads as static.
    else if (t.kind === 'dotted') path += `/:p${i}.${t.value}`;
    // fastify decodes a registered "%"; a plain segment stands in.
    else if (t.kind === 'percent') path += syntax === 'express' ? `/${t.value}` : '/a';
    else if (t.kind === 'wildcard') path += syntax === 'express' ? `/*w${i}` : '/*';
    // fastify has no optional static segment; a plain one stands in.
    else if (t.kind === 'optional') path += syntax === 'express' ? `{/${t.value}}` : `/${t.value}`;
    else path += syntax === 'express' ? `/{${t.value}}` : `/${t.value}`;
  });
  const last = spec.tokens.at(-1);
  if (spec.trailingSlash && last?.kind !== 'wildcard') path += '/';
  return path === '' ? '/' : path;
}

const routeSet = fc.array(routeSpec, { minLength: 1, maxLength: 8 });
const pathPiece = fc.constantFrom(
  '/',
  '/',
  'a',
  'b',
  'A',
  'ab',
  'users',
  'me',
  '%62',
  '%41',
  '%2F',
  ':',
  ';',
  '?',
  '#',
  'x=1',
  '~x',
  '.json',
  '.JSON',
  // Longer than fastify's default limit on a parameter's length.
  'x'.repeat(120),
);
const requestPath = fc.array(pathPiece, { maxLength: 8 }).map((pieces) => `/${pieces.join('')}`);
/** A request target in origin form or, as a proxy may pass it on, absolute form. */
const requestTarget = fc
  .tuple(requestPath, fc.boolean())
  .map(([path, absolute]) => (absolute ? `http://api.example${path}` : path));
const flags: fc.Arbitrary<Flags> = fc.constantFrom(...FLAGS);
const syntax = fc.constantFrom(...SYNTAXES);

function toRoutes(specs: readonly RouteSpec[], syntax: Syntax): Route[] {
  return specs.map((spec, i) => [spec.method, render(spec, syntax), `r${i}`]);
}

/** Every registered path, as is and with a query, plus the random ones. */
function requestsFor(routes: readonly Route[], random: readonly string[]): string[] {
  return [...routes.flatMap(([, path]) => [path, `${path}?x=1`]), ...random];
}

const summary = (slot: RouteSlot<string> | undefined) =>
  slot && { method: slot.method, pattern: slot.pattern, routes: slot.routes };

/** express's own router (the one express 5 runs), as the reference for express. */
type ExpressRouter = ((request: object, response: object, done: () => void) => void) & {
  route(
    path: string,
  ): Record<
    string,
    (handler: (request: unknown, response: Served, next: () => void) => void) => void
  >;
};
interface Served {
  served(value: string): void;
}
const Router = createRequire(import.meta.url)('router') as (options: object) => ExpressRouter;

/** The route express serves a request with, if any. */
function servedByExpress(router: ExpressRouter, method: string, url: string) {
  return new Promise<string | undefined>((resolve) =>
    router({ method, url, headers: {} }, { served: resolve }, () => resolve(undefined)),
  );
}

/** Express's own router with the routes, each handler saying it served; `handOn` makes each call `next()`. */
function expressRouterOf(flags: Flags, routes: readonly Route[], handOn: boolean): ExpressRouter {
  const router = Router({ caseSensitive: flags.caseSensitive, strict: !flags.ignoreTrailingSlash });
  for (const [method, path, value] of routes) {
    const route = router.route(path);
    route[method === 'ALL' ? 'all' : method.toLowerCase()]((_, response, next) => {
      response.served(value);
      if (handOn) next();
    });
  }
  return router;
}

/**
 * Random express route tables and requests for them: `check` compares the
 * index with express's own router for every request method.
 */
function everyExpressRequest(
  handOn: boolean,
  numRuns: number,
  check: (
    router: ExpressRouter,
    index: RouteIndex<string>,
    method: string,
    url: string,
  ) => Promise<void>,
) {
  return fc.assert(
    fc.asyncProperty(
      flags,
      routeSet,
      fc.array(requestTarget, { maxLength: 20 }),
      async (flags, specs, random) => {
        const routes = toRoutes(specs, 'express');
        const router = expressRouterOf(flags, routes, handOn);
        const index = buildIndex('express', flags, routes);
        for (const url of requestsFor(routes, random))
          for (const method of REQUEST_METHODS) await check(router, index, method, url);
      },
    ),
    { numRuns },
  );
}

/** Every route express tries for a request whose handlers all hand it on, in order. */
function triedByExpress(router: ExpressRouter, method: string, url: string) {
  return new Promise<string[]>((resolve) => {
    const tried: string[] = [];
    router({ method, url, headers: {} }, { served: (value: string) => tried.push(value) }, () =>
      resolve(tried),
    );
  });
}

describe('RouteIndex properties', () => {
  it.each(FLAGS)(
    'on express, serves runs of slashes as express does, among routes of slashes and optional groups (%o)',
    async (flags) => {
      // Found by a fuzz run: the tree gave "//" and "///" to the wildcard route, and "/" to "//{:x}".
      const routes: Route[] = [
        ['GET', '//{:x}', 'slashes'],
        ['GET', '/', 'root'],
        ['GET', '{/*rest}', 'wildcard'],
      ];
      const router = Router({
        caseSensitive: flags.caseSensitive,
        strict: !flags.ignoreTrailingSlash,
      });
      for (const [, path, value] of routes)
        router.route(path).get((_, response) => response.served(value));
      const index = buildIndex('express', flags, routes);
      for (const url of ['/', '//', '///', '////', '//a', '//a/', '///a']) {
        const expected = await servedByExpress(router, 'GET', url);
        // Routes sharing a slot are alternatives the table weighs together ("/" and "{/*rest}" at "/").
        expect({ url, found: routesOf(index.find('GET', url)) }).toEqual({
          url,
          found: expect.arrayContaining([expected]),
        });
      }
    },
  );

  it('on express, walks the routes express tries for a request, in its order', () =>
    everyExpressRequest(true, 150, async (router, index, method, url) => {
      const slot = index.find(method, url);
      const walked: string[] = [];
      const visit = (route: string) => {
        walked.push(route);
        return false;
      };
      if (slot !== undefined && !index.visitInOrder(slot, method, url, visit))
        walked.push(...slot.routes);
      const tried = await triedByExpress(router, method, url);
      expect({ method, url, walked }).toEqual({ method, url, walked: tried });
    }));

  it('on express, finds the route express serves, whatever the order, encoding or empty segments', () =>
    everyExpressRequest(false, 500, async (router, index, method, url) => {
      const expected = await servedByExpress(router, method, url);
      // Routes sharing a slot are alternatives the table weighs together.
      const found = routesOf(index.find(method, url));
      expect({
        method,
        url,
        found: expected === undefined ? found : found?.includes(expected),
      }).toEqual({ method, url, found: expected === undefined ? undefined : true });
    }));

  it('answers every request exactly as the tree without the static-path map does', () => {
    fc.assert(
      fc.property(
        syntax,
        flags,
        routeSet,
        fc.array(requestPath, { maxLength: 20 }),
        (syntax, flags, specs, random) => {
          const routes = toRoutes(specs, syntax);
          const index = buildIndex(syntax, flags, routes);
          const tree = withoutStaticMap(buildIndex(syntax, flags, routes));
          for (const url of requestsFor(routes, random))
            for (const method of REQUEST_METHODS)
              expect(summary(index.find(method, url))).toEqual(summary(tree.find(method, url)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ignores the query string', () => {
    fc.assert(
      fc.property(
        syntax,
        flags,
        routeSet,
        fc.array(requestPath, { maxLength: 10 }),
        fc.array(pathPiece, { maxLength: 5 }),
        (syntax, flags, specs, random, query) => {
          const routes = toRoutes(specs, syntax);
          const index = buildIndex(syntax, flags, routes);
          const paths = requestsFor(routes, random).filter((url) => !/[?#]/.test(url));
          for (const path of paths)
            for (const method of REQUEST_METHODS)
              expect(index.find(method, `${path}?${query.join('')}`)).toBe(
                index.find(method, path),
              );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same answer however often and in whatever order it is asked', () => {
    fc.assert(
      fc.property(
        syntax,
        flags,
        routeSet,
        fc.array(requestPath, { maxLength: 20 }),
        (syntax, flags, specs, random) => {
          const index = buildIndex(syntax, flags, toRoutes(specs, syntax));
          const requests = requestsFor(toRoutes(specs, syntax), random).flatMap((url) =>
            REQUEST_METHODS.map((method): [string, string] => [method, url]),
          );
          const first = requests.map(([method, url]) => index.find(method, url));
          for (let round = 0; round < 5; round++) {
            for (const [method, url] of requests) index.find(method, url);
          }
          [...requests].reverse().forEach(([method, url], i) => {
            expect(index.find(method, url)).toBe(first[requests.length - 1 - i]);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('finds static routes as a reference lookup does', () => {
    // Static routes only, so the reference is simple: cut the query or fragment,
    // decode (fastify), then compare under the case and trailing-slash options; the first
    // registered of two paths the router takes for the same one wins.
    const staticSpec = fc.record({
      method: fc.constantFrom('GET', 'POST'),
      segments: fc.array(segment, { maxLength: 3 }),
      trailingSlash: fc.boolean(),
    });
    fc.assert(
      fc.property(
        syntax,
        flags,
        fc.array(staticSpec, { minLength: 1, maxLength: 8 }),
        fc.array(requestPath, { maxLength: 20 }),
        (syntax, flags, specs, random) => {
          const routes: Route[] = specs.map(({ method, segments, trailingSlash }, i) => {
            const path = `/${segments.join('/')}`;
            return [method, trailingSlash && path !== '/' ? `${path}/` : path, `r${i}`];
          });
          const normalize = (path: string) => {
            let normal = path.length > 1 && flags.ignoreTrailingSlash ? trimSlash(path) : path;
            if (!flags.caseSensitive) normal = normal.toLowerCase();
            return normal;
          };
          const reference = (method: string, url: string): string[] | undefined => {
            const raw = url.split(/[?#]/, 1)[0];
            // find-my-way decodes the path; express matches it as sent.
            const path = normalize(syntax === 'fastify' ? decodeURI(raw) : raw);
            const first = routes.find(([m, p]) => m === method && normalize(p) === path);
            if (first === undefined) return undefined;
            // Express drops a route's trailing slashes when they are optional: "/a/" is "/a".
            // fastify, not case-sensitive, takes "/Ab" and "/ab" for one path, whose routes
            // are weighed together (as with constraints it picks among them).
            const key = (path: string) => {
              const own =
                syntax === 'express' && flags.ignoreTrailingSlash ? trimSlash(path) : path;
              return syntax === 'fastify' && !flags.caseSensitive ? own.toLowerCase() : own;
            };
            return routes
              .filter(([m, p]) => m === method && key(p) === key(first[1]))
              .map(([, , v]) => v);
          };
          const index = buildIndex(syntax, flags, routes);
          for (const url of requestsFor(routes, random)) {
            for (const method of ['GET', 'POST', 'PUT'])
              expect(routesOf(index.find(method, url))).toEqual(reference(method, url));
            expect(routesOf(index.find('HEAD', url))).toEqual(reference('GET', url));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function trimSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
