import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { preflight } from '../../support/cors-http.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';
import { settle, watchUnhandledRejections } from '../../support/process-faults.js';

const HANGING = 'https://hanging.example';
const FINE = 'https://fine.example';
const VISITOR = 'https://visitor.example';
/** Long enough that the other request is answered well inside it, even on a busy machine. */
const TIMEOUT = 400;

/** The tenant lookup of HANGING never answers; FINE is answered at once. */
const lookup = (origin: string) =>
  origin === HANGING ? new Promise<boolean>(() => undefined) : Promise.resolve(true);

@Controller('tenants')
@Cors({ origin: lookup, originFunctionTimeout: TIMEOUT, credentials: true })
class TenantsController {
  @Get()
  list() {
    return 'tenants';
  }
}

// What a data layer might throw: the app's internals, for its own log only.
@Controller('accounts')
@Cors({
  origin: () => {
    throw { query: 'SELECT origin FROM tenants', dsn: 'postgres://cors:s3cret@10.0.0.5/app' };
  },
})
class AccountsController {
  @Get()
  list() {
    return 'accounts';
  }
}

describe.each(ADAPTERS)('origin functions that fail, on %s', (adapter) => {
  const logs = new LogCapture();
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      { imports: [CorsModule.forRoot()], controllers: [TenantsController, AccountsController] },
      { configure: (created) => logs.attach(created, ['warn', 'error']) },
    );
  });
  afterAll(async () => {
    await app.close();
    logs.detach();
  });
  beforeEach(() => logs.clear());

  it('denies the origin once the timeout passes, while other requests are served meanwhile', async () => {
    const rejections = watchUnhandledRejections();
    const started = Date.now();
    const hanging = preflight(app, '/tenants', { origin: HANGING, method: 'GET' }).then((res) => ({
      res,
      took: Date.now() - started,
    }));
    const fine = await request(app.getHttpServer()).get('/tenants').set('Origin', FINE);
    const fineTook = Date.now() - started;
    const { res, took } = await hanging;
    await settle();
    rejections.stop();

    expect(fine.status).toBe(200);
    expect(fine.headers['access-control-allow-origin']).toBe(FINE);
    // Answered while the hanging preflight was still waiting for its origin function.
    expect(fineTook).toBeLessThan(took);

    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(took).toBeGreaterThanOrEqual(TIMEOUT - 10);
    expect(took).toBeLessThan(TIMEOUT + 1000);
    expect(rejections.reasons).toEqual([]);
    expect(logs.of('CorsModule', 'warn').map((entry) => entry.message)).toEqual([
      expect.stringContaining(
        `TenantsController.list (GET /tenants): preflight refused because origin "${HANGING}" is not allowed (the origin function failed: Error: the origin function did not answer within ${TIMEOUT} ms)`,
      ),
    ]);
  });

  it('answers the actual request without CORS headers once the timeout passes, never with a 5xx', async () => {
    const res = await request(app.getHttpServer()).get('/tenants').set('Origin', HANGING);
    expect(res.status).toBe(200);
    expect(res.text).toBe('tenants');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('refuses the preflight with the reason alone and logs what it threw', async () => {
    const res = await preflight(app, '/accounts', { origin: VISITOR, method: 'GET' });
    expect(res.status).toBe(403);
    expect(res.text).toBe(`CORS preflight refused: origin "${VISITOR}" is not allowed\n`);
    const warnings = logs.of('CorsModule', 'warn').map((entry) => entry.message);
    expect(warnings).toEqual([
      expect.stringContaining("dsn: 'postgres://cors:s3cret@10.0.0.5/app'"),
    ]);
  });
});
