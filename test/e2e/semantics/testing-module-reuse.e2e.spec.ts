import { describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Put, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Cors, CorsInspector, CorsModule } from '../../../lib/index.js';
import { preflight } from '../../support/cors-http.js';
import { ADAPTERS, applicationOf } from '../../support/create-app.js';

const APP = 'https://app.example.com';
const PARTNER = 'https://partner.example.com';

@Controller('items')
class ItemsController {
  @Get()
  list() {
    return 'items';
  }

  @Put(':id')
  @Cors({ origin: [PARTNER], methods: ['PUT'] })
  replace() {
    return 'replaced';
  }
}

/** What an application answers: an allowed GET, a refused one, and a route's own preflight. */
async function answersOf(app: INestApplication) {
  const server = app.getHttpServer();
  const allowed = await request(server).get('/items').set('Origin', APP);
  const refused = await request(server).get('/items').set('Origin', PARTNER);
  const routePreflight = await preflight(app, '/items/7', { origin: PARTNER, method: 'PUT' });
  return {
    allowed: [allowed.status, allowed.headers['access-control-allow-origin']],
    refused: [refused.status, refused.headers['access-control-allow-origin']],
    preflight: [
      routePreflight.status,
      routePreflight.headers['access-control-allow-origin'],
      routePreflight.headers['access-control-allow-methods'],
    ],
  };
}

const EXPECTED = {
  allowed: [200, APP],
  refused: [200, undefined],
  preflight: [204, PARTNER, 'PUT'],
};

// A test suite may compile its testing module once and make an application from
// it for every test: each gets the same CORS answers.
describe.each(ADAPTERS)('applications made from one testing module, on %s', (adapter) => {
  const compile = () =>
    Test.createTestingModule({
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [ItemsController],
    }).compile();

  it('each answers with the policies, the second and third too', async () => {
    const moduleRef = await compile();
    const answers = [];
    for (let made = 0; made < 3; made++) {
      const app = await applicationOf(moduleRef, adapter);
      try {
        answers.push(await answersOf(app));
      } finally {
        await app.close();
      }
    }
    expect(answers).toEqual([EXPECTED, EXPECTED, EXPECTED]);
  });

  // As a hybrid app's microservices started with deferInitialization do: they run
  // the container's init hooks again, before app.init() or after it.
  it.each(['before', 'after'] as const)(
    'keeps every route when the init hooks run again %s app.init()',
    async (when) => {
      const moduleRef = await compile();
      const app = moduleRef.createNestApplication(
        adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
        { logger: false },
      );
      try {
        if (when === 'before') await moduleRef.init();
        await app.init();
        if (when === 'after') await moduleRef.init();
        if (adapter === 'fastify')
          await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
        expect(await answersOf(app)).toEqual(EXPECTED);
        expect(app.get(CorsInspector).routes()).toHaveLength(2);
      } finally {
        await app.close();
      }
    },
  );

  // Nest's own HttpAdapterHost then names the later one; the earlier keeps its answers.
  it('both answer with the policies while both are open', async () => {
    const moduleRef = await compile();
    const first = await applicationOf(moduleRef, adapter);
    const second = await applicationOf(moduleRef, adapter);
    try {
      expect([await answersOf(first), await answersOf(second)]).toEqual([EXPECTED, EXPECTED]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

// A CLI, a worker or a microservice reusing the app's root module: no HTTP server to hook.
describe('a standalone application context', () => {
  it('boots and closes with CorsModule imported, and its inspector knows of no routes', async () => {
    @Module({ imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [ItemsController] })
    class AppModule {}
    const context = await NestFactory.createApplicationContext(AppModule, {
      logger: false,
      abortOnError: false,
    });
    try {
      expect(() => context.get(CorsInspector).routes()).toThrow(/app\.init\(\)/);
    } finally {
      await context.close();
    }
  });
});
