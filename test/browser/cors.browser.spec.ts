import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { ADAPTERS, createApp, type AdapterName } from '../support/create-app.js';
import { TOKEN, corsApi, optInApi, sitesOf, type Sites } from './cors-api.js';
import { PageSessions, browse, type FetchSpec, type PageVerdict } from './support/browser-probe.js';
import { launchChromium } from './support/chromium.js';
import { startPageServer, type PageServer } from './support/page-server.js';
import { ServerLog } from './support/server-log.js';

/**
 * Real Chromium, two origins: a page on one site (`http://<name>.example.test:A`,
 * or `http://127.0.0.1:A`) calls `fetch()` on the API at `http://localhost:B`.
 * Each case checks what the page saw, the reason Chromium gave for a block, and
 * what reached the server.
 */
interface BrowserCase {
  readonly name: string;
  /** Which app answers; `main` unless said. */
  readonly api?: 'main' | 'optIn';
  /** The site whose page makes the request. */
  readonly from: keyof Sites;
  readonly request: Omit<FetchSpec, 'url'> & {
    readonly path: string;
    /**
     * `localhost` (a different site) unless said. Cookie cases use `api.example.test`,
     * for which every page's cookie jar holds `sid=abc`: the same site as the
     * `*.example.test` pages, as a session cookie's API usually is (browser
     * contexts block third-party cookies).
     */
    readonly host?: 'localhost' | 'api.example.test';
  };
  /** Send the same request this many times in a new context, to count preflight-cache hits. */
  readonly times?: number;
  /** What the page sees each time: a response, or blocked with Chromium's reason. */
  readonly page:
    | {
        readonly status: number;
        readonly json?: unknown;
        readonly headers?: Readonly<Record<string, string | null>>;
      }
    | { readonly blocked: string };
  /** What reached the server: preflights, then the app's steps (guard, handlers). */
  readonly server: {
    /** The server's answer to each preflight that arrived: status, and Max-Age if sent. */
    readonly preflights: readonly string[];
    readonly steps: readonly string[];
    /** Headers the last handler received. */
    readonly received?: Readonly<Record<string, string>>;
  };
}

const json = { 'Content-Type': 'application/json' };

/** The session cookie the credential cases send (SameSite=Lax: same site as the pages). */
const SESSION_COOKIE = {
  name: 'sid',
  value: 'abc',
  domain: 'api.example.test',
  path: '/',
  sameSite: 'Lax',
} as const;

const CASES: readonly BrowserCase[] = [
  // The global policy (no @Cors on the controller).
  {
    name: 'simple GET from the allowed origin',
    from: 'app',
    request: { path: '/items' },
    page: { status: 200, json: ['teapot'] },
    server: { preflights: [], steps: ['items.list'] },
  },
  {
    name: 'simple GET from a 127.0.0.1 page to the localhost API',
    from: 'loopback',
    request: { path: '/items' },
    page: { status: 200, json: ['teapot'] },
    server: { preflights: [], steps: ['items.list'] },
  },
  {
    name: 'simple GET from another origin is blocked, though the handler ran',
    from: 'other',
    request: { path: '/items' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['items.list'] },
  },
  {
    name: '@Cors(false) route is blocked for the globally allowed origin',
    from: 'app',
    request: { path: '/items/archive' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['items.archive'] },
  },

  // Per-route overrides inside one controller.
  {
    name: 'controller policy blocks an origin it does not list',
    from: 'other',
    request: { path: '/catalog' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['catalog.list'] },
  },
  {
    name: "route override origin '*' opens one route of that controller to any origin",
    from: 'other',
    request: { path: '/catalog/public' },
    page: { status: 200, json: ['teapot'] },
    server: { preflights: [], steps: ['catalog.public'] },
  },
  {
    name: 'route override narrows the origins: the controller-allowed app is blocked',
    from: 'app',
    request: { path: '/catalog/drafts' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['catalog.drafts'] },
  },
  {
    name: 'route override narrows the origins: admin is allowed',
    from: 'admin',
    request: { path: '/catalog/drafts' },
    page: { status: 200, json: ['new teapot'] },
    server: { preflights: [], steps: ['catalog.drafts'] },
  },

  // Non-simple requests: listed methods and headers.
  {
    name: 'PUT with JSON and X-Request-Id: preflight allowed, then the request',
    from: 'app',
    request: {
      path: '/documents/1',
      method: 'PUT',
      headers: { ...json, 'X-Request-Id': 'r-1' },
      body: JSON.stringify({ title: 'Draft' }),
    },
    page: { status: 200, json: { id: '1', title: 'Draft' } },
    server: {
      preflights: ['204'],
      steps: ['documents.update'],
      received: { 'x-request-id': 'r-1', 'content-type': 'application/json' },
    },
  },
  {
    name: 'DELETE is blocked by the methods list: the handler never runs',
    from: 'app',
    request: { path: '/documents/1', method: 'DELETE' },
    page: { blocked: 'PreflightMissingAllowOriginHeader' },
    server: { preflights: ['403'], steps: [] },
  },
  {
    name: 'PUT with a header outside allowedHeaders is blocked',
    from: 'app',
    request: {
      path: '/documents/1',
      method: 'PUT',
      headers: { ...json, 'X-Debug': '1' },
      body: JSON.stringify({ title: 'Draft' }),
    },
    page: { blocked: 'PreflightMissingAllowOriginHeader' },
    server: { preflights: ['403'], steps: [] },
  },
  {
    name: 'PUT from an origin the policy does not allow is blocked at the preflight',
    from: 'other',
    request: {
      path: '/documents/1',
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ title: 'Draft' }),
    },
    page: { blocked: 'PreflightMissingAllowOriginHeader' },
    server: { preflights: ['403'], steps: [] },
  },

  // Credentials.
  {
    name: 'credentialed GET with a cookie, on a route that allows credentials',
    from: 'app',
    request: { path: '/session/me', host: 'api.example.test', credentials: 'include' },
    page: { status: 200, json: { user: 'ada' } },
    server: { preflights: [], steps: ['session.me'], received: { cookie: 'sid=abc' } },
  },
  {
    name: 'credentialed PUT with JSON: the preflight allows credentials too',
    from: 'app',
    request: {
      path: '/session/me',
      host: 'api.example.test',
      method: 'PUT',
      headers: json,
      body: '{}',
      credentials: 'include',
    },
    page: { status: 200, json: { user: 'ada', updated: true } },
    server: { preflights: ['204'], steps: ['session.update'], received: { cookie: 'sid=abc' } },
  },
  {
    name: 'credentialed GET on a route without credentials: blocked, the cookie went anyway',
    from: 'app',
    request: { path: '/session/peek', host: 'api.example.test', credentials: 'include' },
    page: { blocked: 'InvalidAllowCredentials' },
    server: { preflights: [], steps: ['session.peek'], received: { cookie: 'sid=abc' } },
  },

  // Exposed headers.
  {
    name: 'an exposed header is readable',
    from: 'app',
    request: { path: '/reports', read: ['X-Total-Count'] },
    page: { status: 200, json: [], headers: { 'X-Total-Count': '42' } },
    server: { preflights: [], steps: ['reports.list'] },
  },
  {
    name: 'a header that is not exposed reads as null',
    from: 'app',
    request: { path: '/reports', read: ['X-Internal-Trace'] },
    page: { status: 200, json: [], headers: { 'X-Internal-Trace': null } },
    server: { preflights: [], steps: ['reports.list'] },
  },

  // allowedHeaders: '*' and Authorization.
  {
    name: "Authorization header with allowedHeaders '*'",
    from: 'app',
    request: { path: '/tokens/introspect', headers: { Authorization: TOKEN } },
    page: { status: 200, json: { active: true } },
    server: {
      preflights: ['204'],
      steps: ['tokens.introspect'],
      received: { authorization: TOKEN },
    },
  },
  {
    name: "Authorization header with allowedHeaders '*' and credentials",
    from: 'app',
    request: {
      path: '/tokens/session',
      host: 'api.example.test',
      headers: { Authorization: TOKEN },
      credentials: 'include',
    },
    page: { status: 200, json: { active: true } },
    server: {
      preflights: ['204'],
      steps: ['tokens.session'],
      received: { authorization: TOKEN, cookie: 'sid=abc' },
    },
  },

  // The preflight cache (each case has a new browser context, so an empty cache).
  {
    name: 'maxAge 600: the second identical request sends no OPTIONS',
    from: 'app',
    request: { path: '/cache/long', method: 'PUT', headers: json, body: '{}' },
    times: 2,
    page: { status: 200, json: { cached: true } },
    server: { preflights: ['204 max-age=600'], steps: ['cache.long', 'cache.long'] },
  },
  {
    name: 'maxAge 0: each request sends its own OPTIONS',
    from: 'app',
    request: { path: '/cache/none', method: 'PUT', headers: json, body: '{}' },
    times: 2,
    page: { status: 200, json: { cached: false } },
    server: { preflights: ['204 max-age=0', '204 max-age=0'], steps: ['cache.none', 'cache.none'] },
  },

  // A global guard (APP_GUARD).
  {
    name: "the guard's 401 is readable by the page, not a CORS error",
    from: 'app',
    request: { path: '/secure/profile' },
    page: { status: 401, json: { message: 'Unauthorized', statusCode: 401 } },
    server: { preflights: [], steps: ['guard'] },
  },
  {
    name: 'the preflight of a guarded route is answered before the guard',
    from: 'app',
    request: {
      path: '/secure/profile',
      method: 'PUT',
      headers: { ...json, Authorization: TOKEN },
      body: '{}',
    },
    page: { status: 200, json: { user: 'ada', updated: true } },
    server: { preflights: ['204'], steps: ['guard', 'secure.update'] },
  },

  // 404s.
  {
    name: 'a simple GET to an unknown path: the page reads the 404',
    from: 'app',
    request: { path: '/nowhere' },
    page: { status: 404, json: expect.objectContaining({ statusCode: 404, error: 'Not Found' }) },
    server: { preflights: [], steps: [] },
  },
  {
    name: 'a PUT to an unknown path: the global policy answers the preflight, the page reads the 404',
    from: 'app',
    request: { path: '/nowhere', method: 'PUT', headers: json, body: '{}' },
    page: { status: 404, json: expect.objectContaining({ statusCode: 404, error: 'Not Found' }) },
    // Not cached: routes of this API allow other request headers than the global policy.
    server: { preflights: ['204 max-age=0'], steps: [] },
  },

  // A named policy with a wildcard-subdomain pattern.
  {
    name: 'named policy: a matching subdomain is allowed and reads its exposed header',
    from: 'partner',
    request: { path: '/partners/feed', read: ['X-Partner-Quota'] },
    page: {
      status: 200,
      json: { items: ['spring catalogue'] },
      headers: { 'X-Partner-Quota': '100' },
    },
    server: { preflights: [], steps: ['partners.feed'] },
  },
  {
    name: 'wildcard pattern: a deeper subdomain is allowed',
    from: 'deepPartner',
    request: { path: '/partners/feed' },
    page: { status: 200, json: { items: ['spring catalogue'] } },
    server: { preflights: [], steps: ['partners.feed'] },
  },
  {
    name: 'wildcard pattern: a preflighted PUT from a subdomain is allowed',
    from: 'partner',
    request: { path: '/partners/orders', method: 'PUT', headers: json, body: '{}' },
    page: { status: 200, json: { ordered: true } },
    server: { preflights: ['204'], steps: ['partners.order'] },
  },
  {
    name: 'named policy replaces the global origins: the global app is blocked',
    from: 'app',
    request: { path: '/partners/feed' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['partners.feed'] },
  },
  {
    name: 'wildcard pattern: look-alike host evilpartner.example.test is blocked',
    from: 'lookAlike',
    request: { path: '/partners/feed' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['partners.feed'] },
  },
  {
    name: 'wildcard pattern: look-alike host partner.example.test.evil.test is blocked',
    from: 'suffixTrick',
    request: { path: '/partners/feed' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['partners.feed'] },
  },
  {
    name: 'wildcard pattern: the apex partner.example.test is blocked',
    from: 'partnerApex',
    request: { path: '/partners/feed' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['partners.feed'] },
  },
  {
    name: 'wildcard pattern: a preflighted PUT from a look-alike host is blocked',
    from: 'lookAlike',
    request: { path: '/partners/orders', method: 'PUT', headers: json, body: '{}' },
    page: { blocked: 'PreflightMissingAllowOriginHeader' },
    server: { preflights: ['403'], steps: [] },
  },

  // A dynamic origin function (async).
  {
    name: 'dynamic origin: a known tenant is allowed',
    from: 'tenant',
    request: { path: '/tenants/me' },
    page: { status: 200, json: { tenant: 'shop' } },
    server: { preflights: [], steps: ['tenants.me'] },
  },
  {
    name: 'dynamic origin: an unknown tenant is blocked',
    from: 'unknownTenant',
    request: { path: '/tenants/me' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['tenants.me'] },
  },
  {
    name: 'dynamic origin: a preflighted PUT from a known tenant is allowed',
    from: 'tenant',
    request: { path: '/tenants/me', method: 'PUT', headers: json, body: '{}' },
    page: { status: 200, json: { tenant: 'shop', updated: true } },
    server: { preflights: ['204'], steps: ['tenants.update'] },
  },
  {
    name: 'dynamic origin: a preflighted PUT from an unknown tenant is blocked',
    from: 'unknownTenant',
    request: { path: '/tenants/me', method: 'PUT', headers: json, body: '{}' },
    page: { blocked: 'PreflightMissingAllowOriginHeader' },
    server: { preflights: ['403'], steps: [] },
  },

  // Opt-in mode: forRoot({ origin: false }).
  {
    name: 'opt-in mode: a route without @Cors is blocked',
    api: 'optIn',
    from: 'app',
    request: { path: '/things' },
    page: { blocked: 'MissingAllowOriginHeader' },
    server: { preflights: [], steps: ['things.list'] },
  },
  {
    name: 'opt-in mode: a preflighted PUT to a route without @Cors is blocked',
    api: 'optIn',
    from: 'app',
    request: { path: '/things', method: 'PUT', headers: json, body: '{}' },
    page: { blocked: 'PreflightMissingAllowOriginHeader' },
    server: { preflights: ['403'], steps: [] },
  },
  {
    name: 'opt-in mode: a route with @Cors({ origin }) is allowed',
    api: 'optIn',
    from: 'app',
    request: { path: '/things/shared' },
    page: { status: 200, json: ['shared thing'] },
    server: { preflights: [], steps: ['things.shared'] },
  },
];

interface Api {
  readonly app: INestApplication;
  readonly log: ServerLog;
  readonly port: number;
}

/** Starts an app on a free port of 127.0.0.1 and counts the requests its server receives. */
async function startApi(
  adapter: AdapterName,
  build: (sites: Sites, log: ServerLog) => Parameters<typeof createApp>[1],
  sites: Sites,
): Promise<Api> {
  const log = new ServerLog();
  const app = await createApp(adapter, build(sites, log));
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  log.watch(server);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app, log, port: address.port };
}

/** The page's verdict, with the JSON body parsed, for comparison with a case. */
function observed(verdict: PageVerdict) {
  if (verdict.outcome === 'blocked') return verdict;
  let parsed: unknown;
  try {
    parsed = JSON.parse(verdict.body);
  } catch {
    parsed = verdict.body;
  }
  return { ...verdict, json: parsed };
}

function expectedVerdict(page: BrowserCase['page']) {
  if ('blocked' in page) return { outcome: 'blocked', error: 'TypeError: Failed to fetch' };
  return expect.objectContaining({
    outcome: 'allowed',
    status: page.status,
    ...(page.json !== undefined && { json: page.json }),
    ...(page.headers !== undefined && { headers: page.headers }),
  });
}

let browser: Browser;
let sessions: PageSessions;
let pages: PageServer;
let sites: Sites;

beforeAll(async () => {
  pages = await startPageServer();
  sites = sitesOf(pages);
  browser = await launchChromium();
  sessions = new PageSessions(browser, { cookies: [SESSION_COOKIE] });
  // Open every site's page at once rather than one by one in the first cases.
  await Promise.all(Object.values(sites).map((origin) => sessions.page(origin)));
});
afterAll(async () => {
  await sessions?.close();
  await browser?.close();
  await pages?.close();
});

describe.each(ADAPTERS)('CORS in Chromium, API on %s', (adapter) => {
  const apis = {} as Record<'main' | 'optIn', Api>;

  beforeAll(async () => {
    apis.main = await startApi(adapter, corsApi, sites);
    apis.optIn = await startApi(adapter, optInApi, sites);
  });
  afterAll(async () => {
    await apis.main?.app.close();
    await apis.optIn?.app.close();
  });
  beforeEach(() => {
    apis.main.log.reset();
    apis.optIn.log.reset();
  });

  it.each(CASES.map((testCase, index) => ({ ...testCase, index })))('$name', async (testCase) => {
    const api = apis[testCase.api ?? 'main'];
    const { path, host = 'localhost', ...init } = testCase.request;
    // A URL of its own: no earlier case's preflight can be in the cache for it.
    const url = `http://${host}:${api.port}${path}?case=${testCase.index}`;
    const spec = { url, ...init };
    const times = testCase.times ?? 1;
    const origin = sites[testCase.from];

    const result =
      times > 1
        ? await sessions.fresh(origin, (page) => browse(page, spec, times))
        : await browse(await sessions.page(origin), spec);

    const blockedBy = 'blocked' in testCase.page ? testCase.page.blocked : undefined;
    expect({
      page: result.verdicts.map(observed),
      corsErrors: result.corsErrors,
      preflights: api.log.preflights,
      steps: api.log.steps,
      received: api.log.lastHeaders,
    }).toEqual({
      page: Array(times).fill(expectedVerdict(testCase.page)),
      corsErrors: blockedBy === undefined ? [] : Array(times).fill(blockedBy),
      preflights: testCase.server.preflights,
      steps: testCase.server.steps,
      received: expect.objectContaining(testCase.server.received ?? {}),
    });
  });
});
