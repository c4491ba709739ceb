import { describe, expect, it } from '@jest/globals';
import { compileCorsPolicy, type CorsPolicyOptions } from '../../lib/engine/index.js';
import {
  CorsPolicyTable,
  type PassesOn,
  type RouteEntry,
} from '../../lib/policy-table/policy-table.js';
import { RouteIndex } from '../../lib/policy-table/route-index.js';
import { resolveActual, resolvePreflight } from '../../lib/request-path/resolve-request.js';

const PATH = '/things';

function entry(
  options: CorsPolicyOptions,
  location: string,
  passesOn: PassesOn = 'never',
): RouteEntry {
  const route = { policy: compileCorsPolicy(options).policy, location, sources: {} };
  // The method is the one it is added under (see `indexed`).
  return {
    route,
    method: '',
    host: undefined,
    hostKey: '',
    passesOn,
    alone: { all: [route], provisional: passesOn !== 'never' },
  };
}

/** An index whose entries carry the method they are added under, as the builder's do. */
function indexed(index: RouteIndex<RouteEntry>): RouteIndex<RouteEntry> {
  const add = index.add.bind(index);
  index.add = (method, path, added) => add(method, path, { ...added, method });
  return index;
}

const expressIndex = () =>
  indexed(
    new RouteIndex<RouteEntry>({
      syntax: 'express',
      caseSensitive: false,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: false,
      maxParamLength: 100,
    }),
  );

const fastifyIndex = () =>
  indexed(
    new RouteIndex<RouteEntry>({
      syntax: 'fastify',
      caseSensitive: true,
      ignoreTrailingSlash: false,
      ignoreDuplicateSlashes: false,
      maxParamLength: 100,
    }),
  );

/** A table with one route per method at PATH, each with its own allowed origins (or options). */
function tableOf(
  routes: ReadonlyArray<readonly [method: string, policy: string[] | CorsPolicyOptions]>,
) {
  const index = expressIndex();
  for (const [method, policy] of routes)
    index.add(method, PATH, entry(Array.isArray(policy) ? { origin: policy } : policy, method));
  index.seal();
  return new CorsPolicyTable(entry({}, 'global').route, index, [], false);
}

/** The Access-Control-Allow-Methods a preflight for `method` at PATH gets (undefined when refused). */
function allowMethodsOf(table: CorsPolicyTable, origin: string, method: string, url = PATH) {
  const resolved = resolvePreflight(table, { url, host: undefined }, { origin, method }, undefined);
  if (resolved instanceof Promise) throw new Error('expected a synchronous decision');
  const { decision } = resolved;
  return decision.outcome === 'allowed'
    ? decision.headers.find(([name]) => name === 'Access-Control-Allow-Methods')?.[1]
    : undefined;
}

const A = 'https://a.example';
const B = 'https://b.example';

// A browser caches each method a preflight's answer names, for the URL, origin
// and credentials mode, and sends it later without a preflight of its own.
describe('Access-Control-Allow-Methods at a path', () => {
  it('names every routed method where the routes restate the same rules', () => {
    const pattern = /^https:\/\/[a-z]+\.example$/;
    const table = tableOf([
      ['GET', { origin: [A, pattern] }],
      ['PUT', { origin: [A, /^https:\/\/[a-z]+\.example$/], maxAge: 5 }],
      ['DELETE', { origin: [A, pattern], exposedHeaders: ['x-total'] }],
    ]);
    expect(allowMethodsOf(table, A, 'PUT')).toBe('GET,PUT,DELETE');
    expect(allowMethodsOf(table, B, 'DELETE')).toBe('GET,PUT,DELETE');
    const slot = table.findSlot('GET', PATH)!;
    expect(table.routedMethods(slot)).toBe(table.routedMethods(table.findSlot('PUT', PATH)!));
  });

  it('names every routed method for routes given the same origin function', () => {
    const allow = (origin: string) => origin === A;
    const table = tableOf([
      ['GET', { origin: allow }],
      ['PUT', { origin: allow, maxAge: 5 }],
    ]);
    expect(allowMethodsOf(table, A, 'GET')).toBe('GET,PUT');
  });

  it.each<[label: string, put: CorsPolicyOptions]>([
    ['other origins', { origin: [A] }],
    ['the same origins in another order', { origin: [B, A] }],
    ['credentials', { origin: [A, B], credentials: true }],
    ['allowed headers', { origin: [A, B], allowedHeaders: ['content-type'] }],
    ['a methods list', { origin: [A, B], methods: ['GET', 'PUT'] }],
    ['private-network access', { origin: [A, B], allowPrivateNetwork: true }],
    ['CORS turned off', { origin: false }],
  ])('names the requested method alone where a route has %s of its own', (_label, put) => {
    const table = tableOf([
      ['GET', { origin: [A, B] }],
      ['PUT', put],
    ]);
    expect(allowMethodsOf(table, A, 'GET')).toBe('GET');
    expect(table.routedMethods(table.findSlot('GET', PATH)!).requestedAlone).toBe(true);
  });

  it("narrows a policy's own methods list too: it may name a route with other rules", () => {
    const table = tableOf([
      ['GET', { origin: [A], methods: ['GET', 'DELETE'] }],
      ['DELETE', { origin: [B], methods: ['GET', 'DELETE'] }],
    ]);
    expect(allowMethodsOf(table, A, 'GET')).toBe('GET');
  });

  it('names the requested method alone where a route at the path is bound to a host', () => {
    const index = expressIndex();
    const bound = entry({ origin: [A] }, 'GET');
    index.add('GET', PATH, { ...bound, host: (host) => host === 'api.example', hostKey: 'api' });
    index.add('PUT', PATH, entry({ origin: [A] }, 'PUT'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    expect(allowMethodsOf(table, A, 'PUT')).toBe('PUT');
  });

  it('weighs a route of another pattern express may serve the path with', () => {
    const index = expressIndex();
    index.add('DELETE', '/:name', entry({ origin: [A] }, 'named'));
    index.add('GET', PATH, entry({ origin: [B] }, 'GET'));
    index.add('DELETE', PATH, entry({ origin: [B] }, 'DELETE'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    expect(allowMethodsOf(table, B, 'GET')).toBe('GET');
  });

  it('on fastify, names the requested method alone where a static route outranks the pattern', () => {
    const index = fastifyIndex();
    index.add('PUT', '/x/:id', entry({ origin: [A] }, 'PUT'));
    index.add('DELETE', '/x/:id', entry({ origin: [A] }, 'DELETE'));
    index.add('DELETE', '/x/static', entry({ origin: [B] }, 'static'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    // Which of its URLs the static route takes is fastify's to know: the whole pattern is narrowed.
    expect(allowMethodsOf(table, A, 'PUT', '/x/static')).toBe('PUT');
    expect(allowMethodsOf(table, A, 'PUT', '/x/7')).toBe('PUT');
  });

  it('on fastify, names every routed method of a pattern no route of other rules overlaps', () => {
    const index = fastifyIndex();
    index.add('PUT', '/x/:id', entry({ origin: [A] }, 'PUT'));
    index.add('DELETE', '/x/:id', entry({ origin: [A] }, 'DELETE'));
    index.add('DELETE', '/y/static', entry({ origin: [B], allowedHeaders: ['x-b'] }, 'static'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    expect(allowMethodsOf(table, A, 'PUT', '/x/7')).toBe('PUT,DELETE');
    expect(table.routedMethods(table.findSlot('PUT', '/x/7')!).uncacheable).toBeUndefined();
  });

  it('weighs routes of other methods at overlapping paths for the headers it caches', () => {
    const index = expressIndex();
    index.add('PUT', '/x/:id', entry({ origin: [A] }, 'PUT'));
    index.add('DELETE', '/x/special', entry({ origin: [A], allowedHeaders: ['x-a'] }, 'special'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    expect(maxAgeOf(table, 'PUT', '/x/7')).toBe('0');
  });

  it('names every routed method where overlapping routes all have the same rules', () => {
    const index = expressIndex();
    for (const [method, path] of [
      ['GET', '/:id'],
      ['PUT', '/:id'],
      ['GET', '/me'],
    ])
      index.add(method, path, entry({ origin: [A] }, `${method} ${path}`));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    expect(allowMethodsOf(table, A, 'PUT')).toBe('GET,PUT');
  });

  it('names the usual methods and the requested one for an @All() route, alone at its path', () => {
    const table = tableOf([['ALL', [A]]]);
    expect(allowMethodsOf(table, A, 'PUT')).toBe('GET,HEAD,PUT,PATCH,POST,DELETE');
    expect(allowMethodsOf(table, A, 'SEARCH')).toBe('GET,HEAD,PUT,PATCH,POST,DELETE,SEARCH');
  });

  /** The Access-Control-Max-Age a preflight for `method` at PATH gets. */
  function maxAgeOf(table: CorsPolicyTable, method: string, url = PATH) {
    const resolved = resolvePreflight(
      table,
      { url, host: undefined },
      { origin: A, method },
      undefined,
    );
    if (resolved instanceof Promise || resolved.decision.outcome !== 'allowed')
      throw new Error('expected an allowed synchronous decision');
    return resolved.decision.headers.find(([name]) => name === 'Access-Control-Max-Age')?.[1];
  }

  // A browser caches allowed request headers per URL, whatever the method.
  it('is not cached where routes at the path allow other request headers', () => {
    const table = tableOf([
      ['GET', { origin: [A], maxAge: 600 }],
      ['PUT', { origin: [A], maxAge: 600, allowedHeaders: ['content-type'] }],
    ]);
    expect(maxAgeOf(table, 'GET')).toBe('0');
    expect(maxAgeOf(table, 'PUT')).toBe('0');
  });

  // ... and then sends a GET, HEAD or POST they cover without any preflight.
  it('is not cached where a GET, HEAD or POST route at the path allows other origins', () => {
    const table = tableOf([
      ['PUT', { origin: [A, B], maxAge: 600 }],
      ['POST', { origin: [B], maxAge: 600 }],
    ]);
    expect(maxAgeOf(table, 'PUT')).toBe('0');
  });

  it('is not cached where a GET, HEAD or POST route at the path has other credentials', () => {
    for (const safe of ['GET', 'HEAD', 'POST', 'ALL']) {
      const table = tableOf([
        ['PUT', { origin: [A], maxAge: 600, credentials: true }],
        [safe, { origin: [A], maxAge: 600 }],
      ]);
      expect(maxAgeOf(table, 'PUT')).toBe('0');
    }
  });

  it('weighs a GET route of another pattern that serves some of the URLs', () => {
    const index = expressIndex();
    index.add('PUT', '/x/:id', entry({ origin: [A, B], maxAge: 600 }, 'PUT'));
    index.add('GET', '/x/special', entry({ origin: [B], maxAge: 600 }, 'special'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    expect(maxAgeOf(table, 'PUT', '/x/special')).toBe('0');
    expect(maxAgeOf(table, 'PUT', '/x/7')).toBe('0');
  });

  it('is cached where its rules are those of every GET, HEAD and POST route at the path', () => {
    const table = tableOf([
      ['GET', { origin: [A], maxAge: 600 }],
      ['PUT', { origin: [A, B], maxAge: 600, credentials: true }],
      ['DELETE', { origin: [B], maxAge: 600 }],
    ]);
    expect(allowMethodsOf(table, A, 'GET')).toBe('GET');
    expect(maxAgeOf(table, 'GET')).toBe('600');
    // A PUT or DELETE needs a preflight of its own, which its own route answers.
    expect(maxAgeOf(table, 'PUT')).toBe('0');
  });

  /** A table whose global policy answers what no route at PATH serves. */
  function globalAnswering(
    global: CorsPolicyOptions,
    routes: ReadonlyArray<readonly [method: string, options: CorsPolicyOptions]>,
  ) {
    const index = expressIndex();
    const listing = routes.map(([method, options]) => {
      const added = entry(options, method);
      index.add(method, PATH, added);
      return { method, path: PATH, host: undefined, handler: method, route: added.route };
    });
    index.seal();
    return new CorsPolicyTable(entry(global, 'global').route, index, listing, false);
  }

  it('answers no route uncached only where some route has other rules it would carry over', () => {
    const global = { origin: [A], maxAge: 600 };
    expect(maxAgeOf(globalAnswering(global, [['PUT', { origin: [A] }]]), 'PATCH')).toBe('600');
    // Only the headers are carried over to a PUT, which has a preflight of its own.
    expect(maxAgeOf(globalAnswering(global, [['PUT', { origin: [B] }]]), 'PATCH')).toBe('600');
    for (const other of [
      ['PUT', { origin: [A], allowedHeaders: ['x-a'] }],
      ['GET', { origin: [B] }],
      ['POST', { origin: [A], credentials: true }],
    ] as const)
      expect(maxAgeOf(globalAnswering(global, [other]), 'PATCH')).toBe('0');
  });

  it('names the requested method alone where no route serves it, the global policy answering', () => {
    const table = tableOf([['PUT', { origin: [B] }]]);
    expect(allowMethodsOf(table, A, 'PATCH')).toBe('PATCH');
    expect(allowMethodsOf(table, A, 'PUT')).toBeUndefined();
  });
});

describe('CorsPolicyTable lookups', () => {
  const preflightFor = (table: CorsPolicyTable, method: string, origin = A) =>
    resolvePreflight(table, { url: PATH, host: undefined }, { origin, method }, undefined);

  it('makes the alternatives of a shared path once', () => {
    const index = fastifyIndex();
    // Two versions of one handler path, and a controller bound to another host.
    const v1 = entry({ origin: [A] }, 'v1', 'sometimes');
    const v2 = entry({ origin: [B] }, 'v2', 'sometimes');
    const onAdmin = {
      ...entry({ origin: [B] }, 'admin'),
      host: (host?: string) => host === 'admin',
      hostKey: 'admin',
    };
    for (const each of [onAdmin, v1, v2]) index.add('GET', PATH, each);
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    const slot = table.findSlot('GET', PATH)!;
    const versions = table.candidates(slot, { host: 'api' });
    expect(versions.all.map(({ location }) => location)).toEqual(['v1', 'v2']);
    expect(table.candidates(slot, { host: 'api' })).toBe(versions);
    expect(table.candidates(slot, { host: 'admin' }).all.map(({ location }) => location)).toEqual([
      'admin',
    ]);
  });

  describe('routes behind one that never passes a request on', () => {
    // Express serves every POST with `unversioned`; `unreachable` is registered after it.
    const table = (() => {
      const index = expressIndex();
      index.add('POST', PATH, entry({ origin: [A] }, 'v1', 'sometimes'));
      index.add('POST', PATH, entry({ origin: [A] }, 'unversioned'));
      index.add('POST', PATH, entry({ origin: [A, B] }, 'unreachable', 'sometimes'));
      index.add('PUT', PATH, entry({ origin: [B] }, 'PUT'));
      index.seal();
      return new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    })();
    const locations = (routes: readonly { location: string }[]) =>
      routes.map(({ location }) => location);
    const weighed = (subject: CorsPolicyTable, method: string, host?: string, url = PATH) =>
      locations(subject.preflightCandidates(subject.findSlot(method, url)!, { host, url }, method));

    it('are left out of what a preflight weighs, and only that', () => {
      expect(weighed(table, 'POST')).toEqual(['v1', 'unversioned']);
      const { all } = table.candidates(table.findSlot('POST', PATH)!, { host: undefined });
      expect(locations(all)).toEqual(['v1', 'unversioned', 'unreachable']);
    });

    it('do not let a preflight through, nor list their method for an origin only they allow', () => {
      expect(preflightFor(table, 'POST', B)).toMatchObject({
        route: { location: 'v1' },
        decision: { outcome: 'refused' },
      });
      expect(preflightFor(table, 'POST', A)).toMatchObject({
        route: { location: 'v1' },
        decision: { outcome: 'allowed' },
      });
      expect(allowMethodsOf(table, A, 'POST')).toBe('POST');
    });

    it("end at a route of the request's host, any host's or its own", () => {
      const index = expressIndex();
      const onApi = (routeEntry: RouteEntry): RouteEntry => ({
        ...routeEntry,
        host: (host) => host === 'api',
        hostKey: 'api',
      });
      index.add('POST', PATH, onApi(entry({ origin: [A] }, 'v1', 'sometimes')));
      index.add('POST', PATH, entry({ origin: [A] }, 'hostless'));
      index.add('POST', PATH, onApi(entry({ origin: [A, B] }, 'v2', 'sometimes')));
      index.seal();
      const hosts = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
      expect(weighed(hosts, 'POST', 'api')).toEqual(['v1', 'hostless']);
      expect(weighed(hosts, 'POST', 'other')).toEqual(['hostless']);
      const { all } = hosts.candidates(hosts.findSlot('POST', PATH)!, { host: 'api' });
      expect(locations(all)).toEqual(['v1', 'v2']);
    });

    it('end at a route of another method or path that serves the request', () => {
      const index = expressIndex();
      index.add('POST', PATH, entry({ origin: [A] }, 'post v1', 'sometimes'));
      index.add('POST', '/:name', entry({ origin: [B] }, 'named'));
      index.add('GET', PATH, entry({ origin: [A] }, 'v1', 'sometimes'));
      index.add('ALL', PATH, entry({ origin: [A] }, 'all'));
      index.add('GET', PATH, entry({ origin: [B] }, 'v2', 'sometimes'));
      index.seal();
      const paths = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
      expect(weighed(paths, 'GET')).toEqual(['v1', 'all']);
      // A request for another version of POST /things goes on to /:name.
      expect(weighed(paths, 'POST')).toEqual(['post v1', 'named']);
      expect(preflightFor(paths, 'GET', B)).toMatchObject({ decision: { outcome: 'refused' } });
      expect(preflightFor(paths, 'POST', B)).toMatchObject({
        route: { location: 'named' },
        decision: { outcome: 'allowed' },
      });
    });

    it('end at a route registered on the adapter, which may serve every request it gets', () => {
      const index = expressIndex();
      index.add('POST', PATH, entry({ origin: [A] }, 'hook', 'unknown'));
      index.add('POST', '/:name', entry({ origin: [B] }, 'named'));
      index.seal();
      const hooks = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
      expect(weighed(hooks, 'POST')).toEqual(['hook']);
      expect(preflightFor(hooks, 'POST', B)).toMatchObject({ decision: { outcome: 'refused' } });
    });

    it('still count for an actual request, decided before the handler is known', () => {
      const actual = (origin: string) =>
        resolveActual(table, { method: 'POST', url: PATH, host: undefined }, origin, undefined);
      expect(actual(A)).toMatchObject({ decision: { outcome: 'allowed' }, provisional: true });
      expect(actual(B)).toMatchObject({
        route: { location: 'v1' },
        decision: { outcome: 'refused' },
        provisional: true,
      });
    });
  });
});

// The express front decides a request only where nothing that may decide it reads express's
// request: an origin function is handed it, a host filter reads its hostname.
describe('whether deciding a request may need the adapter request', () => {
  const byFunction = entry({ origin: () => true }, 'named');
  const tableWithGlobal = (global: CorsPolicyOptions) => {
    const index = expressIndex();
    // /things goes to a route that hands some requests on (`@Next()`), and express then
    // tries the next route whose pattern matches: one with an origin function.
    index.add('GET', PATH, entry({ origin: [B] }, 'static', 'sometimes'));
    index.add('GET', '/:name', byFunction);
    index.add('GET', '/a/b', entry({ origin: [B] }, 'elsewhere'));
    index.seal();
    const routes = [
      { method: 'GET', path: '/:name', host: undefined, handler: 'named', route: byFunction.route },
    ];
    return new CorsPolicyTable(entry(global, 'global').route, index, routes, false);
  };

  it('does where a route express may hand the request on to has an origin function', () => {
    expect(tableWithGlobal({}).readsAdapterRequestFor('GET', PATH)).toBe(true);
  });

  it('does not where no route that may serve the request has one', () => {
    expect(tableWithGlobal({}).readsAdapterRequestFor('GET', '/a/b')).toBe(false);
    expect(tableWithGlobal({}).readsAdapterRequestFor('GET', '/x/y/z')).toBe(false);
  });

  it('does where no route serves the request and the global policy has one', () => {
    const table = tableWithGlobal({ origin: () => true });
    expect(table.readsAdapterRequestFor('GET', '/x/y/z')).toBe(true);
  });

  it('does where a route that may serve the request is bound to a host', () => {
    const index = expressIndex();
    const onApi: RouteEntry = { ...entry({ origin: [A] }, 'api'), host: (h) => h === 'api' };
    index.add('GET', PATH, onApi);
    index.add('GET', '/a/b', entry({ origin: [B] }, 'elsewhere'));
    index.seal();
    const routes = [{ ...onApi, path: PATH, handler: 'api', host: 'api' }];
    const table = new CorsPolicyTable(entry({}, 'global').route, index, routes, false);
    expect(table.readsAdapterRequestFor('GET', PATH)).toBe(true);
    expect(table.readsAdapterRequestFor('GET', '/a/b')).toBe(false);
  });
});
