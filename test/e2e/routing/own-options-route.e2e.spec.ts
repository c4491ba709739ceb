import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, HttpCode, Options, Put, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const A = 'https://a.example';

const calls = { tasks: 0, continued: 0 };

@Controller('tasks')
class TasksController {
  @Options()
  @HttpCode(200)
  describe() {
    calls.tasks++;
    return { methods: ['GET', 'PUT'] };
  }

  @Get()
  list() {
    return [];
  }

  @Put()
  @Cors({ origin: [A] })
  replace() {
    return 'replaced';
  }
}

@Controller('continued')
@Cors({ origin: [A], preflightContinue: true })
class ContinuedController {
  @Options()
  @HttpCode(202)
  answer() {
    calls.continued++;
    return 'answered by the app';
  }

  @Put()
  replace() {
    return 'replaced';
  }
}

describe.each(ADAPTERS)("the app's own OPTIONS routes on %s", (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [TasksController, ContinuedController],
    });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    calls.tasks = 0;
    calls.continued = 0;
  });

  const options = (path: string) => request(app.getHttpServer()).options(path);

  it('lets the app answer an OPTIONS request without Origin', async () => {
    const res = await options('/tasks').set('Access-Control-Request-Method', 'PUT');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ methods: ['GET', 'PUT'] });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(calls.tasks).toBe(1);
  });

  it('lets the app answer an OPTIONS request without Access-Control-Request-Method', async () => {
    const res = await options('/tasks').set('Origin', A);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ methods: ['GET', 'PUT'] });
    // An actual request to the OPTIONS route, which has the global policy.
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(calls.tasks).toBe(1);

    const fromApp = await options('/tasks').set('Origin', APP);
    expect(fromApp.status).toBe(200);
    expect(fromApp.headers['access-control-allow-origin']).toBe(APP);
    expect(calls.tasks).toBe(2);
  });

  it('gives an ordinary OPTIONS request without a route the normal 404', async () => {
    const withoutOrigin = await options('/nowhere').set('Access-Control-Request-Method', 'PUT');
    expect(withoutOrigin.status).toBe(404);
    expect(withoutOrigin.body).toMatchObject({ statusCode: 404 });

    const withoutMethod = await options('/nowhere').set('Origin', APP);
    expect(withoutMethod.status).toBe(404);
    expect(withoutMethod.body).toMatchObject({ statusCode: 404 });
    expect(withoutMethod.headers['access-control-allow-origin']).toBe(APP);
    expect(withoutMethod.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('answers a real preflight itself, without running the app OPTIONS handler', async () => {
    const res = await preflight(app, '/tasks', A, 'PUT');
    expectAllowed(res, A, 'PUT');
    expect(res.text).toBe('');
    expect(calls.tasks).toBe(0);
  });

  it('passes a preflight on to the app with preflightContinue, headers set', async () => {
    const res = await preflight(app, '/continued', A, 'PUT', { headers: 'x-trace' });
    expect(res.status).toBe(202);
    expect(res.text).toBe('answered by the app');
    expect(res.headers['access-control-allow-origin']).toBe(A);
    expect(res.headers['access-control-allow-methods']?.split(',')).toContain('PUT');
    expect(res.headers['access-control-allow-headers']).toBe('x-trace');
    expect(calls.continued).toBe(1);
  });

  it('does not pass a refused preflight on, even with preflightContinue', async () => {
    const res = await preflight(app, '/continued', APP, 'PUT');
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(calls.continued).toBe(0);
  });
});
