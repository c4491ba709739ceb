import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Put, type INestApplication } from '@nestjs/common';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { createApp, nestExpress } from '../../support/create-app.js';

const APP = 'https://app.example.com';
const PARTNER = 'https://partner.example.com';

@Controller('items')
class ItemsController {
  @Get('secret')
  @Cors(false)
  secret() {
    return 'secret';
  }

  @Put(':id')
  @Cors({ origin: [PARTNER] })
  replace() {
    return 'replaced';
  }
}

const metadata = {
  imports: [CorsModule.forRoot({ origin: [APP] })],
  controllers: [ItemsController],
};

/** What is answered at a path prefix: each request is decided by the route the router serves it with. */
async function answersAt(server: Parameters<typeof request>[0], prefix: string) {
  const secret = await request(server).get(`${prefix}/items/secret`).set('Origin', APP);
  const preflight = await request(server)
    .options(`${prefix}/items/7`)
    .set('Origin', PARTNER)
    .set('Access-Control-Request-Method', 'PUT');
  const refusedPut = await request(server).put(`${prefix}/items/7`).set('Origin', APP);
  return {
    secret: [secret.status, secret.headers['access-control-allow-origin']],
    preflight: [preflight.status, preflight.headers['access-control-allow-origin']],
    refusedPut: [refusedPut.status, refusedPut.headers['access-control-allow-origin']],
  };
}

const ROUTES_OWN_ANSWERS = {
  secret: [200, undefined],
  preflight: [204, PARTNER],
  refusedPut: [200, undefined],
};

// The routers match the request's url, which differs from the path the client sent.
describe('a path the router serves under another URL than the one sent', () => {
  it("fastify's rewriteUrl: the route of the rewritten URL decides", async () => {
    const app = await createApp('fastify', metadata, {
      fastify: {
        rewriteUrl: (raw) => String(raw.url).replace(/^\/legacy(?=\/)/, ''),
      } as ConstructorParameters<typeof FastifyAdapter>[0],
    });
    try {
      expect(await answersAt(app.getHttpServer(), '/legacy')).toEqual(ROUTES_OWN_ANSWERS);
    } finally {
      await app.close();
    }
  });

  it('express: the route of the Nest app mounted in a parent express app decides', async () => {
    const app: INestApplication = await createApp('express', metadata);
    const parent = nestExpress();
    parent.use('/v2', app.getHttpAdapter().getInstance());
    try {
      expect(await answersAt(parent, '/v2')).toEqual(ROUTES_OWN_ANSWERS);
    } finally {
      await app.close();
    }
  });
});

type Middleware = (
  req: { url: string; method: string; originalMethod?: string; headers: Record<string, unknown> },
  res: unknown,
  next: () => void,
) => void;

/** Strips a legacy prefix, as a middleware keeping old URLs alive does. */
const stripLegacyPrefix: Middleware = (req, _res, next) => {
  req.url = req.url.replace(/^\/legacy(?=\/)/, '');
  next();
};

/** What `method-override` does with X-HTTP-Method-Override. */
const overrideMethod: Middleware = (req, _res, next) => {
  const method = req.headers['x-http-method-override'];
  if (req.method === 'POST' && typeof method === 'string') {
    req.originalMethod = req.method;
    req.method = method;
  }
  next();
};

// Express runs middleware before its router picks a route: the request was decided
// by the URL and method as sent, and the handler that serves it puts its own
// policy in place. Preflights are answered before any middleware (README).
describe('express middleware that reroutes a request', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp('express', metadata, {
      configure: (nest) => nest.use(stripLegacyPrefix).use(overrideMethod),
    });
  });
  afterAll(() => app.close());

  const answer = (res: { status: number; headers: Record<string, string> }) => [
    res.status,
    res.headers['access-control-allow-origin'],
  ];

  it('gets the policy of the route a rewritten URL reaches', async () => {
    const server = app.getHttpServer();
    const secret = await request(server).get('/legacy/items/secret').set('Origin', APP);
    expect([...answer(secret), secret.text]).toEqual([200, undefined, 'secret']);
    expect(answer(await request(server).put('/legacy/items/7').set('Origin', APP))).toEqual([
      200,
      undefined,
    ]);
    expect(answer(await request(server).put('/legacy/items/7').set('Origin', PARTNER))).toEqual([
      200,
      PARTNER,
    ]);
    const withoutOrigin = await request(server).get('/legacy/items/secret');
    expect(answer(withoutOrigin)).toEqual([200, undefined]);
  });

  it('gets the policy of the route an overridden method reaches', async () => {
    const put = (origin: string) =>
      request(app.getHttpServer())
        .post('/items/7')
        .set('X-HTTP-Method-Override', 'PUT')
        .set('Origin', origin);
    const fromPartner = await put(PARTNER);
    expect([...answer(fromPartner), fromPartner.text]).toEqual([200, PARTNER, 'replaced']);
    expect(answer(await put(APP))).toEqual([200, undefined]);
  });

  it('keeps the answer of a request no middleware rerouted', async () => {
    const server = app.getHttpServer();
    expect(answer(await request(server).put('/items/7').set('Origin', PARTNER))).toEqual([
      200,
      PARTNER,
    ]);
    expect(answer(await request(server).get('/items/secret').set('Origin', APP))).toEqual([
      200,
      undefined,
    ]);
  });
});
