import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Param, Put, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
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
