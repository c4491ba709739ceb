import { describe, expect, it } from '@jest/globals';
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
