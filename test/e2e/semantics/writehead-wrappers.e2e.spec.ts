import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Post, VersioningType, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Test } from '@nestjs/testing';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { headerLines } from '../../support/cors-http.js';
import {
  ADAPTERS,
  applicationOf,
  createApp,
  nestExpress as express,
  type AdapterName,
} from '../../support/create-app.js';

const ONE = 'https://one.example';
const TWO = 'https://two.example';
const APP = 'https://app.example';
const EVIL = 'https://evil.example';

// A middleware that wraps a response's writeHead (compression, response-time) runs
// its listener before the head is written: the pin must still write last, so that
// only the decision's Allow-Origin and a Vary naming Origin go out.

/** An on-headers-style middleware (compression, response-time): wraps writeHead per response, runs a listener first. */
function onHeaders(listener: (res: ServerResponse) => void) {
  return (_req: unknown, res: ServerResponse, next: () => void) => {
    const previous = res.writeHead;
    let fired = false;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      if (!fired) {
        fired = true;
        listener(this);
      }
      return (previous as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    next();
  };
}
const clobberAllowOrigin = onHeaders((res) => res.setHeader('Access-Control-Allow-Origin', '*'));
const clobberVary = onHeaders((res) => res.setHeader('Vary', 'Accept-Encoding'));

@Controller({ path: 'items', version: '1' })
@Cors({ origin: [ONE] })
class ItemsV1Controller {
  @Get()
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
}

describe.each(ADAPTERS)('a writeHead-wrapping middleware, route handed on (%s)', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [ItemsV1Controller, CatchAllController],
      },
      {
        configure: (nest) => {
          nest.enableVersioning({ type: VersioningType.HEADER, header: 'X-API-Version' });
          nest.use(clobberVary);
        },
      },
    );
  });
  afterAll(() => app.close());

  it('keeps Vary: Origin on a request handed on to another policy', async () => {
    const res = await request(app.getHttpServer())
      .get('/items')
      .set('X-API-Version', '2')
      .set('Origin', TWO);
    expect(res.text).toBe('catch-all');
    expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([TWO]);
    expect(res.headers.vary).toContain('Origin');
  });
});

describe('express instance with a writeHead-wrapping middleware registered before Nest', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const instance = express();
    instance.use(clobberAllowOrigin);
    const moduleRef = await Test.createTestingModule({
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [CatchAllController],
    }).compile();
    app = moduleRef.createNestApplication(new ExpressAdapter(instance), { logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('sends no Allow-Origin to an origin the policy refuses', async () => {
    const res = await request(app.getHttpServer()).get('/foo').set('Origin', EVIL);
    expect(res.text).toBe('catch-all');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
  it("sends the policy's Allow-Origin to an allowed origin", async () => {
    const res = await request(app.getHttpServer()).get('/foo').set('Origin', TWO);
    expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([TWO]);
  });
});

@Controller('orders')
@Cors({ origin: [APP], credentials: true })
class OrdersController {
  @Post()
  create() {
    return 'created';
  }

  @Post('legacy')
  @Cors(false)
  legacy() {
    return 'legacy';
  }
}

/**
 * An app whose own code rewrites CORS headers after the library answered a
 * preflight, before the head goes out: a fastify `onSend` hook, or on express a
 * writeHead wrapper on the instance handed to Nest (a preflight never reaches
 * Nest's middleware).
 */
async function appRewritingHeaders(adapter: AdapterName): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [CorsModule.forRoot({ origin: [] })],
    controllers: [OrdersController],
  }).compile();
  if (adapter === 'fastify') {
    return applicationOf(moduleRef, adapter, {
      configure: (nest) =>
        (nest.getHttpAdapter().getInstance() as FastifyInstance).addHook(
          'onSend',
          async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
            reply.header('Access-Control-Allow-Origin', '*');
            reply.header('Vary', 'Accept-Encoding');
            return payload;
          },
        ),
    });
  }
  const instance = express();
  instance.use(clobberAllowOrigin, clobberVary);
  const app = moduleRef.createNestApplication(new ExpressAdapter(instance), { logger: false });
  return app.init();
}

describe.each(ADAPTERS)(
  'preflights answered next to an app hook that rewrites headers (%s)',
  (adapter) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await appRewritingHeaders(adapter);
    });
    afterAll(() => app.close());

    const preflight = (path: string, origin: string) =>
      request(app.getHttpServer())
        .options(path)
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');

    it("send the policy's Allow-Origin and credentials, and Vary names what the answer depends on", async () => {
      const res = await preflight('/orders', APP);
      expect(res.status).toBe(204);
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([APP]);
      expect(headerLines(res, 'Access-Control-Allow-Credentials')).toEqual(['true']);
      expect(res.headers.vary).toBe(
        'Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      );
    });
    it('send no Allow-Origin to an origin the policy refuses', async () => {
      const res = await preflight('/orders', EVIL);
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers.vary).toContain('Origin');
    });
    it('send no Allow-Origin from a route whose CORS is disabled', async () => {
      const res = await preflight('/orders/legacy', APP);
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  },
);
