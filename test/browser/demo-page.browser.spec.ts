import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication, Type } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createDemoServer } from '../../sample/demo-server.js';
import { ADAPTERS, createApp } from '../support/create-app.js';
import { withPage, type OriginPage } from './support/browser-probe.js';
import { launchChromium } from './support/chromium.js';
import { closeServer, listen } from './support/page-server.js';
import { ServerLog } from './support/server-log.js';

/**
 * The sample's demo page (sample/demo/), served by the sample's own static
 * server on http://127.0.0.1:<port>, against the sample's AppModule on
 * http://localhost:<port>: the buttons a reader clicks, clicked by Chromium.
 */
interface Row {
  readonly id: string;
  readonly state: string | undefined;
  readonly outcome: string | undefined;
  readonly status: string | undefined;
  readonly matches: string | undefined;
  readonly result: string;
}

/** What each row must show, in page order; a status for allowed rows. */
const EXPECTED_ROWS: ReadonlyArray<readonly [id: string, outcome: string, status?: string]> = [
  ['global', 'allowed', '200'],
  ['controller', 'allowed', '200'],
  ['route', 'allowed', '201'],
  ['named', 'allowed', '200'],
  ['disabled', 'blocked'],
  ['credentials', 'allowed', '200'],
  ['no-credentials', 'blocked'],
  ['exposed', 'allowed', '200'],
  ['guard', 'allowed', '401'],
  ['guard-token', 'allowed', '200'],
  ['dynamic', 'allowed', '200'],
];

/** The part of a table row the tests read (the project compiles without DOM types). */
interface RowElement {
  readonly dataset: Record<string, string | undefined>;
  querySelector(selector: string): { readonly textContent: string | null } | null;
}

function readRows(page: Page): Promise<Row[]> {
  return page.$$eval('tr[data-scenario]', (elements) =>
    (elements as unknown as RowElement[]).map((row) => ({
      id: row.dataset.scenario!,
      state: row.dataset.state,
      outcome: row.dataset.outcome,
      status: row.dataset.status,
      matches: row.dataset.matches,
      result: row.querySelector('.result')?.textContent ?? '',
    })),
  );
}

/** Clicks one row's button and waits for its verdict. */
async function runRow(page: Page, id: string): Promise<Row> {
  await page.click(`tr[data-scenario="${id}"] button`);
  await page.waitForSelector(`tr[data-scenario="${id}"][data-state="done"]`);
  return (await readRows(page)).find((row) => row.id === id)!;
}

let browser: Browser;
let demo: Server;
let demoOrigin: string;
let AppModule: Type;

beforeAll(async () => {
  demo = createDemoServer();
  await listen(demo);
  demoOrigin = `http://127.0.0.1:${(demo.address() as AddressInfo).port}`;
  // The sample reads its page's origin when its modules load: set it first.
  process.env.DEMO_ORIGIN = demoOrigin;
  ({ AppModule } = await import('../../sample/app.module.js'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  if (demo !== undefined) await closeServer(demo);
});

describe.each(ADAPTERS)('the demo page against the sample API on %s', (adapter) => {
  let app: INestApplication;
  let api: string;
  const log = new ServerLog();

  beforeAll(async () => {
    app = await createApp(adapter, { imports: [AppModule] });
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as Server;
    log.watch(server);
    api = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => app?.close());
  beforeEach(() => log.reset());

  /** A new context (empty preflight cache) with the page pointed at this API. */
  const openDemo = <T>(use: (opened: OriginPage) => Promise<T>) =>
    withPage(browser, `${demoOrigin}/?api=${api}`, use);

  it('"Run all" gives every scenario the verdict the library intends', () =>
    openDemo(async ({ page, cors }) => {
      expect(await page.textContent('#page-origin')).toBe(demoOrigin);
      expect(await page.textContent('#api-origin')).toBe(api);
      await page.click('#run-all');
      await page.waitForSelector('body[data-state="done"]');
      const rows = await readRows(page);

      expect(
        rows.map(({ id, outcome, status, matches }) => [id, outcome, status, matches]),
      ).toEqual(EXPECTED_ROWS.map(([id, outcome, status]) => [id, outcome, status, 'yes']));
      expect(await page.textContent('#summary')).toBe('11 scenarios run, 11 as expected.');
      expect({
        disabled: await cors.waitForReasons(`${api}/orders/7`, 1),
        noCredentials: await cors.waitForReasons(`${api}/catalog`, 1),
      }).toEqual({
        disabled: ['PreflightMissingAllowOriginHeader'],
        noCredentials: ['InvalidAllowCredentials'],
      });
      // One request at a time, in row order; the DELETE never left the browser.
      expect(log.requests).toEqual([
        'GET /catalog',
        'GET /orders',
        'OPTIONS /orders',
        'POST /orders',
        'GET /partners/feed',
        'OPTIONS /orders/7',
        'GET /orders',
        'GET /catalog',
        'GET /partners/feed',
        'GET /account',
        'OPTIONS /account',
        'GET /account',
        'GET /tenants/me',
      ]);
      expect(log.preflights).toEqual(['204 max-age=60', '403', '204 max-age=600']);
    }));

  it('the disabled route: blocked, with the likely reason shown', () =>
    openDemo(async ({ page, cors }) => {
      const row = await runRow(page, 'disabled');

      expect(row).toMatchObject({ outcome: 'blocked', status: undefined, matches: 'yes' });
      expect(row.result).toContain('TypeError: Failed to fetch');
      expect(row.result).toContain('blocked: the preflight was refused');
      expect(await cors.waitForReasons(`${api}/orders/7`, 1)).toEqual([
        'PreflightMissingAllowOriginHeader',
      ]);
      expect(log.requests).toEqual(['OPTIONS /orders/7']);
      expect(log.preflights).toEqual(['403']);
    }));

  it("the guard-protected route: the page reads the guard's 401", () =>
    openDemo(async ({ page, cors }) => {
      const row = await runRow(page, 'guard');

      expect(row).toMatchObject({ outcome: 'allowed', status: '401', matches: 'yes' });
      expect(row.result).toContain('Send Authorization: Bearer demo-token');
      expect(cors.reasonsFor(`${api}/account`)).toEqual([]);
      expect(log.requests).toEqual(['GET /account']);
    }));

  it('the exposed header: readable, and the unexposed one reads as null', () =>
    openDemo(async ({ page, cors }) => {
      const row = await runRow(page, 'exposed');

      expect(row).toMatchObject({ outcome: 'allowed', status: '200', matches: 'yes' });
      expect(row.result).toContain('X-Rate-Limit: 100');
      expect(row.result).toContain('X-Served-By: null (not exposed)');
      expect(cors.reasonsFor(`${api}/partners/feed`)).toEqual([]);
      expect(log.requests).toEqual(['GET /partners/feed']);
    }));
});
