import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  All,
  Controller,
  ForbiddenException,
  Get,
  Head,
  Module,
  Next,
  Post,
  Put,
  Res,
  Version,
  VERSION_NEUTRAL,
  VersioningType,
  type INestApplication,
  type Type,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { RouteConstraints } from '@nestjs/platform-fastify';
import http, { type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { Cors, CorsInspector, CorsModule } from '../../../lib/index.js';
import { CorsPolicyTableHost } from '../../../lib/policy-table/cors-policy-table.host.js';
import { listen, pipelinedRequests } from '../../security/support/raw-http.js';
import {
  ADAPTERS,
  createApp,
  NEST_MAJOR,
  type AdapterName,
  type AppOptions,
} from '../../support/create-app.js';
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
  @Get(['', 'next', 'fail', 'sent', 'async'])
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

// Bound to a host by Nest alone: fastify routes every host here, and Nest's
// filter answers a 404 for another host; express hands the request on.
@Controller({ path: 'vault', host: 'admin.example.com' })
@Cors({ origin: [ADMIN_UI] })
class VaultController {
  @Get()
  show() {
    return 'vault';
  }
}

// Bound by fastify's constraint alone: express ignores it.
@Controller('board')
@Cors({ origin: [ADMIN_UI] })
class BoardController {
  @Get()
  @ADMIN_HOST
  show() {
    return 'board';
  }
}

/** Set by the handler that goes on after handing its request on. */
let ranAfterNext = false;

@Controller()
@Cors({ origin: [TWO] })
class CatchAllController {
  @Get(':slug')
  show() {
    return 'catch-all';
  }

  // express only below: fastify gives a handler no `next`.
  @Get(':slug/next')
  passOn(@Next() next: () => void) {
    next();
  }

  @Get(':slug/fail')
  fail(@Next() next: (error: unknown) => void) {
    next(new ForbiddenException('refused by the catch-all'));
  }

  @Get(':slug/sent')
  sendThenPassOn(@Res() response: ServerResponse, @Next() next: () => void) {
    response.end('sent');
    next();
    ranAfterNext = true;
  }

  @Get(':slug/async')
  @Cors({ origin: async (origin: string) => origin === TWO })
  decideLater() {
    return 'decided later';
  }

  @Get('docs/private')
  privateDocs() {
    return 'private docs';
  }

  @Post(':slug')
  create() {
    return 'created';
  }
}

// Version 1 answers late: requests pipelined behind it wait for the connection.
@Controller({ path: 'slow', version: '1' })
@Cors({ origin: [ONE] })
class SlowV1Controller {
  @Get()
  async show() {
    await sleep(30);
    return 'slow v1';
  }
}

// express: version 2 is behind an @All() that takes every request version 1 passes on.
@Controller('gates')
class GatesController {
  @Get()
  @Version('1')
  @Cors({ origin: [ONE] })
  v1() {
    return 'gates v1';
  }

  @All()
  @Cors({ origin: [ONE] })
  any() {
    return 'gates any';
  }

  @Get()
  @Version('2')
  @Cors({ origin: [TWO] })
  v2() {
    return 'gates v2';
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
        controllers: [
          ItemsV1Controller,
          SlowV1Controller,
          AdminPanelController,
          VaultController,
          BoardController,
          ...(adapter === 'express' ? [GatesController] : []),
          CatchAllController,
        ],
      },
      {
        configure: (nest) => {
          nest.enableVersioning(HEADER_VERSIONING);
          // A route registered on the adapter, with the global policy, that hands every request on.
          if (adapter === 'express') {
            const http = nest.getHttpAdapter();
            http.get('/docs/:page', (_request, _response, next) => next?.());
            // One that answers every request itself.
            http.post('/hook', (_request, response: ServerResponse) => response.end('hooked'));
          }
        },
      },
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

  it('gets the policy of the route it is handed on to while pipelined behind another', async () => {
    const version = (value: string, origin: string) =>
      [
        ['X-API-Version', value],
        ['Origin', origin],
      ] as const;
    const responses = await pipelinedRequests(await listen(app), [
      { method: 'GET', path: '/slow', headers: version('1', ONE) },
      { method: 'GET', path: '/items', headers: version('2', TWO) },
      { method: 'GET', path: '/items', headers: version('2', ONE) },
      { method: 'GET', path: '/items', headers: version('1', ONE) },
    ]);
    expect(
      responses.map((response) => [response.body, response.headers['access-control-allow-origin']]),
    ).toEqual([
      ['slow v1', [ONE]],
      ['catch-all', [TWO]],
      ['catch-all', undefined],
      ['items v1', [ONE]],
    ]);
  });

  it('answers a preflight with the policies of every route express may reach', async () => {
    const headers = { headers: 'x-api-version' };
    expectAllowed(await preflight(app, '/items', ONE, 'GET', headers), ONE);
    const elsewhere = { ...headers, host: 'api.example.com' };
    // The catch-all takes these; fastify's fallback when a constraint fails is
    // not weighed, so there the preflight fails closed.
    for (const [path, options] of [
      ['/items', headers],
      ['/panel', elsewhere],
    ] as const) {
      const fromTwo = await preflight(app, path, TWO, 'GET', options);
      if (adapter === 'express') expectAllowed(fromTwo, TWO);
      else expectRefused(fromTwo);
    }
    expectRefused(await preflight(app, '/panel', ADMIN_UI, 'GET', elsewhere));
  });

  it('gets the answer of an origin function the route it is handed on to waits for', async () => {
    const fromTwo = await get('/items/async', TWO, '2');
    expect(fromTwo.text).toBe('decided later');
    expect(allowOrigin(fromTwo)).toBe(TWO);
    const fromOne = await get('/items/async', ONE, '2');
    expect(fromOne.text).toBe('decided later');
    expect(allowOrigin(fromOne)).toBeUndefined();
  });

  it('gets the policy of the route a host filter or constraint hands it on to', async () => {
    const elsewhere = await get('/panel', APP);
    expect(elsewhere.text).toBe('catch-all');
    expect(allowOrigin(elsewhere)).toBeUndefined();
    const fromTwo = await get('/panel', TWO);
    expect(allowOrigin(fromTwo)).toBe(TWO);
    const onAdmin = await get('/panel', ADMIN_UI, '1', 'admin.example.com');
    expect(onAdmin.text).toBe('admin panel');
    expect(allowOrigin(onAdmin)).toBe(ADMIN_UI);

    const board = await get('/board', ADMIN_UI);
    expect(board.text).toBe(adapter === 'express' ? 'board' : 'catch-all');
    expect(allowOrigin(board)).toBe(adapter === 'express' ? ADMIN_UI : undefined);
  });

  it('keeps the headers decided before where a host filter turns the request away', async () => {
    // The global policy answers: no route took the request.
    for (const path of ['/panel/audit/log', ...(adapter === 'fastify' ? ['/vault'] : [])]) {
      const fromAdminUi = await get(path, ADMIN_UI);
      expect(fromAdminUi.status).toBe(404);
      expect(allowOrigin(fromAdminUi)).toBeUndefined();
      const fromApp = await get(path, APP);
      expect(fromApp.status).toBe(404);
      expect(allowOrigin(fromApp)).toBe(APP);
    }
  });

  if (adapter === 'express') {
    it('puts back the headers decided before when a handler hands the request on', async () => {
      // The catch-all passes /items/next on to a 404: version 1's answer stands.
      const fromTwo = await get('/items/next', TWO, '2');
      expect(fromTwo.status).toBe(404);
      expect(allowOrigin(fromTwo)).toBeUndefined();
      const fromOne = await get('/items/next', ONE, '2');
      expect(fromOne.status).toBe(404);
      expect(allowOrigin(fromOne)).toBe(ONE);
    });

    it('keeps the answer of a handler that passes on an error', async () => {
      const fromOne = await get('/items/fail', ONE, '2');
      expect(fromOne.status).toBe(403);
      expect(allowOrigin(fromOne)).toBeUndefined();
    });

    it('lets a handler that has sent its response hand the request on', async () => {
      const response = await get('/items/sent', TWO, '2');
      expect(response.text).toBe('sent');
      expect(allowOrigin(response)).toBe(TWO);
      expect(ranAfterNext).toBe(true);
    });

    it('weighs no route behind one that serves every request, or one it cannot read', async () => {
      const headers = { headers: 'x-api-version' };
      expectRefused(await preflight(app, '/gates', TWO, 'GET', headers));
      expectAllowed(await preflight(app, '/gates', ONE, 'GET', headers), ONE);
      expectRefused(await preflight(app, '/hook', TWO, 'POST'));
      const hooked = await request(app.getHttpServer()).post('/hook').set('Origin', TWO);
      expect(hooked.text).toBe('hooked');
    });

    it('gets the policy of the route a route registered on the adapter hands it on to', async () => {
      const fromApp = await get('/docs/private', APP);
      expect(fromApp.text).toBe('private docs');
      expect(allowOrigin(fromApp)).toBeUndefined();
      const fromTwo = await get('/docs/private', TWO);
      expect(allowOrigin(fromTwo)).toBe(TWO);
    });
  }
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

  // On fastify the version picks the handler, so the early answer holds for both: allowed only
  // where both allow. Express tries them in order, and the unversioned one, which never hands a
  // request on, serves every request: its answer is known before any handler runs.
  it('answers when no handler runs as the one that would serve it does, or for both', async () => {
    const fromTwo = await put('/locked', TWO);
    expect(fromTwo.status).toBe(401);
    expect(allowOrigin(fromTwo)).toBe(adapter === 'express' ? TWO : undefined);
    const fromOne = await put('/locked', ONE);
    expect(fromOne.status).toBe(401);
    expect(allowOrigin(fromOne)).toBe(ONE);
  });

  it('is explained as the wire answers it', async () => {
    const why = await app
      .get(CorsInspector)
      .explain({ method: 'PUT', path: '/drafts', origin: TWO });
    expect(why.outcome).toBe(adapter === 'express' ? 'allowed' : 'refused');
    if (adapter === 'express') expect(why.route).toBe('DraftsController.replace (PUT /drafts)');
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

describe('a VERSION_NEUTRAL route next to a version of its path on fastify', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      'fastify',
      { imports: [CorsModule.forRoot({ origin: false })], controllers: [NotesController] },
      { configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
    );
  });
  afterAll(() => app.close());

  // fastify picks the version route by its constraint, whatever the order: either may serve.
  it('weighs both for a preflight, and answers each request with its own handler', async () => {
    const headers = { headers: 'x-api-version' };
    expectAllowed(await preflight(app, '/notes', ONE, 'PUT', headers), ONE);
    expectAllowed(await preflight(app, '/notes', TWO, 'PUT', headers), TWO);
    const cases = [
      ['2', TWO, 'notes v2', TWO],
      ['2', ONE, 'notes v2', undefined],
      ['1', ONE, 'notes neutral', ONE],
      ['1', TWO, 'notes neutral', undefined],
      [undefined, ONE, 'notes neutral', ONE],
      [undefined, TWO, 'notes neutral', undefined],
    ] as const;
    for (const [version, origin, text, allowed] of cases) {
      const put = request(app.getHttpServer()).put('/notes').set('Origin', origin);
      const res = await (version === undefined ? put : put.set('X-API-Version', version));
      expect([version, origin, res.text, allowOrigin(res)]).toEqual([
        version,
        origin,
        text,
        allowed,
      ]);
    }
  });
});

describe('a request handed on to another route over HTTP/2 on fastify', () => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    app = await createApp(
      'fastify',
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [ItemsV1Controller, CatchAllController],
      },
      {
        fastify: { http2: true },
        configure: (nest) => {
          nest.enableVersioning(HEADER_VERSIONING);
          // Streams of one session overlap between the early hook and their handlers.
          nest.use((_request: unknown, _response: unknown, next: () => void) =>
            setTimeout(next, 20),
          );
        },
      },
    );
    port = await listen(app);
  });
  afterAll(() => app.close());

  it('gets the policy of the route it is handed on to on each of concurrent streams', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const get = (origin: string) =>
      new Promise<[string, unknown]>((resolve, reject) => {
        let body = '';
        const stream = session.request({ ':path': '/items', 'x-api-version': '2', origin });
        let allowed: unknown;
        stream.on('response', (headers) => (allowed = headers['access-control-allow-origin']));
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (body += chunk));
        stream.on('end', () => resolve([body, allowed]));
        stream.on('error', reject);
      });
    try {
      expect(await Promise.all([get(ONE), get(ONE), get(TWO)])).toEqual([
        ['catch-all', undefined],
        ['catch-all', undefined],
        ['catch-all', TWO],
      ]);
    } finally {
      session.close();
    }
  });
});

describe.each(ADAPTERS)('requests handed on to another route on %s', (adapter) => {
  /** What each request carried, held weakly. */
  const carried: Array<WeakRef<object>> = [];
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [ItemsV1Controller, CatchAllController],
      },
      {
        configure: (nest) => {
          nest.enableVersioning(HEADER_VERSIONING);
          nest.use((request: { body?: unknown }, _response: unknown, next: () => void) => {
            const load = { bytes: Buffer.alloc(1024 * 1024) };
            request.body = load;
            carried.push(new WeakRef(load));
            next();
          });
        },
      },
    );
    port = await listen(app);
  });
  afterAll(() => app.close());

  it('are not kept alive by an idle keep-alive connection once answered', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<string>((resolve, reject) => {
        const headers = { 'x-api-version': '2', origin: TWO };
        http
          .get({ port, host: '127.0.0.1', path: '/items', agent, headers }, (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (body += chunk));
            response.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
    try {
      for (let i = 0; i < 3; i++) expect(await get()).toBe('catch-all');
      await new Promise((resolve) => setImmediate(resolve));
      (globalThis as { gc?: () => void }).gc!();
      expect(carried.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
    } finally {
      agent.destroy();
    }
  });
});

// A handler announcing itself costs every request it serves a few calls: only
// handlers that may serve a request decided before its handler is known do.
@Controller('plain/list')
class PlainController {
  @Get()
  list() {
    return 'plain';
  }
}

@Controller({ path: 'reports', version: '1' })
@Cors({ origin: [ONE] })
class ReportsV1Controller {
  @Get()
  list() {
    return 'reports v1';
  }
}

@Controller('reports')
@Cors({ origin: [TWO] })
class ReportsLatestController {
  @Get()
  list() {
    return 'reports latest';
  }
}

/**
 * The locations of the handlers that announce themselves to replace a
 * provisional decision, as they do. On express every other handler is called
 * too, as decided for already, only to check whether middleware rerouted the
 * request (rewritten-paths spec): not counted here.
 */
function recordAnnouncements(app: INestApplication): string[] {
  const announced: string[] = [];
  const tables = app.get(CorsPolicyTableHost);
  const listener = tables.servedRouteListener!;
  tables.servedRouteListener = (entry, handler, self, args, decidedForIt) => {
    if (!decidedForIt) announced.push(entry.route.location);
    return listener(entry, handler, self, args, decidedForIt);
  };
  return announced;
}

describe.each(ADAPTERS)('handlers that announce themselves on %s', (adapter) => {
  const appWith = (configure?: (nest: INestApplication) => void) =>
    createApp(
      adapter,
      { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [PlainController] },
      { configure },
    );
  const get = (app: INestApplication, path: string) =>
    request(app.getHttpServer()).get(path).set('Origin', APP);

  it('are none where every request is decided for the handler that serves it', async () => {
    const app = await appWith();
    try {
      const announced = recordAnnouncements(app);
      const res = await get(app, '/plain/list');
      expect(res.text).toBe('plain');
      expect(allowOrigin(res)).toBe(APP);
      expect(announced).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('include, beside a route registered on the adapter, those that may serve its requests', async () => {
    const app = await appWith((nest) => {
      const http = nest.getHttpAdapter();
      http.get('/health', (_request: unknown, response: unknown) =>
        http.reply(response, 'ok', 200),
      );
    });
    try {
      const announced = recordAnnouncements(app);
      expect(allowOrigin(await get(app, '/plain/list'))).toBe(APP);
      expect(allowOrigin(await get(app, '/health'))).toBe(APP);
      const health = 'GET /health (registered on the adapter)';
      // Express hands its requests on to the routes of its path only; fastify
      // may serve a request with a route of another method or pattern (HEAD by
      // GET, an @All() beside one method), so there every handler announces.
      expect(announced).toEqual(
        adapter === 'express' ? [health] : ['PlainController.list (GET /plain/list)', health],
      );
    } finally {
      await app.close();
    }
  });
});

@Controller('items')
@Cors({ origin: [ONE] })
class ItemListController {
  @Get('list')
  list() {
    return 'list';
  }
}

@Controller('drafts')
@Cors({ origin: [ONE] })
class DraftsV2Controller {
  @All()
  @Version('2')
  any() {
    return 'drafts v2';
  }
}

// fastify serves these with another route than the one registered on the
// adapter at the path and method the request names.
describe('routes registered on the fastify adapter beside the route that serves a request', () => {
  // Nest 11 registers a versioned @All() in a way fastify refuses beside a POST of its path.
  const versionedAll = NEST_MAJOR >= 12;
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      'fastify',
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [ItemListController, ...(versionedAll ? [DraftsV2Controller] : [])],
      },
      {
        configure: (nest) => {
          nest.enableVersioning(HEADER_VERSIONING);
          const http = nest.getHttpAdapter();
          http.head('/items/:id', (_request: unknown, response: unknown) =>
            http.reply(response, '', 200),
          );
          if (versionedAll)
            http.post('/drafts', (_request: unknown, response: unknown) =>
              http.reply(response, 'drafts on the adapter', 200),
            );
        },
      },
    );
  });
  afterAll(() => app.close());

  it('leave HEAD of a static GET path to the GET route', async () => {
    const head = (origin: string) =>
      request(app.getHttpServer()).head('/items/list').set('Origin', origin);
    const [fromOne, fromApp] = [await head(ONE), await head(APP)];
    expect([fromOne.status, allowOrigin(fromOne), allowOrigin(fromApp)]).toEqual([
      200,
      ONE,
      undefined,
    ]);
  });

  if (versionedAll)
    it('leave a request of the version an @All() serves to it', async () => {
      const post = (origin: string) =>
        request(app.getHttpServer())
          .post('/drafts')
          .set('X-API-Version', '2')
          .set('Origin', origin);
      const [fromOne, fromApp] = [await post(ONE), await post(APP)];
      expect([fromOne.text, allowOrigin(fromOne), fromApp.text, allowOrigin(fromApp)]).toEqual([
        'drafts v2',
        ONE,
        'drafts v2',
        undefined,
      ]);
    });
});

describe('handlers that announce themselves next to versions on express', () => {
  let app: INestApplication;
  let announced: string[];
  beforeAll(async () => {
    app = await createApp(
      'express',
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [PlainController, ReportsV1Controller, ReportsLatestController],
      },
      { configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
    );
    announced = recordAnnouncements(app);
  });
  afterAll(() => app.close());

  it('are those that may serve a request a version filter hands on, and no other', async () => {
    const plain = await request(app.getHttpServer()).get('/plain/list').set('Origin', APP);
    expect(allowOrigin(plain)).toBe(APP);
    expect(announced).toEqual([]);
    const latest = await request(app.getHttpServer())
      .get('/reports')
      .set('X-API-Version', '2')
      .set('Origin', TWO);
    expect(latest.text).toBe('reports latest');
    expect(allowOrigin(latest)).toBe(TWO);
    expect(announced).toEqual(['ReportsLatestController.list (GET /reports)']);
  });
});

@Controller('drafts')
@Cors({ origin: [APP] })
class UnversionedDraftsController {
  @Post()
  create() {
    return 'drafts unversioned';
  }
}

/** A fastify app of these controllers, in this order, with header versioning and no global origin. */
function versionedFastifyApp(controllers: Type[], fastify?: AppOptions['fastify']) {
  return createApp(
    'fastify',
    { imports: [CorsModule.forRoot({ origin: false })], controllers },
    { fastify, configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
  );
}

/** Sends `method` to `path` from an origin, asking for a version when given one. */
function versionedRequest(app: INestApplication, method: 'get' | 'head' | 'post', path: string) {
  return (origin: string, version?: string) => {
    const req = request(app.getHttpServer())[method](path).set('Origin', origin);
    return version === undefined ? req : req.set('X-API-Version', version);
  };
}

// fastify picks between an @All() and a route of one method at its path by
// their constraints: both may serve a request of that method. (Nest 11 cannot
// start this app: fastify refuses the second POST /drafts.)
if (NEST_MAJOR >= 12)
  describe.each([true, false])(
    'a versioned @All() beside an unversioned @Post() of its path on fastify, @All() first: %s',
    (allFirst) => {
      let app: INestApplication;
      beforeAll(async () => {
        app = await versionedFastifyApp(
          allFirst
            ? [DraftsV2Controller, UnversionedDraftsController]
            : [UnversionedDraftsController, DraftsV2Controller],
        );
      });
      afterAll(() => app.close());

      it('gets the policy of the one fastify serves it with', async () => {
        const post = versionedRequest(app, 'post', '/drafts');
        const answers = [
          await post(ONE, '2'),
          await post(APP, '2'),
          await post(APP),
          await post(ONE),
        ];
        expect(answers.map((res) => [res.text, allowOrigin(res)])).toEqual([
          ['drafts v2', ONE],
          ['drafts v2', undefined],
          ['drafts unversioned', APP],
          ['drafts unversioned', undefined],
        ]);
      });
    },
  );

@Controller('items')
@Cors({ origin: [APP] })
class ItemHeadController {
  @Head(':id')
  head() {
    return '';
  }
}

// fastify adds a HEAD route for each GET route, which competes with the HEAD
// routes registered: a static path outranks a parameter, as for any method.
describe.each([true, false])('HEAD on fastify, with HEAD routes added: %s', (exposeHeadRoutes) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      'fastify',
      {
        imports: [CorsModule.forRoot({ origin: false })],
        controllers: [ItemHeadController, ItemListController],
      },
      { fastify: { exposeHeadRoutes } },
    );
  });
  afterAll(() => app.close());

  const head = (path: string, origin: string) =>
    request(app.getHttpServer()).head(path).set('Origin', origin);

  it('gets the policy of the route fastify serves it with', async () => {
    const [fromOne, fromApp] = [await head('/items/list', ONE), await head('/items/list', APP)];
    expect([fromOne.status, fromApp.status]).toEqual([200, 200]);
    // The GET route's HEAD when fastify adds it; the registered HEAD route otherwise.
    const served = exposeHeadRoutes ? ONE : APP;
    expect(allowOrigin(served === ONE ? fromOne : fromApp)).toBe(served);
    expect(allowOrigin(served === ONE ? fromApp : fromOne)).toBeUndefined();
    expect(allowOrigin(await head('/items/7', APP))).toBe(APP);
  });
});

@Controller('reports')
class ReportHeadController {
  @Head()
  @Cors({ origin: [APP] })
  head() {
    return '';
  }
}

@Controller('reports')
class ReportGetV1Controller {
  @Get()
  @Version('1')
  @Cors({ origin: [ONE] })
  get() {
    return 'reports v1';
  }
}

// fastify adds a HEAD route for a GET route beside a HEAD route of its path
// whose constraints differ, and picks between the two by them.
describe.each([
  ['HEAD first', [ReportHeadController, ReportGetV1Controller]],
  ['GET first', [ReportGetV1Controller, ReportHeadController]],
])(
  'a versioned GET beside an unversioned HEAD of its path on fastify, %s',
  (_order, controllers) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await versionedFastifyApp(controllers);
    });
    afterAll(() => app.close());

    it('gets for HEAD the policy of the route that serves it', async () => {
      const head = versionedRequest(app, 'head', '/reports');
      const answers = [
        await head(ONE, '1'),
        await head(APP, '1'),
        await head(APP),
        await head(ONE),
      ];
      expect(answers.map(allowOrigin)).toEqual([ONE, undefined, APP, undefined]);
    });
  },
);

@Controller()
class AnyDocsController {
  @All('Docs')
  @Cors({ origin: [APP] })
  any() {
    return 'any';
  }
}

@Controller()
class DocsV1Controller {
  @Get('docs')
  @Version('1')
  @Cors({ origin: [ONE] })
  get() {
    return 'docs v1';
  }
}

// Not case-sensitive, fastify takes "Docs" and "docs" for one path.
describe.each([
  ['@All() first', [AnyDocsController, DocsV1Controller]],
  ['GET first', [DocsV1Controller, AnyDocsController]],
])(
  'an @All() and a versioned GET whose paths differ in case on fastify, %s',
  (_order, controllers) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await versionedFastifyApp(controllers, { routerOptions: { caseSensitive: false } });
    });
    afterAll(() => app.close());

    it('gets the policy of the route that serves it', async () => {
      const get = versionedRequest(app, 'get', '/docs');
      const answers = [await get(ONE, '1'), await get(APP, '1'), await get(APP), await get(ONE)];
      expect(answers.map((res) => [res.text, allowOrigin(res)])).toEqual([
        ['docs v1', ONE],
        ['docs v1', undefined],
        ['any', APP],
        ['any', undefined],
      ]);
    });
  },
);

// Version 1 answers every origin with "*", which does not vary by Origin; other
// versions go on to the catch-all, whose answer does.
@Controller({ path: 'open', version: '1' })
@Cors({ origin: '*' })
class OpenV1Controller {
  @Get()
  list() {
    return 'open v1';
  }
}

describe.each(ADAPTERS)('a request without Origin that may be handed on, on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: false })],
        controllers: [OpenV1Controller, CatchAllController],
      },
      { configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
    );
  });
  afterAll(() => app.close());

  it('carries Vary: Origin, since the route that serves it may answer by Origin', async () => {
    const get = (version: string) =>
      request(app.getHttpServer()).get('/open').set('X-API-Version', version);
    const handedOn = await get('2');
    expect(handedOn.text).toBe('catch-all');
    expect(handedOn.headers.vary).toBe('Origin');
    const served = await get('1');
    expect(served.text).toBe('open v1');
    expect(served.headers.vary).toBe('Origin');
  });
});
