import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Next, VersioningType, type INestApplication } from '@nestjs/common';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { listen } from '../../security/support/raw-http.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';

// A provisional refusal that no serving handler took up is logged when its
// response closes: once, and only if it was answered.
const ONE = 'https://one.example';
const TWO = 'https://two.example';
const EVIL = 'https://evil.example';
const APP = 'https://app.example';

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

describe.each(ADAPTERS)('refusals no handler took up, on %s', (adapter) => {
  const logs = new LogCapture();
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
        configure: (nestApp) => {
          logs.attach(nestApp);
          nestApp.enableVersioning({ type: VersioningType.HEADER, header: 'X-API-Version' });
          nestApp.use(gate);
        },
      },
    );
    port = await listen(app);
  });
  afterAll(async () => {
    await app.close();
    logs.detach();
  });
  beforeEach(() => logs.clear());

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
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 30);
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
});
