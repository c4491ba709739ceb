import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { preflight } from '../../support/cors-http.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';
import { settle, watchUnhandledRejections } from '../../support/process-faults.js';

const TENANT = 'https://tenant.example';
const OTHER = 'https://other.example';

/** The X-Tenant header of each request the origin function was given. */
const tenantsSeen: unknown[] = [];

@Controller('dynamic')
class DynamicController {
  @Get('tenant')
  @Cors({
    origin: async (origin: string, request: unknown) => {
      tenantsSeen.push((request as { headers: IncomingHttpHeaders }).headers['x-tenant']);
      await Promise.resolve();
      return origin === TENANT;
    },
  })
  tenant() {
    return 'tenant';
  }

  @Get('throws')
  @Cors({
    origin: () => {
      throw new Error('tenant lookup exploded');
    },
  })
  throws() {
    return 'throws';
  }

  @Get('rejects')
  @Cors({
    origin: async () => {
      throw new Error('tenant database unreachable');
    },
  })
  rejects() {
    return 'rejects';
  }
}

describe.each(ADAPTERS)('dynamic origins on %s', (adapter) => {
  const logs = new LogCapture();
  let app: INestApplication;
  let rejections: ReturnType<typeof watchUnhandledRejections>;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      { imports: [CorsModule.forRoot()], controllers: [DynamicController] },
      { configure: (nestApp) => logs.attach(nestApp) },
    );
  });
  afterAll(async () => {
    await app.close();
    logs.detach();
  });
  beforeEach(() => {
    logs.clear();
    tenantsSeen.length = 0;
    rejections = watchUnhandledRejections();
  });
  afterEach(() => rejections.stop());

  it('allows the origin the async function accepts, on the preflight and the request', async () => {
    const pre = await preflight(app, '/dynamic/tenant', { origin: TENANT, method: 'GET' });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(TENANT);

    const res = await request(app.getHttpServer()).get('/dynamic/tenant').set('Origin', TENANT);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(TENANT);
  });

  it('refuses the origins the async function rejects', async () => {
    const pre = await preflight(app, '/dynamic/tenant', { origin: OTHER, method: 'GET' });
    expect(pre.status).toBe(403);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();

    const res = await request(app.getHttpServer()).get('/dynamic/tenant').set('Origin', OTHER);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives the function the request, once per request', async () => {
    await preflight(app, '/dynamic/tenant', { origin: TENANT, method: 'GET' }).set(
      'X-Tenant',
      'acme',
    );
    await request(app.getHttpServer())
      .get('/dynamic/tenant')
      .set('Origin', TENANT)
      .set('X-Tenant', 'globex');
    expect(tenantsSeen).toEqual(['acme', 'globex']);
  });

  describe.each([
    ['throws', 'tenant lookup exploded'],
    ['rejects', 'tenant database unreachable'],
  ])('an origin function that %s', (route, reason) => {
    const path = `/dynamic/${route}`;
    const location = `DynamicController.${route} (GET ${path})`;

    it('denies the preflight with 403 and logs a warning naming the route', async () => {
      const pre = await preflight(app, path, { origin: TENANT, method: 'GET' });
      expect(pre.status).toBe(403);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();

      const warnings = logs.messages('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(location);
      expect(warnings[0]).toContain('preflight refused');
      expect(warnings[0]).toContain(reason);

      await settle();
      expect(rejections.reasons).toEqual([]);
      expect(logs.messages('error')).toEqual([]);
    });

    it('answers the request 200 without CORS headers and logs a warning naming the route', async () => {
      const res = await request(app.getHttpServer()).get(path).set('Origin', TENANT);
      expect(res.status).toBe(200);
      expect(res.text).toBe(route);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();

      const warnings = logs.messages('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(location);
      expect(warnings[0]).toContain('request refused');
      expect(warnings[0]).toContain(reason);

      await settle();
      expect(rejections.reasons).toEqual([]);
      expect(logs.messages('error')).toEqual([]);
    });
  });
});
