import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Header, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { varyTokens } from '../../support/cors-http.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** Handler calls by route: a refused origin must not stop the handler. */
const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);

@Controller('actual')
class ActualController {
  @Get('plain')
  plain() {
    count('plain');
    return { route: 'plain' };
  }

  @Get('any')
  @Cors({ origin: '*' })
  any() {
    return { route: 'any' };
  }

  @Get('credentials')
  @Cors({ credentials: true, exposedHeaders: ['X-Request-Id', 'X-Total'] })
  withCredentials() {
    count('credentials');
    return { route: 'credentials' };
  }

  @Get('encoded')
  @Header('Vary', 'Accept-Encoding')
  encoded() {
    return { route: 'encoded' };
  }

  @Get('encoded-origin')
  @Header('Vary', 'Accept-Encoding, Origin')
  encodedOrigin() {
    return { route: 'encoded-origin' };
  }
}

describe.each(ADAPTERS)('actual requests on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [ActualController],
    });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    for (const key of Object.keys(calls)) delete calls[key];
  });

  const get = (path: string) => request(app.getHttpServer()).get(path);

  it('echoes an allowed origin with Vary: Origin and no credential or expose headers', async () => {
    const res = await get('/actual/plain').set('Origin', APP);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ route: 'plain' });
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
    expect(varyTokens(res)).toEqual(['Origin']);
  });

  it("answers '*' to any origin on a '*' policy, without Vary", async () => {
    const res = await get('/actual/any').set('Origin', EVIL);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.vary).toBeUndefined();
  });

  // The Fetch standard's advice: a shared cache may store this answer and hand it
  // to a CORS request later, which fails if it lacks Access-Control-Allow-Origin.
  it("answers '*' to a request without Origin on a '*' policy too, without Vary", async () => {
    const res = await get('/actual/any');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers.vary).toBeUndefined();
  });

  it('sends Allow-Credentials and Expose-Headers when the policy has them', async () => {
    const res = await get('/actual/credentials').set('Origin', APP);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,X-Total');
    expect(varyTokens(res)).toEqual(['Origin']);
  });

  it('omits every CORS header for a disallowed origin, keeps Vary and still runs the handler', async () => {
    const res = await get('/actual/credentials').set('Origin', EVIL);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ route: 'credentials' });
    expect(calls.credentials).toBe(1);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toBeUndefined();
    expect(varyTokens(res)).toEqual(['Origin']);
  });

  it('adds Vary: Origin and no CORS headers to a request without Origin', async () => {
    const res = await get('/actual/plain');
    expect(res.status).toBe(200);
    expect(calls.plain).toBe(1);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(varyTokens(res)).toEqual(['Origin']);
  });

  it('appends Origin to the Vary the handler sets', async () => {
    const res = await get('/actual/encoded').set('Origin', APP);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect([...varyTokens(res)].sort()).toEqual(['Accept-Encoding', 'Origin']);
  });

  it('appends Origin to the Vary the handler sets, on a request without Origin', async () => {
    const res = await get('/actual/encoded');
    expect([...varyTokens(res)].sort()).toEqual(['Accept-Encoding', 'Origin']);
  });

  it('does not repeat Origin when the handler already varies on it', async () => {
    const res = await get('/actual/encoded-origin').set('Origin', APP);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect([...varyTokens(res)].sort()).toEqual(['Accept-Encoding', 'Origin']);
  });
});
