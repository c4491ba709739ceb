import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Options,
  Put,
  Version,
  VersioningType,
  type INestApplication,
} from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsInspector, CorsModule, type CorsExplainQuery } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const EVIL = 'https://evil.example';

@Controller('users')
@Cors({ origin: [ADMIN], credentials: true })
class UsersController {
  @Get()
  list() {
    return [];
  }

  @Put(':id')
  @Cors({ allowedHeaders: ['content-type'], maxAge: 60 })
  update() {
    return {};
  }

  @Delete(':id')
  remove() {
    return {};
  }
}

/** The named policy replaces the global fields; nothing more specific overrides them here. */
@Controller('feed')
@Cors('public')
class FeedController {
  @Get()
  read() {
    return [];
  }
}

@Controller('health')
class HealthController {
  @Get()
  check() {
    return 'ok';
  }
}

const moduleOptions = {
  origin: [APP],
  policies: { public: { origin: '*', credentials: false } },
};

describe.each(ADAPTERS)('CorsInspector on %s', (adapter) => {
  let app: INestApplication;
  let inspector: CorsInspector;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ ...moduleOptions })],
      controllers: [UsersController, FeedController, HealthController],
    });
    inspector = app.get(CorsInspector);
  });
  afterAll(() => app.close());

  it('lists every route with its effective policy and where each field came from', () => {
    const routes = inspector.routes();
    expect(routes.map((r) => `${r.method} ${r.path} ${r.handler}`)).toEqual([
      'GET /users UsersController.list',
      'PUT /users/:id UsersController.update',
      'DELETE /users/:id UsersController.remove',
      'GET /feed FeedController.read',
      'GET /health HealthController.check',
    ]);
    const update = routes[1].policy;
    expect(update).toMatchObject({
      origin: [ADMIN],
      credentials: true,
      maxAge: 60,
      allowedHeaders: ['content-type'],
    });
    expect(update.sources).toMatchObject({
      origin: 'controller',
      credentials: 'controller',
      maxAge: 'method',
      allowedHeaders: 'method',
    });
    expect(routes[0].policy).toMatchObject({ origin: [ADMIN], credentials: true });
    expect(routes[3].policy).toMatchObject({ origin: '*', credentials: false });
    expect(routes[3].policy.sources).toMatchObject({
      origin: 'policy:public',
      credentials: 'policy:public',
    });
    expect(routes[4].policy).toMatchObject({ origin: [APP], credentials: false });
    expect(routes[4].policy.sources.origin).toBe('global');
    expect(JSON.parse(JSON.stringify(routes))).toEqual(routes);
  });

  it('explains a refused preflight in plain words, naming the route and what it allows', async () => {
    const why = await inspector.explain({
      path: '/users/42',
      origin: EVIL,
      requestMethod: 'DELETE',
    });
    expect(why).toMatchObject({ kind: 'preflight', outcome: 'refused', status: 403 });
    expect(why.route).toBe('UsersController.remove (DELETE /users/:id)');
    expect(why.reason).toBe(
      `origin "${EVIL}" is not allowed for UsersController.remove (DELETE /users/:id); allowed: ${ADMIN}`,
    );
    expect(why.headers).toEqual({
      Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    });
  });

  it('explains a header refusal with the headers the route allows', async () => {
    const why = await inspector.explain({
      path: '/users/1',
      origin: ADMIN,
      requestMethod: 'PUT',
      requestHeaders: 'content-type,x-trace',
    });
    expect(why.outcome).toBe('refused');
    expect(why.reason).toContain(
      '"x-trace" not allowed for UsersController.update (PUT /users/:id); allowed: content-type',
    );
  });

  it('explains an allowed preflight with the headers the answer carries, as the server answers it', async () => {
    const why = await inspector.explain({
      path: '/users/1',
      origin: ADMIN,
      requestMethod: 'PUT',
      requestHeaders: 'content-type',
    });
    expect(why).toMatchObject({ outcome: 'allowed', status: 204 });
    expect(why.reason).toContain(
      `origin "${ADMIN}" is allowed by UsersController.update (PUT /users/:id)`,
    );
    const res = await request(app.getHttpServer())
      .options('/users/1')
      .set('Origin', ADMIN)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'content-type');
    for (const [name, value] of Object.entries(why.headers))
      expect(res.headers[name.toLowerCase()]).toBe(value);
  });

  it('explains actual requests, allowed and refused, and requests without Origin', async () => {
    const allowed = await inspector.explain({ path: '/feed', origin: EVIL });
    expect(allowed).toMatchObject({
      kind: 'actual',
      outcome: 'allowed',
      headers: { 'Access-Control-Allow-Origin': '*' },
    });
    const refused = await inspector.explain({ method: 'DELETE', path: '/users/1', origin: APP });
    expect(refused.outcome).toBe('refused');
    expect(refused.reason).toContain(`allowed: ${ADMIN}`);
    const plain = await inspector.explain({ path: '/health' });
    expect(plain).toMatchObject({
      outcome: 'not-cors',
      route: 'HealthController.check (GET /health)',
      // What the hook sends, so that a cache keeps answers with and without Origin apart.
      headers: { Vary: 'Origin' },
    });
    const open = await inspector.explain({ path: '/feed' });
    expect(open).toMatchObject({
      outcome: 'not-cors',
      headers: { 'Access-Control-Allow-Origin': '*' },
    });
    expect(open.reason).toContain('allows any origin');
  });

  it('refuses a path that does not start with a slash, rather than answer for no route', async () => {
    await expect(inspector.explain({ path: 'users/1', origin: APP })).rejects.toThrow(
      /path must start with "\/"/,
    );
  });

  it('says when the global policy answers because no route serves the path', async () => {
    const why = await inspector.explain({ path: '/nowhere', origin: APP, requestMethod: 'PUT' });
    expect(why).toMatchObject({ outcome: 'allowed', route: 'CorsModule.forRoot() global policy' });
    // Naming the method alone: routes at other paths may serve the others.
    expect(why.headers['Access-Control-Allow-Methods']).toBe('PUT');
  });
});

@Controller('reports')
class ReportsController {
  @Get()
  @Version('1')
  @Cors({ origin: [ADMIN] })
  first() {
    return 'v1';
  }

  @Get()
  @Version('2')
  @Cors({ origin: [APP] })
  second() {
    return 'v2';
  }
}

describe.each(ADAPTERS)('CorsInspector with versions sharing a path on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [ReportsController, HealthController],
      },
      {
        configure: (nest) =>
          nest.enableVersioning({ type: VersioningType.HEADER, header: 'X-API-Version' }),
      },
    );
  });
  afterAll(() => app.close());

  it('says an actual request gets the early answer until the handler that serves it is known', async () => {
    const inspector = app.get(CorsInspector);
    const why = await inspector.explain({ path: '/reports', origin: APP });
    expect(why.outcome).toBe('refused');
    expect(why.reason).toContain('this is the early answer');
    expect(why.reason).toContain(
      'the handler that serves the request puts its own policy in place',
    );
    const served = await request(app.getHttpServer())
      .get('/reports')
      .set('X-API-Version', '2')
      .set('Origin', APP);
    expect(served.text).toBe('v2');
    expect(served.headers['access-control-allow-origin']).toBe(APP);
    const alone = await inspector.explain({ path: '/health', origin: APP });
    expect(alone.reason).not.toContain('early answer');
  });
});

describe.each(ADAPTERS)('debug option on %s', (adapter) => {
  const logs = new LogCapture();
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ ...moduleOptions, debug: true })],
        controllers: [UsersController, FeedController, HealthController],
      },
      { configure: (created) => logs.attach(created, ['log', 'warn', 'error']) },
    );
  });
  afterEach(() => {
    logs.entries.splice(0);
  });
  afterAll(async () => {
    await app.close();
    logs.detach();
  });

  it('logs the route and policy table at startup', () => {
    // Captured during init(), before the first afterEach.
    const table = logs.of('CorsModule', 'log').map((entry) => entry.message);
    expect(table).toHaveLength(5);
    expect(table[1]).toContain('PUT /users/:id -> UsersController.update');
    expect(table[1]).toContain('"maxAge":60');
  });

  it('logs every refusal with its reason at log level, and nothing for allowed requests', async () => {
    await request(app.getHttpServer()).get('/health').set('Origin', APP);
    expect(logs.of('CorsModule')).toEqual([]);
    await request(app.getHttpServer())
      .options('/health')
      .set('Origin', EVIL)
      .set('Access-Control-Request-Method', 'GET');
    await request(app.getHttpServer()).get('/health').set('Origin', EVIL);
    expect(logs.of('CorsModule', 'log').map((entry) => entry.message)).toEqual([
      `HealthController.check (GET /health): preflight refused: origin "${EVIL}" is not allowed`,
      `HealthController.check (GET /health): request refused: origin "${EVIL}" is not allowed`,
    ]);
  });
});

@Controller('tenant')
class TenantController {
  @Get()
  @Cors({
    // Each tenant's own site, by the API host the request came to.
    origin: (origin, request) =>
      origin ===
      `https://${String((request as { hostname?: string }).hostname).split('.')[0]}.example`,
  })
  read() {
    return 'tenant';
  }
}

describe.each(ADAPTERS)(
  'CorsInspector and an origin function reading the host, on %s',
  (adapter) => {
    it('decides as the wire does for the host it is given', async () => {
      const app = await createApp(adapter, {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [TenantController],
      });
      try {
        const inspector = app.get(CorsInspector);
        const outcomes = [];
        for (const origin of ['https://acme.example', 'https://other.example']) {
          const wire = await request(app.getHttpServer())
            .options('/tenant')
            .set('Host', 'acme.api.example:8443')
            .set('Origin', origin)
            .set('Access-Control-Request-Method', 'GET')
            .set('Access-Control-Request-Headers', 'authorization');
          const why = await inspector.explain({
            path: '/tenant',
            host: 'acme.api.example:8443',
            origin,
            requestMethod: 'GET',
            requestHeaders: 'authorization',
          });
          outcomes.push([wire.status === 204 ? 'allowed' : 'refused', why.outcome]);
        }
        expect(outcomes).toEqual([
          ['allowed', 'allowed'],
          ['refused', 'refused'],
        ]);
      } finally {
        await app.close();
      }
    });
  },
);

/** README's Quick start controller, as written there, for its `explain()` example. */
@Controller('users')
@Cors({ origin: [ADMIN], credentials: true })
class QuickStartUsersController {
  @Get()
  @Cors({ origin: '*', credentials: false })
  list() {}

  @Put(':id')
  update() {}

  @Delete(':id')
  @Cors(false)
  remove() {}
}

describe.each(ADAPTERS)("README's explain() example on %s", (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [QuickStartUsersController],
      },
      { configure: (nest) => nest.setGlobalPrefix('api') },
    );
  });
  afterAll(() => app.close());

  it('gives the outcome and reason README shows', async () => {
    const why = await app
      .get(CorsInspector)
      .explain({ path: '/api/users/1', origin: EVIL, requestMethod: 'PUT' });
    expect({ outcome: why.outcome, reason: why.reason }).toEqual({
      outcome: 'refused',
      reason:
        'origin "https://evil.example" is not allowed for QuickStartUsersController.update (PUT /api/users/:id); allowed: https://admin.example.com',
    });
  });
});

@Controller('devices')
class DevicesController {
  @Put()
  replace() {
    return 'replaced';
  }

  @Get()
  @Cors({ allowPrivateNetwork: true })
  list() {
    return [];
  }
}

@Controller('continued')
@Cors({ preflightContinue: true })
class ContinuedController {
  @Put()
  replace() {
    return 'replaced';
  }

  @Options()
  @HttpCode(202)
  own() {
    return 'own';
  }

  @Put('nowhere')
  nowhere() {
    return 'replaced';
  }
}

/** What the server answers a preflight, as explain() is asked about it. */
function preflightOnWire(
  app: INestApplication,
  path: string,
  origin: string,
  method: string,
  privateNetwork = false,
) {
  const req = request(app.getHttpServer())
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', method);
  return privateNetwork ? req.set('Access-Control-Request-Private-Network', 'true') : req;
}

describe.each(ADAPTERS)('explain() agrees with the wire on %s', (adapter) => {
  let app: INestApplication;
  let inspector: CorsInspector;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [UsersController, DevicesController, ContinuedController],
    });
    inspector = app.get(CorsInspector);
  });
  afterAll(() => app.close());

  it('for a Private Network Access preflight, refused and allowed', async () => {
    const refused = await preflightOnWire(app, '/devices', APP, 'PUT', true);
    expect(refused.status).toBe(403);
    const whyRefused = await inspector.explain({
      path: '/devices',
      origin: APP,
      requestMethod: 'PUT',
      privateNetwork: true,
    });
    expect(whyRefused.outcome).toBe('refused');
    expect(whyRefused.reason).toContain('private network');

    const allowed = await preflightOnWire(app, '/devices', APP, 'GET', true);
    expect(allowed.headers['access-control-allow-private-network']).toBe('true');
    const whyAllowed = await inspector.explain({
      path: '/devices',
      origin: APP,
      requestMethod: 'GET',
      privateNetwork: true,
    });
    expect(whyAllowed.headers['Access-Control-Allow-Private-Network']).toBe('true');
  });

  it('for a GET that carries Access-Control-Request-Method, which is an actual request', async () => {
    const wire = await request(app.getHttpServer())
      .get('/users')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'PUT');
    expect(wire.headers['access-control-allow-origin']).toBeUndefined();
    const why = await inspector.explain({
      method: 'GET',
      path: '/users',
      origin: APP,
      requestMethod: 'PUT',
    });
    expect({ kind: why.kind, outcome: why.outcome }).toEqual({
      kind: 'actual',
      outcome: 'refused',
    });
  });

  it("says a preflight preflightContinue hands on gets the app's own OPTIONS route's status", async () => {
    expect((await preflightOnWire(app, '/continued', APP, 'PUT')).status).toBe(202);
    const why = await inspector.explain({ path: '/continued', origin: APP, requestMethod: 'PUT' });
    expect(why.outcome).toBe('allowed');
    expect(why).not.toHaveProperty('status');
    expect(why.reason).toContain("hands it on to the app's own OPTIONS route");

    expect((await preflightOnWire(app, '/continued/nowhere', APP, 'PUT')).status).toBe(404);
    const nowhere = await inspector.explain({
      path: '/continued/nowhere',
      origin: APP,
      requestMethod: 'PUT',
    });
    expect(nowhere.reason).toContain('no OPTIONS route serves this path: it ends in a 404');
  });

  it('describes the policy compiled at startup, whatever happens to the lists it was given', async () => {
    const origins = [ADMIN];
    const other = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: origins })],
      controllers: [HealthController],
    });
    try {
      origins.push(EVIL);
      const wire = await request(other.getHttpServer()).get('/health').set('Origin', EVIL);
      expect(wire.headers['access-control-allow-origin']).toBeUndefined();
      const otherInspector = other.get(CorsInspector);
      const why = await otherInspector.explain({ path: '/health', origin: EVIL });
      expect(why.reason).toMatch(/allowed: https:\/\/admin\.example\.com$/);
      expect(otherInspector.routes()[0].policy.origin).toEqual([ADMIN]);
    } finally {
      await other.close();
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['no query', undefined, /expected a query such as/],
    ['a null query', null, /expected a query such as/],
    [
      'a host that is no string',
      { path: '/users', origin: APP, host: 8080 },
      /host must be a string/,
    ],
    ['an origin that is no string', { path: '/users', origin: 42 }, /origin must be a string/],
    [
      'a requestMethod that is no string',
      { path: '/users', origin: APP, requestMethod: 42 },
      /requestMethod must be a string/,
    ],
    ['a method in lower case', { path: '/users', origin: APP, method: 'put' }, /in capitals/],
    [
      'a privateNetwork that is no boolean',
      { path: '/users', origin: APP, requestMethod: 'PUT', privateNetwork: 'yes' },
      /privateNetwork must be true or false/,
    ],
  ])('turns away %s with an error naming the field', async (_label, query, message) => {
    const explained = inspector.explain(query as CorsExplainQuery);
    await expect(explained).rejects.toThrow(/^CorsInspector\.explain: /);
    await expect(explained).rejects.toThrow(message);
  });
});
