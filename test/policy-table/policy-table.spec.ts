import { describe, expect, it, jest } from '@jest/globals';
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
  return {
    route,
    host: undefined,
    hostKey: '',
    passesOn,
    alone: { all: [route], provisional: passesOn !== 'never' },
  };
}

const expressIndex = () =>
  new RouteIndex<RouteEntry>({
    syntax: 'express',
    caseSensitive: false,
    ignoreTrailingSlash: true,
    ignoreDuplicateSlashes: false,
    maxParamLength: 100,
  });

const fastifyIndex = () =>
  new RouteIndex<RouteEntry>({
    syntax: 'fastify',
    caseSensitive: true,
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    maxParamLength: 100,
  });

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

function allowMethods(table: CorsPolicyTable, origin: string, method: string) {
  const slot = table.findSlot(method, PATH)!;
  return table.routedMethods(slot, { host: undefined, url: PATH }, origin);
}

/** The answers the table keeps for PATH, by allowing methods. */
function keptAnswers(table: CorsPolicyTable): Map<number, unknown> | undefined {
  const { methodsByPath } = table as unknown as { methodsByPath: unknown };
  if (!(methodsByPath instanceof WeakMap))
    throw new Error('CorsPolicyTable no longer has methodsByPath');
  const siblings = table.findSlot('GET', PATH)?.siblings ?? table.findSlot('M0', PATH)!.siblings;
  return (methodsByPath.get(siblings) as { byAllowing?: Map<number, unknown> }).byAllowing;
}

const A = 'https://a.example';
const B = 'https://b.example';

describe('CorsPolicyTable.routedMethods', () => {
  it('lists, for each origin, the methods at the path whose policies allow it', () => {
    const table = tableOf([
      ['GET', [A]],
      ['PUT', [A]],
      ['PATCH', [A, B]],
      ['DELETE', [B]],
    ]);
    // Interleaved, so that an answer kept for one origin is never handed to another.
    for (let round = 0; round < 3; round++) {
      expect(allowMethods(table, A, 'PUT').header('PUT')).toBe('GET,PUT,PATCH');
      expect(allowMethods(table, B, 'DELETE').header('DELETE')).toBe('PATCH,DELETE');
      expect(allowMethods(table, 'https://c.example', 'GET').header('GET')).toBe('');
    }
    expect(allowMethods(table, B, 'PATCH').has('PUT')).toBe(false);
    expect(allowMethods(table, A, 'PATCH').has('PUT')).toBe(true);
  });

  it('makes each answer once: the same allowing methods get the same answer object', () => {
    const table = tableOf([
      ['GET', [A]],
      ['DELETE', [B]],
    ]);
    const first = allowMethods(table, A, 'GET');
    expect(allowMethods(table, B, 'DELETE')).not.toBe(first);
    expect(allowMethods(table, A, 'DELETE')).toBe(first);
  });

  it('answers once for a path whose routes restate the same origins in policies of their own', () => {
    const pattern = /^https:\/\/[a-z]+\.example$/;
    const table = tableOf([
      ['GET', { origin: [A, pattern] }],
      ['PUT', { origin: [A, /^https:\/\/[a-z]+\.example$/], maxAge: 5 }],
      ['DELETE', { origin: [A, pattern], credentials: true }],
    ]);
    const first = allowMethods(table, A, 'GET');
    expect(first.header('GET')).toBe('GET,PUT,DELETE');
    expect(allowMethods(table, B, 'PUT')).toBe(first);
    expect(keptAnswers(table)!.size).toBe(0);
  });

  it('answers once for routes given the same origin function', () => {
    const allow = (origin: string) => origin === A;
    const table = tableOf([
      ['GET', { origin: allow }],
      ['PUT', { origin: allow, maxAge: 5 }],
    ]);
    expect(allowMethods(table, A, 'GET').header('GET')).toBe('GET,PUT');
    expect(allowMethods(table, B, 'GET')).toBe(allowMethods(table, A, 'PUT'));
    expect(keptAnswers(table)!.size).toBe(0);
  });

  it('answers per host where a route at the path is bound to one, whatever its origins', () => {
    const index = expressIndex();
    const bound = entry({ origin: [A] }, 'GET');
    index.add('GET', PATH, { ...bound, host: (host) => host === 'api.example', hostKey: 'api' });
    index.add('PUT', PATH, entry({ origin: [A] }, 'PUT'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    const slot = table.findSlot('PUT', PATH)!;
    const on = (host: string) => ({ host, url: PATH });
    expect(table.routedMethods(slot, on('api.example'), A).header('PUT')).toBe('GET,PUT');
    expect(table.routedMethods(slot, on('other.example'), A).header('PUT')).toBe('PUT');
  });

  it.each<[label: string, get: CorsPolicyOptions, put: CorsPolicyOptions, answers: string[]]>([
    ['in another order', { origin: [A, B] }, { origin: [B, A] }, ['GET,PUT', 'GET,PUT']],
    [
      'as other RegExps',
      { origin: [/^https:\/\/a\.example$/] },
      { origin: [/^https:\/\/(a|b)\.example$/] },
      ['GET,PUT', 'PUT'],
    ],
    // An origin function counts as allowing: only the preflight's own decision asks it.
    ['as a function', { origin: [A] }, { origin: () => false }, ['GET,PUT', 'PUT']],
  ])('answers per origin where origins are given %s', (_label, get, put, [forA, forB]) => {
    const table = tableOf([
      ['GET', get],
      ['PUT', put],
    ]);
    expect(allowMethods(table, A, 'PUT').header('PUT')).toBe(forA);
    expect(allowMethods(table, B, 'PUT').header('PUT')).toBe(forB);
    expect(keptAnswers(table)!.size).toBeGreaterThan(0);
  });

  it('answers every combination correctly past the cap on kept answers, and keeps no more than it', () => {
    // Origin k is allowed by method i exactly when bit i of k is set: 128 combinations.
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'SEARCH', 'LOCK'];
    const originOf = (k: number) => `https://user${k}.example`;
    const ks = Array.from({ length: 128 }, (_, k) => k);
    const table = tableOf(
      methods.map((method, i) => [method, ks.filter((k) => k & (1 << i)).map(originOf)] as const),
    );
    for (const k of ks) {
      const expected = methods.filter((_, i) => k & (1 << i)).join(',');
      expect(allowMethods(table, originOf(k), 'GET').header('GET')).toBe(expected);
    }
    expect(keptAnswers(table)!.size).toBe(64);
  });

  it('lists a method by the route express serves it with, which may be of another pattern', () => {
    const index = expressIndex();
    index.add('DELETE', '/:name', entry({ origin: [A] }, 'named'));
    index.add('GET', PATH, entry({ origin: [B] }, 'GET'));
    index.add('DELETE', PATH, entry({ origin: [B] }, 'DELETE'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    expect(allowMethods(table, B, 'GET').header('GET')).toBe('GET');
    expect(allowMethods(table, A, 'DELETE').header('DELETE')).toBe('DELETE');
  });

  it("leaves out of an @All() route's list the methods whose own routes refuse the origin", () => {
    const index = expressIndex();
    index.add('DELETE', PATH, entry({ origin: [A] }, 'DELETE'));
    index.add('ALL', PATH, entry({ origin: [B] }, 'ALL'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    const forB = allowMethods(table, B, 'PUT');
    expect(forB.header('PUT')).toBe('GET,HEAD,PUT,PATCH,POST');
    expect(forB.has('DELETE')).toBe(false);
  });

  it('on fastify, lists a method by the static route that outranks the pattern', () => {
    const index = fastifyIndex();
    index.add('PUT', '/x/:id', entry({ origin: [A] }, 'PUT'));
    index.add('DELETE', '/x/:id', entry({ origin: [A] }, 'DELETE'));
    index.add('DELETE', '/x/static', entry({ origin: [B] }, 'static'));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    const request = { host: undefined, url: '/x/static' };
    expect(table.routedMethods(table.findSlot('PUT', '/x/static')!, request, A).header('PUT')).toBe(
      'PUT',
    );
  });

  it('keeps one answer for a path whose overlapping routes all allow the same origins', () => {
    const index = expressIndex();
    for (const [method, path] of [
      ['GET', '/:id'],
      ['PUT', '/:id'],
      ['GET', '/me'],
    ])
      index.add(method, path, entry({ origin: [A] }, `${method} ${path}`));
    index.seal();
    const table = new CorsPolicyTable(entry({}, 'global').route, index, [], false);
    const slot = table.findSlot('PUT', PATH)!;
    const request = { host: undefined, url: PATH };
    const forA = table.routedMethods(slot, request, A);
    expect(forA.header('PUT')).toBe('GET,PUT');
    expect(table.routedMethods(slot, request, B)).toBe(forA);
  });

  it('answers a path with more methods than fit in its bit set without keeping answers', () => {
    const methods = Array.from({ length: 40 }, (_, i) => `M${i}`);
    const table = tableOf(methods.map((method, i) => [method, i % 2 === 0 ? [A] : [B]] as const));
    const even = methods.filter((_, i) => i % 2 === 0).join(',');
    const odd = methods.filter((_, i) => i % 2 === 1).join(',');
    expect(allowMethods(table, A, 'M0').header('M0')).toBe(even);
    expect(allowMethods(table, B, 'M1').header('M1')).toBe(odd);
    expect(allowMethods(table, A, 'M39').has('M39')).toBe(false);
    expect(keptAnswers(table)).toBeUndefined();
  });
});

describe('CorsPolicyTable lookups', () => {
  const preflightFor = (table: CorsPolicyTable, method: string, origin = A) =>
    resolvePreflight(table, { url: PATH, host: undefined }, { origin, method }, undefined);

  it('reads the methods routed at the path only for a policy that lists none', () => {
    const table = tableOf([
      ['PUT', { origin: [A], methods: ['PUT'] }],
      ['DELETE', [A]],
    ]);
    const routedMethods = jest.spyOn(table, 'routedMethods');
    expect(preflightFor(table, 'PUT')).toMatchObject({ decision: { outcome: 'allowed' } });
    expect(routedMethods).not.toHaveBeenCalled();
    expect(preflightFor(table, 'DELETE')).toMatchObject({ decision: { outcome: 'allowed' } });
    expect(routedMethods).toHaveBeenCalledTimes(1);
  });

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
      expect(allowMethods(table, B, 'PUT').header('PUT')).toBe('PUT');
      expect(allowMethods(table, A, 'POST').header('POST')).toBe('POST');
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
