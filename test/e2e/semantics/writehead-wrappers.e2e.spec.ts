import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, VersioningType, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { headerLines } from '../../support/cors-http.js';
import { ADAPTERS, createApp, nestExpress as express } from '../../support/create-app.js';

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
