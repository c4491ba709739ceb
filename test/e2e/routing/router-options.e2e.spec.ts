import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Param, Put, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import {
  ADAPTERS,
  createApp,
  type AdapterName,
  type AppOptions,
} from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const ID = 'https://id.example';

@Controller('users')
class UsersController {
  @Put(':id')
  @Cors({ origin: [ID] })
  update(@Param('id') id: string) {
    return `user ${id}`;
  }
}

/**
 * Each adapter configured away from its default matching. fastify is made case
 * insensitive and tolerant of trailing slashes. express is told to be case
 * sensitive and strict, the way a Nest app can say it (app.set after create),
 * but its router already exists by then and keeps the defaults (Nest's
 * ExpressAdapter says so in getRouteMatchingOptions): both still route
 * /USERS/42 and /users/42/, and a preflight must follow what the router does.
 */
function appWithRouterOptions(adapter: AdapterName) {
  const metadata = {
    imports: [CorsModule.forRoot({ origin: [APP] })],
    controllers: [UsersController],
  };
  if (adapter === 'express') {
    return createApp(adapter, metadata, {
      configure: (nest) => {
        const app = nest as NestExpressApplication;
        app.set('case sensitive routing', true);
        app.set('strict routing', true);
      },
    });
  }
  return createApp(adapter, metadata, {
    fastify: { routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } },
  });
}

describe.each(ADAPTERS)('non-default router options on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await appWithRouterOptions(adapter);
  });
  afterAll(() => app.close());

  it.each(['/USERS/42', '/users/42/'])('finds %s as the router does', async (path) => {
    const actual = await request(app.getHttpServer()).put(path).set('Origin', ID);
    expect(actual.status).toBe(200);
    expect(actual.text).toBe('user 42');

    expectAllowed(await preflight(app, path, ID, 'PUT'), ID, 'PUT');
    expectRefused(await preflight(app, path, APP, 'PUT'));
  });

  it('still finds the exact path', async () => {
    expectAllowed(await preflight(app, '/users/42', ID, 'PUT'), ID, 'PUT');
  });
});

const ADMIN = 'https://admin.example';

@Controller('orders')
class OrdersController {
  @Put('1')
  @Cors({ origin: [ADMIN] })
  replace() {
    return 'replaced';
  }

  @Put(':id')
  @Cors({ origin: [ID] })
  update(@Param('id') id: string) {
    return `order ${id}`;
  }

  // Never served: its path ends at the ";".
  @Put('2;x')
  @Cors({ origin: [APP] })
  unreachable() {
    return 'unreachable';
  }
}

// fastify's useSemicolonDelimiter ends the path at ";" as at "?": "/orders/1;x" is "/orders/1".
type FastifyOptions = AppOptions['fastify'];

describe.each<[string, FastifyOptions]>([
  ['at the top level', { useSemicolonDelimiter: true }],
  // An option fastify's types leave out of routerOptions, though its schema has it.
  ['in routerOptions', { routerOptions: { useSemicolonDelimiter: true } } as FastifyOptions],
])('fastify with useSemicolonDelimiter %s', (_where, fastify) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      'fastify',
      { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [OrdersController] },
      { fastify },
    );
  });
  afterAll(() => app.close());

  it.each([
    ['/orders/1;x', ADMIN, 'replaced'],
    ['/orders/1;x?y=2', ADMIN, 'replaced'],
    ['/orders/7;x', ID, 'order 7'],
    ['/orders/2;x', ID, 'order 2'],
  ])('answers %s with the policy of the route that serves it', async (path, origin, body) => {
    const actual = await request(app.getHttpServer()).put(path).set('Origin', origin);
    expect({ status: actual.status, body: actual.text }).toEqual({ status: 200, body });
    expect(actual.headers['access-control-allow-origin']).toBe(origin);
    expectAllowed(await preflight(app, path, origin, 'PUT'), origin, 'PUT');

    const refused = await request(app.getHttpServer()).put(path).set('Origin', APP);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expectRefused(await preflight(app, path, APP, 'PUT'));
  });
});
