import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  RequestMethod,
  UseGuards,
  type CanActivate,
  type INestApplication,
} from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const ONE = 'https://one.example';
const TWO = 'https://two.example';

class DenyAll implements CanActivate {
  canActivate() {
    return false;
  }
}

// Static paths first: express would serve them with `:id` otherwise.
@Controller('items')
class ItemsController {
  @Get()
  list() {
    return 'items';
  }

  @Get('secret')
  @Cors(false)
  secret() {
    return 'secret';
  }

  @Get('guarded')
  @UseGuards(DenyAll)
  @Cors({ origin: [TWO] })
  guarded() {
    return 'never';
  }

  // Written as Nest 11 users wrote wildcards; express registers it as `*path`.
  @Get('files/*')
  file() {
    return 'file';
  }

  @Get(':id')
  @Cors({ origin: [TWO], credentials: true })
  item() {
    return 'item';
  }
}

// Tracing libraries set a route-triggered hook before app.init(). On Nest 11 that
// made Nest register a bare wrapper around every handler, and each route then
// got the global policy: here, ONE on routes that refuse it.
describe.each(ADAPTERS)('with a route-triggered hook on %s', (adapter) => {
  let app: INestApplication;
  const triggered: Array<[RequestMethod, string]> = [];
  beforeAll(async () => {
    app = await createApp(
      adapter,
      { imports: [CorsModule.forRoot({ origin: [ONE] })], controllers: [ItemsController] },
      {
        configure: (nest) =>
          (nest.getHttpAdapter() as AbstractHttpAdapter).setOnRouteTriggered((method, path) =>
            triggered.push([method, path]),
          ),
      },
    );
  });
  afterAll(() => app.close());

  const get = async (path: string, origin: string) => {
    triggered.length = 0;
    const res = await request(app.getHttpServer()).get(path).set('Origin', origin);
    return { res, triggered: [...triggered] };
  };

  it("gives each route its own policy, and calls the hook with the route's method and path", async () => {
    const item = await get('/items/7', TWO);
    expect(item.res.text).toBe('item');
    expect(item.res.headers['access-control-allow-origin']).toBe(TWO);
    expect(item.res.headers['access-control-allow-credentials']).toBe('true');
    expect(item.triggered).toEqual([[RequestMethod.GET, '/items/:id']]);

    const fromOne = await get('/items/7', ONE);
    expect(fromOne.res.headers['access-control-allow-origin']).toBeUndefined();

    const list = await get('/items', ONE);
    expect(list.res.headers['access-control-allow-origin']).toBe(ONE);
    expect(list.triggered).toEqual([[RequestMethod.GET, '/items']]);
  });

  it('keeps a route with @Cors(false) closed to the global origins', async () => {
    const secret = await get('/items/secret', ONE);
    expect(secret.res.text).toBe('secret');
    expect(secret.res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("answers a guard's refusal with the route's headers, the hook called before the guard", async () => {
    const guarded = await get('/items/guarded', TWO);
    expect(guarded.res.status).toBe(403);
    expect(guarded.res.headers['access-control-allow-origin']).toBe(TWO);
    expect(guarded.triggered).toEqual([[RequestMethod.GET, '/items/guarded']]);
  });

  it('gives the hook the path as the controller wrote it', async () => {
    const file = await get('/items/files/a/b', ONE);
    expect(file.res.text).toBe('file');
    expect(file.res.headers['access-control-allow-origin']).toBe(ONE);
    expect(file.triggered).toEqual([[RequestMethod.GET, '/items/files/*']]);
  });

  it("answers preflights by each route's policy", async () => {
    expectAllowed(await preflight(app, '/items/7', TWO, 'GET'), TWO);
    expectRefused(await preflight(app, '/items/7', ONE, 'GET'));
    expectRefused(await preflight(app, '/items/secret', ONE, 'GET'));
  });
});
