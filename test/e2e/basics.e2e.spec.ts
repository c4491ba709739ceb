import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Put, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, createApp } from '../support/create-app.js';

@Controller('items')
class ItemsController {
  @Get()
  list() {
    return ['a'];
  }

  @Put(':id')
  @Cors({ origin: ['https://admin.example.com'], credentials: true })
  update() {
    return { ok: true };
  }
}

@Controller('legacy')
@Cors({ origin: ['https://app.example.com'], optionsSuccessStatus: 200 })
class LegacyController {
  @Put()
  replace() {
    return { ok: true };
  }
}

describe.each(ADAPTERS)('basics on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: ['https://app.example.com'] })],
      controllers: [ItemsController, LegacyController],
    });
  });
  afterAll(() => app.close());

  it('adds headers to an allowed actual request', async () => {
    const res = await request(app.getHttpServer())
      .get('/items')
      .set('Origin', 'https://app.example.com');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers.vary).toBe('Origin');
  });

  it('answers a preflight with the route policy', async () => {
    const res = await request(app.getHttpServer())
      .options('/items/42')
      .set('Origin', 'https://admin.example.com')
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'content-type,x-trace');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toBe('PUT');
    expect(res.headers['access-control-allow-headers']).toBe('content-type,x-trace');
    // RFC 9110, section 8.6: a 204 must not carry Content-Length.
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.text).toBe('');
  });

  it('frames an allowed preflight answered with 200 as an empty body', async () => {
    const res = await request(app.getHttpServer())
      .options('/legacy')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'PUT');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['content-length']).toBe('0');
    expect(res.text).toBe('');
  });

  it('refuses a preflight from another origin with 403', async () => {
    const res = await request(app.getHttpServer())
      .options('/items/42')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'PUT');
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.text).toContain('not allowed');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
  });
});
