import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import {
  Controller,
  Get,
  Next,
  Put,
  Version,
  VersioningType,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { CorsPolicyTableHost } from '../../../lib/policy-table/cors-policy-table.host.js';
import { listen } from '../../security/support/raw-http.js';
import { preflight } from '../../support/cors-http.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';
import { watchUncaughtExceptions } from '../../support/process-faults.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';
const PARTNER = 'https://partner.example.com';
const ONE = 'https://one.example';
const TWO = 'https://two.example';

@Controller('logged')
class LoggedController {
  @Get()
  list() {
    return 'list';
  }

  @Put(':id')
  @Cors({ allowedHeaders: ['content-type'] })
  update() {
    return 'updated';
  }

  @Get('off')
  @Cors(false)
  off() {
    return 'off';
  }
}

// Two versions at one path: a request's early answer is made before its version's handler is known.
@Controller('versioned')
class VersionedController {
  @Get()
  @Version('1')
  first() {
    return 'v1';
  }

  @Get()
  @Version('2')
  @Cors({ origin: [PARTNER] })
  second() {
    return 'v2';
  }

  @Get('shared')
  @Version('1')
  sharedFirst() {
    return 'v1';
  }

  // Another policy that also allows APP: the early answer allows APP here.
  @Get('shared')
  @Version('2')
  @Cors({ origin: [APP, PARTNER] })
  sharedSecond() {
    return 'v2';
  }
}

// A version-1 route and a catch-all behind it, which a handler may hand requests on to.
@Controller({ path: 'items', version: '1' })
@Cors({ origin: [ONE] })
class ItemsV1Controller {
  @Get(['', 'next'])
  list() {
    return 'items v1';
  }
}

@Controller()
@Cors({ origin: [TWO] })
class CatchAllController {
  @Get(':slug')
  show() {
    return 'catch-all';
  }

  @Get(':slug/next')
  passOn(@Next() next: () => void) {
    next();
  }
}

// A versioned route the catch-all shares a path with, whose origin function
// throws a value String() cannot print.
@Controller({ path: 'reports', version: '1' })
@Cors({
  origin: () => {
    throw Object.create(null);
  },
})
class FaultyOriginController {
  @Get()
  list() {
    return 'reports v1';
  }
}

/** 401 for X-Deny; X-Slow waits before going on, long enough for a client to give up. */
function gate(
  req: { headers: Record<string, unknown> },
  res: { statusCode: number; end(): void },
  next: () => void,
) {
  if (req.headers['x-deny'] !== undefined) {
    res.statusCode = 401;
    return res.end();
  }
  if (req.headers['x-slow'] !== undefined) return void setTimeout(next, 150);
  next();
}

/** An app that routes by the X-API-Version header, behind the gate middleware. */
function startVersioned(adapter: AdapterName, logs: LogCapture, controllers: Type[]) {
  return createApp(
    adapter,
    { imports: [CorsModule.forRoot({ origin: [APP] })], controllers },
    {
      configure: (nestApp) => {
        logs.attach(nestApp);
        nestApp.enableVersioning({ type: VersioningType.HEADER, header: 'X-API-Version' });
        // Answers before any handler is reached, as an authentication middleware would.
        nestApp.use(gate);
      },
    },
  );
}

function start(
  adapter: AdapterName,
  logs: LogCapture,
  levels?: Parameters<LogCapture['attach']>[1],
) {
  return createApp(
    adapter,
    { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [LoggedController] },
    { configure: (nestApp) => logs.attach(nestApp, levels) },
  );
}

describe.each(ADAPTERS)('refusal logging on %s', (adapter) => {
  describe('with debug enabled', () => {
    const logs = new LogCapture();
    let app: INestApplication;
    beforeAll(async () => {
      app = await start(adapter, logs);
    });
    afterAll(async () => {
      await app.close();
      logs.detach();
    });
    beforeEach(() => logs.clear());

    it('logs a refused preflight origin at debug with the route and the reason', async () => {
      const res = await preflight(app, '/logged', { origin: EVIL, method: 'GET' });
      expect(res.status).toBe(403);
      expect(logs.of().map((entry) => entry.level)).toEqual(['debug']);
      const [message] = logs.messages('debug');
      expect(message).toContain('LoggedController.list (GET /logged)');
      expect(message).toContain(`preflight refused: origin "${EVIL}" is not allowed`);
    });

    it('logs refused preflight headers at debug with the route and the header names', async () => {
      const res = await preflight(app, '/logged/1', {
        origin: APP,
        method: 'PUT',
        headers: 'content-type,x-secret',
      });
      expect(res.status).toBe(403);
      const debug = logs.messages('debug');
      expect(debug).toHaveLength(1);
      expect(debug[0]).toContain('LoggedController.update (PUT /logged/:id)');
      expect(debug[0]).toContain('preflight refused');
      expect(debug[0]).toContain('"x-secret"');
      expect(debug[0]).not.toContain('content-type');
    });

    it('logs a refused actual request at debug with the route and the reason', async () => {
      const res = await request(app.getHttpServer()).get('/logged').set('Origin', EVIL);
      expect(res.status).toBe(200);
      expect(logs.of().map((entry) => entry.level)).toEqual(['debug']);
      const [message] = logs.messages('debug');
      expect(message).toContain('LoggedController.list (GET /logged)');
      expect(message).toContain(`request refused: origin "${EVIL}" is not allowed`);
    });

    it('logs a preflight to a disabled route at debug', async () => {
      await preflight(app, '/logged/off', { origin: APP, method: 'GET' });
      const debug = logs.messages('debug');
      expect(debug).toHaveLength(1);
      expect(debug[0]).toContain('LoggedController.off (GET /logged/off)');
      expect(debug[0]).toContain('CORS is disabled for this route');
    });

    it('logs a failure of the logger itself as an error, with its stack, and lets the app answer', async () => {
      const failing = jest.spyOn(logs, 'debug').mockImplementation(() => {
        throw new Error('log sink down');
      });
      try {
        const res = await request(app.getHttpServer()).get('/logged').set('Origin', EVIL);
        expect(res.status).toBe(200);
        expect(res.text).toBe('list');
      } finally {
        failing.mockRestore();
      }
      const errors = logs.messages('error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^CORS refusal logging failed: Error: log sink down\n\s+at /);
    });

    it('logs a failure of its own request hook as an error and lets the app answer', async () => {
      const hosts = app.get(CorsPolicyTableHost);
      const failing = jest.spyOn(hosts, 'table', 'get').mockImplementation(() => {
        throw new Error('table lost');
      });
      try {
        const res = await request(app.getHttpServer()).get('/logged').set('Origin', APP);
        expect(res.status).toBe(200);
        expect(res.text).toBe('list');
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        failing.mockRestore();
      }
      const errors = logs.messages('error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^CORS request hook failed: Error: table lost\n\s+at /);
    });

    it('logs nothing for allowed preflights and requests', async () => {
      const pre = await preflight(app, '/logged/1', {
        origin: APP,
        method: 'PUT',
        headers: 'content-type',
      });
      expect(pre.status).toBe(204);
      const res = await request(app.getHttpServer()).get('/logged').set('Origin', APP);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      const plain = await request(app.getHttpServer()).get('/logged');
      expect(plain.status).toBe(200);
      expect(logs.of()).toEqual([]);
    });
  });

  describe('for versions sharing a path', () => {
    const logs = new LogCapture();
    let app: INestApplication;
    beforeAll(async () => {
      app = await startVersioned(adapter, logs, [VersionedController]);
    });
    afterAll(async () => {
      await app.close();
      logs.detach();
    });
    beforeEach(() => logs.clear());

    const get = (version: string, origin: string, path = '/versioned') =>
      request(app.getHttpServer()).get(path).set('X-API-Version', version).set('Origin', origin);

    it('logs no refusal for a request the handler that serves it allows', async () => {
      const res = await get('2', PARTNER);
      expect(res.headers['access-control-allow-origin']).toBe(PARTNER);
      const fromApp = await get('1', APP);
      expect(fromApp.headers['access-control-allow-origin']).toBe(APP);
      expect(logs.of()).toEqual([]);
    });

    it('logs a refusal once, naming the handler that serves the request', async () => {
      for (const [version, origin, handler] of [
        ['2', EVIL, 'VersionedController.second'],
        ['1', PARTNER, 'VersionedController.first'],
        ['2', APP, 'VersionedController.second'],
      ] as const) {
        logs.clear();
        const res = await get(version, origin);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        const debug = logs.messages('debug');
        expect(debug).toHaveLength(1);
        expect(debug[0]).toContain(`${handler} (GET /versioned)`);
        expect(debug[0]).toContain(`request refused: origin "${origin}" is not allowed`);
      }
    });

    it('logs a refusal once when no handler is reached, naming the route whose policy decided', async () => {
      for (const [version, origin, decidedBy, status] of [
        ['2', EVIL, 'VersionedController.first', 401],
        // Every version must allow an origin before the one that serves the request is known.
        ['1', APP, 'VersionedController.second', 401],
        ['3', EVIL, 'VersionedController.first', 404],
      ] as const) {
        logs.clear();
        const res =
          status === 401
            ? await get(version, origin).set('X-Deny', '1')
            : await get(version, origin);
        expect(res.status).toBe(status);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        const debug = logs.messages('debug');
        expect(debug).toHaveLength(1);
        expect(debug[0]).toContain(
          `${decidedBy} (GET /versioned), answered before any handler was reached`,
        );
        expect(debug[0]).toContain(`request refused: origin "${origin}" is not allowed`);
      }
    });

    it('answers a request whose refusal the logger fails to log at its handler, and logs that as an error', async () => {
      const failing = jest.spyOn(logs, 'debug').mockImplementation(() => {
        throw new Error('log sink down');
      });
      try {
        const res = await get('2', EVIL);
        expect(res.status).toBe(200);
        expect(res.text).toBe('v2');
      } finally {
        failing.mockRestore();
      }
      const errors = logs.messages('error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain('CORS refusal logging failed: Error: log sink down');
    });

    it('logs nothing when no handler is reached and the early answer allows the request', async () => {
      const res = await get('1', APP, '/versioned/shared').set('X-Deny', '1');
      expect(res.status).toBe(401);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(logs.of()).toEqual([]);
    });
  });

  describe('with debug disabled', () => {
    const logs = new LogCapture();
    let app: INestApplication | undefined;
    afterEach(async () => {
      await app?.close();
      logs.detach();
    });

    it('logs no refusal', async () => {
      app = await start(adapter, logs, ['fatal', 'error', 'warn', 'log']);
      const pre = await preflight(app, '/logged', { origin: EVIL, method: 'GET' });
      expect(pre.status).toBe(403);
      await request(app.getHttpServer()).get('/logged').set('Origin', EVIL);
      expect(logs.of()).toEqual([]);
    });
  });
});

// A provisional refusal that no serving handler took up is logged when its
// response closes: once, and only if it was answered.
describe.each(ADAPTERS)('refusals no handler took up, on %s', (adapter) => {
  const logs = new LogCapture();
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    app = await startVersioned(adapter, logs, [
      ItemsV1Controller,
      FaultyOriginController,
      CatchAllController,
    ]);
    port = await listen(app);
  });
  afterAll(async () => {
    await app.close();
    logs.detach();
  });
  beforeEach(() => logs.clear());
  afterEach(() => {
    jest.restoreAllMocks();
  });

  if (adapter === 'express') {
    // fastify serves one handler per request: only express hands requests on.
    it('logs only the refusal of a handler that refused and handed the request on to a 404', async () => {
      const res = await request(app.getHttpServer())
        .get('/items/next')
        .set('X-API-Version', '2')
        .set('Origin', EVIL);
      expect(res.status).toBe(404);
      await sleep(20);
      const debug = logs.messages('debug');
      expect(debug).toHaveLength(1);
      expect(debug[0]).toContain('CatchAllController.passOn (GET /:slug/next): request refused');
    });
  }

  it('logs nothing for an aborted request at its close, and once when its handler is reached', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get({
        port,
        host: '127.0.0.1',
        path: '/items',
        headers: { origin: EVIL, 'x-api-version': '2', 'x-slow': '1' },
      });
      req.on('error', () => resolve());
      // Given up only once the request is out: a client timer started at once could fire
      // before the connection is made on a busy machine, and then no request reaches the app.
      req.on('finish', () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 30),
      );
    });
    await sleep(300);
    const debug = logs.messages('debug');
    expect(debug).toHaveLength(1);
    expect(debug[0]).toContain('CatchAllController.show (GET /:slug): request refused');
  });

  it('logs each 401 on a kept-alive connection once', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(
            {
              port,
              host: '127.0.0.1',
              path: '/items',
              agent,
              headers: { origin: EVIL, 'x-api-version': '2', 'x-deny': '1' },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode!));
            },
          )
          .on('error', reject);
      });
    try {
      for (let i = 0; i < 3; i++) expect(await get()).toBe(401);
    } finally {
      agent.destroy();
    }
    await sleep(20);
    expect(logs.messages('debug')).toHaveLength(3);
  });

  // Nothing in the close event may throw, or the process goes down with it.
  const served = () => request(app.getHttpServer()).get('/reports').set('X-API-Version', '1');
  const denied = () =>
    request(app.getHttpServer())
      .get('/reports')
      .set('X-API-Version', '2')
      .set('Origin', APP)
      .set('X-Deny', '1');

  it('warns once with what the function threw, even when String() cannot print it', async () => {
    const res = await denied();
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    await sleep(20);
    const warnings = logs.messages('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'FaultyOriginController.list (GET /reports), answered before any handler was reached',
    );
    expect(warnings[0]).toContain('(the origin function failed: [Object: null prototype] {})');
    expect(logs.messages('error')).toEqual([]);
  });

  it('logs a logger that throws as an error and goes on answering', async () => {
    jest.spyOn(logs, 'warn').mockImplementation(() => {
      throw new Error('log sink down');
    });
    expect((await denied()).status).toBe(401);
    await sleep(20);
    const errors = logs.messages('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('CORS refusal logging failed: Error: log sink down');
    expect((await served()).text).toBe('reports v1');
  });

  it('survives a logger that throws at errors too', async () => {
    for (const level of ['warn', 'error'] as const) {
      jest.spyOn(logs, level).mockImplementation(() => {
        throw new Error('log sink down');
      });
    }
    const uncaught = watchUncaughtExceptions();
    try {
      expect((await denied()).status).toBe(401);
      await sleep(20);
    } finally {
      uncaught.stop();
    }
    expect(uncaught.reasons).toEqual([]);
    expect(logs.of()).toEqual([]);
    expect((await served()).text).toBe('reports v1');
  });
});
