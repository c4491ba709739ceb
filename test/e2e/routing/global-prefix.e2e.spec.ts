import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Delete, Get, Put, RequestMethod, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const X = 'https://x.example';
const HEALTH = 'https://health.example';
const HOOKS = 'https://hooks.example';

@Controller('x')
@Cors({ origin: [X] })
class XController {
  @Get()
  read() {
    return 'x';
  }

  @Put()
  write() {
    return 'x written';
  }
}

// Excluded from the prefix: served at /health.
@Controller('health')
@Cors({ origin: [HEALTH] })
class HealthController {
  @Get()
  check() {
    return 'ok';
  }

  @Put()
  reset() {
    return 'reset';
  }
}

// Only PUT is excluded: PUT /hooks/:id, but DELETE /api/hooks/:id.
@Controller('hooks')
@Cors({ origin: [HOOKS] })
class HooksController {
  @Put(':id')
  receive() {
    return 'received';
  }

  @Delete(':id')
  remove() {
    return 'removed';
  }
}

describe.each(ADAPTERS)('global prefix on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [XController, HealthController, HooksController],
      },
      {
        configure: (nest) =>
          nest.setGlobalPrefix('api', {
            exclude: ['health', { path: 'hooks/:id', method: RequestMethod.PUT }],
          }),
      },
    );
  });
  afterAll(() => app.close());

  it('answers a preflight to /api/x with the route policy', async () => {
    expectAllowed(await preflight(app, '/api/x', X, 'PUT'), X, 'GET,PUT');
    expectRefused(await preflight(app, '/api/x', APP, 'PUT'));
  });

  it('does not treat the unprefixed path as the route: the global policy answers', async () => {
    expectAllowed(await preflight(app, '/x', APP, 'PUT'), APP, 'PUT');
    expectRefused(await preflight(app, '/x', X, 'PUT'));
  });

  it('answers a preflight to an excluded route with its own policy', async () => {
    expectAllowed(await preflight(app, '/health', HEALTH, 'PUT'), HEALTH, 'GET,PUT');
    expectRefused(await preflight(app, '/health', APP, 'PUT'));
  });

  it('does not find an excluded route under the prefix', async () => {
    expectAllowed(await preflight(app, '/api/health', APP, 'PUT'), APP, 'PUT');
    expectRefused(await preflight(app, '/api/health', HEALTH, 'PUT'));
  });

  it('tells apart a method excluded from the prefix and one that is not', async () => {
    expectAllowed(await preflight(app, '/hooks/1', HOOKS, 'PUT'), HOOKS, 'PUT');
    expectAllowed(await preflight(app, '/api/hooks/1', HOOKS, 'DELETE'), HOOKS, 'DELETE');
    // The other combinations are not routed, so the global policy answers them.
    expectRefused(await preflight(app, '/hooks/1', HOOKS, 'DELETE'));
    expectRefused(await preflight(app, '/api/hooks/1', HOOKS, 'PUT'));
  });

  it('sends the route policy on actual requests, prefixed or excluded', async () => {
    const prefixed = await request(app.getHttpServer()).put('/api/x').set('Origin', X);
    expect(prefixed.status).toBe(200);
    expect(prefixed.text).toBe('x written');
    expect(prefixed.headers['access-control-allow-origin']).toBe(X);

    const excluded = await request(app.getHttpServer()).put('/hooks/9').set('Origin', HOOKS);
    expect(excluded.status).toBe(200);
    expect(excluded.text).toBe('received');
    expect(excluded.headers['access-control-allow-origin']).toBe(HOOKS);
  });
});
