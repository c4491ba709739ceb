import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Module,
  Put,
  Version,
  VERSION_NEUTRAL,
  VersioningType,
  type INestApplication,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { RouteConstraints } from '@nestjs/platform-fastify';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

// The route whose path and method a request names is not always the one that
// serves it: a version or host filter hands it on to a later route on express,
// and fastify falls back to another route when a constraint fails. The actual
// request must get the policy of the handler that serves it.

const ONE = 'https://one.example';
const TWO = 'https://two.example';
const ADMIN_UI = 'https://admin-ui.example';
const APP = 'https://app.example';

const HEADER_VERSIONING = { type: VersioningType.HEADER, header: 'X-API-Version' } as const;

const allowOrigin = (response: { headers: Record<string, string | undefined> }) =>
  response.headers['access-control-allow-origin'];

// Version 1 only; any other version goes on to the catch-all below.
@Controller({ path: 'items', version: '1' })
@Cors({ origin: [ONE] })
class ItemsV1Controller {
  @Get()
  list() {
    return 'items v1';
  }
}

// fastify's constraint on the host makes the request for another host fall
// back to the catch-all, as Nest's host filter does on express.
const ADMIN_HOST = RouteConstraints({ host: /^admin\.example\.com(:\d+)?$/ });

@Controller({ path: 'panel', host: 'admin.example.com' })
@Cors({ origin: [ADMIN_UI] })
class AdminPanelController {
  @Get()
  @ADMIN_HOST
  show() {
    return 'admin panel';
  }

  // No other route matches this path: a request for another host ends in a 404.
  @Get('audit/log')
  @ADMIN_HOST
  audit() {
    return 'admin audit';
  }
}

@Controller()
@Cors({ origin: [TWO] })
class CatchAllController {
  @Get(':slug')
  show() {
    return 'catch-all';
  }
}

describe.each(ADAPTERS)('a request handed on to another route on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        // The global policy allows APP, which the catch-all refuses.
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [ItemsV1Controller, AdminPanelController, CatchAllController],
      },
      { configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
    );
  });
  afterAll(() => app.close());

  const get = (path: string, origin: string, version = '1', host = 'api.example.com') =>
    request(app.getHttpServer())
      .get(path)
      .set('Host', host)
      .set('X-API-Version', version)
      .set('Origin', origin);

  it('gets the policy of the route a version filter hands it on to', async () => {
    const v2FromOne = await get('/items', ONE, '2');
    expect(v2FromOne.text).toBe('catch-all');
    expect(allowOrigin(v2FromOne)).toBeUndefined();
    const v2FromTwo = await get('/items', TWO, '2');
    expect(v2FromTwo.text).toBe('catch-all');
    expect(allowOrigin(v2FromTwo)).toBe(TWO);
    const v1FromOne = await get('/items', ONE);
    expect(v1FromOne.text).toBe('items v1');
    expect(allowOrigin(v1FromOne)).toBe(ONE);
  });

  it('gets the policy of the route a host filter hands it on to', async () => {
    const elsewhere = await get('/panel', APP);
    expect(elsewhere.text).toBe('catch-all');
    expect(allowOrigin(elsewhere)).toBeUndefined();
    const fromTwo = await get('/panel', TWO);
    expect(allowOrigin(fromTwo)).toBe(TWO);
    const onAdmin = await get('/panel', ADMIN_UI, '1', 'admin.example.com');
    expect(onAdmin.text).toBe('admin panel');
    expect(allowOrigin(onAdmin)).toBe(ADMIN_UI);
  });

  it('keeps the headers decided before when the route it is handed on from was the last', async () => {
    // The global policy answers: the admin route passed the request on to a 404.
    const fromAdminUi = await get('/panel/audit/log', ADMIN_UI);
    expect(fromAdminUi.status).toBe(404);
    expect(allowOrigin(fromAdminUi)).toBeUndefined();
    const fromApp = await get('/panel/audit/log', APP);
    expect(fromApp.status).toBe(404);
    expect(allowOrigin(fromApp)).toBe(APP);
  });
});

// Two handlers at PUT /drafts, and the same at /locked, where a middleware
// answers first. Which handler serves depends on the adapter.
@Controller(['drafts', 'locked'])
class DraftsController {
  @Put()
  @Cors({ origin: [ONE, TWO] })
  replace() {
    return 'unversioned';
  }

  @Put()
  @Version('2')
  @Cors({ origin: [ONE] })
  replaceV2() {
    return 'v2';
  }
}

/** A middleware that answers every request itself: no handler runs. */
function refuseAll(_request: unknown, response: ServerResponse) {
  response.statusCode = 401;
  response.end('no');
}

@Module({ controllers: [DraftsController] })
class DraftsModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(refuseAll).forRoutes('locked');
  }
}

describe.each(ADAPTERS)('routes sharing a method and path on %s', (adapter: AdapterName) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: false }), DraftsModule],
      },
      { configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
    );
  });
  afterAll(() => app.close());

  const put = (path: string, origin: string) =>
    request(app.getHttpServer()).put(path).set('X-API-Version', '2').set('Origin', origin);

  it('gives the actual request the policy of the handler that serves it', async () => {
    const fromTwo = await put('/drafts', TWO);
    // Express serves every PUT with the unversioned handler; fastify picks version 2.
    const served = adapter === 'express' ? 'unversioned' : 'v2';
    expect(fromTwo.text).toBe(served);
    expect(allowOrigin(fromTwo)).toBe(adapter === 'express' ? TWO : undefined);
    const fromOne = await put('/drafts', ONE);
    expect(fromOne.text).toBe(served);
    expect(allowOrigin(fromOne)).toBe(ONE);
  });

  it('answers for every one of them when no handler runs', async () => {
    const fromTwo = await put('/locked', TWO);
    expect(fromTwo.status).toBe(401);
    expect(allowOrigin(fromTwo)).toBeUndefined();
    const fromOne = await put('/locked', ONE);
    expect(fromOne.status).toBe(401);
    expect(allowOrigin(fromOne)).toBe(ONE);
  });
});

// A VERSION_NEUTRAL handler lets every request through its version filter.
@Controller('notes')
class NotesController {
  @Put()
  @Version(VERSION_NEUTRAL)
  @Cors({ origin: [ONE] })
  replace() {
    return 'notes neutral';
  }

  @Put()
  @Version('2')
  @Cors({ origin: [TWO] })
  replaceV2() {
    return 'notes v2';
  }
}

describe('a VERSION_NEUTRAL route before a version of its path on express', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      'express',
      { imports: [CorsModule.forRoot({ origin: false })], controllers: [NotesController] },
      { configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
    );
  });
  afterAll(() => app.close());

  it('serves every request, so the version behind it does not count', async () => {
    const headers = { headers: 'x-api-version' };
    expectAllowed(await preflight(app, '/notes', ONE, 'PUT', headers), ONE);
    expectRefused(await preflight(app, '/notes', TWO, 'PUT', headers));
    const fromTwo = await request(app.getHttpServer())
      .put('/notes')
      .set('X-API-Version', '2')
      .set('Origin', TWO);
    expect(fromTwo.text).toBe('notes neutral');
    expect(allowOrigin(fromTwo)).toBeUndefined();
  });
});
