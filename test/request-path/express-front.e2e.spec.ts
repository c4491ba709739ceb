import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Put, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import express from 'express';
import request from 'supertest';
import { Cors, CorsModule, type CorsModuleOptions } from '../../lib/index.js';

const APP = 'https://app.example.com';

@Controller('items')
class ItemsController {
  @Get()
  list() {
    return 'items';
  }

  @Put()
  update() {
    return 'updated';
  }
}

/** The hostnames origin functions were handed, as express reads them (`req.hostname`). */
let hostnamesSeen: Array<string | undefined> = [];

/** An origin function that reads what only express's request has. */
const byExpressHostname = (origin: string, req: unknown) => {
  const { hostname } = req as { hostname?: string };
  hostnamesSeen.push(hostname);
  return origin === APP && hostname === '127.0.0.1';
};

@Controller('tenants')
@Cors({ origin: byExpressHostname })
class TenantsController {
  @Get()
  list() {
    return 'tenants';
  }

  @Put()
  update() {
    return 'updated';
  }
}

// Nest matches a host against express's req.hostname; supertest connects to 127.0.0.1.
@Controller({ path: 'local', host: '127.0.0.1' })
class LocalHostController {
  @Put()
  update() {
    return 'updated';
  }
}

/** An app on an express instance of the test's own, so that what express does can be seen. */
async function appOn(
  instance: express.Express,
  options: CorsModuleOptions,
  controllers: Array<new () => unknown> = [ItemsController],
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [CorsModule.forRoot(options)],
    controllers,
  }).compile();
  return moduleRef.createNestApplication(new ExpressAdapter(instance), { logger: false }).init();
}

const preflight = (app: INestApplication, path = '/items') =>
  request(app.getHttpServer())
    .options(path)
    .set('Origin', APP)
    .set('Access-Control-Request-Method', 'PUT');

// On express, the hook decides in front of express (app.handle), where requests are
// still Node's own, unless deciding needs express's request: express itself then never
// sees an answered preflight, and sets none of its own headers on it.
describe('deciding in front of express', () => {
  let app: INestApplication | undefined;
  afterEach(() => app?.close());

  it('answers a preflight before express runs', async () => {
    app = await appOn(express(), { origin: [APP] });
    const res = await preflight(app);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['x-powered-by']).toBeUndefined();

    const actual = await request(app.getHttpServer()).get('/items').set('Origin', APP);
    expect(actual.text).toBe('items');
    expect(actual.headers['access-control-allow-origin']).toBe(APP);
    expect(actual.headers.vary).toBe('Origin');
    expect(actual.headers['x-powered-by']).toBe('Express');
  });

  it("decides in express's middleware where an origin function is handed express's request", async () => {
    // req.hostname is express's: a request still Node's own has none.
    app = await appOn(express(), {
      origin: (origin: string, req: unknown) =>
        origin === APP && (req as { hostname?: string }).hostname === '127.0.0.1',
    });
    const res = await preflight(app);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['x-powered-by']).toBe('Express');
  });

  /**
   * An allowed preflight to /items, answered in front (express adds no X-Powered-By),
   * and one to `path`, which needs express's request and is answered behind express.
   */
  async function expectOnlyPathBehindExpress(app: INestApplication, path: string) {
    for (const [at, poweredBy] of [
      ['/items', undefined],
      [path, 'Express'],
    ] as const) {
      const res = await preflight(app, at);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['x-powered-by']).toBe(poweredBy);
    }
  }

  it('decides the other routes in front where one route has an origin function', async () => {
    hostnamesSeen = [];
    app = await appOn(express(), { origin: [APP] }, [ItemsController, TenantsController]);
    await expectOnlyPathBehindExpress(app, '/tenants');
    const actual = await request(app.getHttpServer()).get('/tenants').set('Origin', APP);
    expect(actual.text).toBe('tenants');
    expect(actual.headers['access-control-allow-origin']).toBe(APP);
    // Handed express's request each time, and never asked for /items.
    expect(hostnamesSeen).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('decides the other routes in front where one route is bound to a host', async () => {
    app = await appOn(express(), { origin: [APP] }, [ItemsController, LocalHostController]);
    await expectOnlyPathBehindExpress(app, '/local');
    const actual = await request(app.getHttpServer()).put('/local').set('Origin', APP);
    expect(actual.text).toBe('updated');
    expect(actual.headers['access-control-allow-origin']).toBe(APP);
  });

  it("leaves a handed-in app's own middleware before the hook", async () => {
    const instance = express();
    instance.use((_req, res, next) => {
      res.setHeader('X-Seen-By', 'app middleware');
      next();
    });
    app = await appOn(instance, { origin: [APP] });
    const res = await preflight(app);
    expect(res.status).toBe(204);
    expect(res.headers['x-seen-by']).toBe('app middleware');
  });

  it('stands down when its application closes', async () => {
    const instance = express();
    // express's `handle`, which its types leave out.
    const handleOf = () => (instance as unknown as { handle: unknown }).handle;
    const handle = handleOf();
    app = await appOn(instance, { origin: [APP] });
    expect(handleOf()).not.toBe(handle);
    await app.close();
    app = undefined;
    expect(handleOf()).toBe(handle);
  });
});
