import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Scope, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';

const APP = 'https://app.example.com';
const PARTNER = 'https://partner.example.com';

@Injectable({ scope: Scope.REQUEST })
class RequestContext {
  readonly value = 'per request';
}

// Nest registers a request-scoped controller's routes through handlers of its own,
// which make a controller per request: each route still has its own policy.
@Controller({ path: 'scoped', scope: Scope.REQUEST })
@Cors({ origin: [PARTNER] })
class ScopedController {
  constructor(private readonly context: RequestContext) {}

  @Get()
  @Cors({ maxAge: 30 })
  list() {
    return this.context.value;
  }
}

// Request-scoped through its dependency alone.
@Controller('implicitly-scoped')
class ImplicitlyScopedController {
  constructor(private readonly context: RequestContext) {}

  @Get()
  @Cors({ origin: [PARTNER] })
  list() {
    return this.context.value;
  }
}

describe.each(ADAPTERS)('request-scoped controllers on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [ScopedController, ImplicitlyScopedController],
      providers: [RequestContext],
    });
  });
  afterAll(() => app.close());

  it.each([
    ['/scoped', '30'],
    ['/implicitly-scoped', undefined],
  ])("answers %s's preflight and requests with its route's policy", async (path, maxAge) => {
    const preflight = await request(app.getHttpServer())
      .options(path)
      .set('Origin', PARTNER)
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(PARTNER);
    expect(preflight.headers['access-control-max-age']).toBe(maxAge);

    const actual = await request(app.getHttpServer()).get(path).set('Origin', PARTNER);
    expect(actual.status).toBe(200);
    expect(actual.text).toBe('per request');
    expect(actual.headers['access-control-allow-origin']).toBe(PARTNER);

    // The global policy's origin is not the route's.
    const global = await request(app.getHttpServer()).get(path).set('Origin', APP);
    expect(global.status).toBe(200);
    expect(global.headers['access-control-allow-origin']).toBeUndefined();
  });
});
