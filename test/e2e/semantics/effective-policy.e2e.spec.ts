import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Delete, Get, Put, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { preflight } from '../../support/cors-http.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const OPS = 'https://ops.example.com';
const PARTNER = 'https://acme.partner.example';

const GLOBAL = CorsModule.forRoot({
  origin: [APP],
  policies: { partners: { origin: ['https://*.partner.example'], exposedHeaders: ['X-Partner'] } },
});

@Controller('orders')
@Cors({ origin: [ADMIN, OPS], credentials: true, exposedHeaders: ['X-Total', 'X-Page'] })
class OrdersController {
  @Get()
  list() {
    return 'list';
  }

  @Get('cached')
  @Cors({ maxAge: 60 })
  cached() {
    return 'cached';
  }

  @Get('ops')
  @Cors({ origin: [OPS] })
  opsOnly() {
    return 'ops';
  }

  @Get('exposed')
  @Cors({ exposedHeaders: ['X-Only'] })
  exposed() {
    return 'exposed';
  }

  @Delete(':id')
  @Cors(false)
  remove() {
    return 'removed';
  }
}

@Controller('partners')
class PartnersController {
  @Get()
  @Cors('partners')
  list() {
    return 'partners';
  }

  @Get('cached')
  @Cors({ policy: 'partners', maxAge: 60 })
  cached() {
    return 'partners cached';
  }
}

@Controller('internal')
@Cors(false)
class InternalController {
  @Get()
  status() {
    return 'status';
  }

  @Get('public')
  @Cors()
  publicStatus() {
    return 'public';
  }

  @Put('partner')
  @Cors({ origin: [PARTNER], maxAge: 5 })
  partnerUpdate() {
    return 'partner';
  }
}

describe.each(ADAPTERS)('effective policy on %s', (adapter) => {
  describe('controller and method @Cors', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(adapter, {
        imports: [GLOBAL],
        controllers: [OrdersController, PartnersController, InternalController],
      });
    });
    afterAll(() => app.close());

    it('applies the controller policy to an undecorated method', async () => {
      const res = await request(app.getHttpServer()).get('/orders').set('Origin', ADMIN);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-expose-headers']).toBe('X-Total,X-Page');

      // The global origin is not part of the controller's policy.
      const global = await request(app.getHttpServer()).get('/orders').set('Origin', APP);
      expect(global.headers['access-control-allow-origin']).toBeUndefined();
    });

    it("a method's @Cors({ maxAge }) keeps the controller's origin and credentials", async () => {
      const res = await preflight(app, '/orders/cached', { origin: ADMIN, method: 'GET' });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-max-age']).toBe('60');

      const refused = await preflight(app, '/orders/cached', { origin: APP, method: 'GET' });
      expect(refused.status).toBe(403);

      // maxAge belongs to the method only.
      const sibling = await preflight(app, '/orders', { origin: ADMIN, method: 'GET' });
      expect(sibling.status).toBe(204);
      expect(sibling.headers['access-control-max-age']).toBeUndefined();
    });

    it("a method's origin list replaces the controller's list", async () => {
      const admin = await request(app.getHttpServer()).get('/orders/ops').set('Origin', ADMIN);
      expect(admin.status).toBe(200);
      expect(admin.headers['access-control-allow-origin']).toBeUndefined();

      const ops = await request(app.getHttpServer()).get('/orders/ops').set('Origin', OPS);
      expect(ops.headers['access-control-allow-origin']).toBe(OPS);
      expect(ops.headers['access-control-allow-credentials']).toBe('true');
    });

    it("a method's exposedHeaders replaces the controller's list", async () => {
      const res = await request(app.getHttpServer()).get('/orders/exposed').set('Origin', OPS);
      expect(res.headers['access-control-expose-headers']).toBe('X-Only');
    });

    it('@Cors(false) on a route refuses its preflight and omits headers on the request', async () => {
      const pre = await preflight(app, '/orders/7', { origin: ADMIN, method: 'DELETE' });
      expect(pre.status).toBe(403);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(pre.headers['access-control-allow-methods']).toBeUndefined();

      const res = await request(app.getHttpServer()).delete('/orders/7').set('Origin', ADMIN);
      expect(res.status).toBe(200);
      expect(res.text).toBe('removed');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it("@Cors('partners') applies the named policy over the global one", async () => {
      const res = await request(app.getHttpServer()).get('/partners').set('Origin', PARTNER);
      expect(res.headers['access-control-allow-origin']).toBe(PARTNER);
      expect(res.headers['access-control-expose-headers']).toBe('X-Partner');

      const global = await request(app.getHttpServer()).get('/partners').set('Origin', APP);
      expect(global.headers['access-control-allow-origin']).toBeUndefined();

      const pre = await preflight(app, '/partners', { origin: PARTNER, method: 'GET' });
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-max-age']).toBeUndefined();
    });

    it("@Cors({ policy: 'partners', maxAge: 60 }) adds its fields to the named policy", async () => {
      const pre = await preflight(app, '/partners/cached', { origin: PARTNER, method: 'GET' });
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(PARTNER);
      expect(pre.headers['access-control-max-age']).toBe('60');

      const res = await request(app.getHttpServer()).get('/partners/cached').set('Origin', PARTNER);
      expect(res.headers['access-control-expose-headers']).toBe('X-Partner');
      const refused = await preflight(app, '/partners/cached', { origin: APP, method: 'GET' });
      expect(refused.status).toBe(403);
    });

    it('@Cors(false) on a controller switches its undecorated routes off', async () => {
      const pre = await preflight(app, '/internal', { origin: APP, method: 'GET' });
      expect(pre.status).toBe(403);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();

      const res = await request(app.getHttpServer()).get('/internal').set('Origin', APP);
      expect(res.status).toBe(200);
      expect(res.text).toBe('status');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('@Cors() on a method re-enables the global policy under a disabled controller', async () => {
      const pre = await preflight(app, '/internal/public', { origin: APP, method: 'GET' });
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(APP);

      const res = await request(app.getHttpServer()).get('/internal/public').set('Origin', APP);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    });

    it('@Cors({...}) on a method re-enables it with its own fields under a disabled controller', async () => {
      const pre = await preflight(app, '/internal/partner', { origin: PARTNER, method: 'PUT' });
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(PARTNER);
      expect(pre.headers['access-control-allow-methods']).toBe('PUT');
      expect(pre.headers['access-control-max-age']).toBe('5');

      const global = await preflight(app, '/internal/partner', { origin: APP, method: 'PUT' });
      expect(global.status).toBe(403);
    });
  });

  describe('opt-in mode: forRoot({ origin: false })', () => {
    @Controller('opt-in')
    class OptInController {
      @Get('closed')
      closed() {
        return 'closed';
      }

      @Get('open')
      @Cors({ origin: [APP] })
      open() {
        return 'open';
      }

      @Get('partners')
      @Cors('partners')
      partners() {
        return 'partners';
      }
    }

    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(adapter, {
        imports: [
          CorsModule.forRoot({
            origin: false,
            policies: { partners: { origin: ['https://*.partner.example'] } },
          }),
        ],
        controllers: [OptInController],
      });
    });
    afterAll(() => app.close());

    it('refuses an undecorated route', async () => {
      const pre = await preflight(app, '/opt-in/closed', { origin: APP, method: 'GET' });
      expect(pre.status).toBe(403);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();

      const res = await request(app.getHttpServer()).get('/opt-in/closed').set('Origin', APP);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('allows a decorated route that supplies an origin', async () => {
      const pre = await preflight(app, '/opt-in/open', { origin: APP, method: 'GET' });
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe(APP);

      const res = await request(app.getHttpServer()).get('/opt-in/open').set('Origin', APP);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    });

    it('allows a route whose named policy supplies the origin', async () => {
      const res = await request(app.getHttpServer()).get('/opt-in/partners').set('Origin', PARTNER);
      expect(res.headers['access-control-allow-origin']).toBe(PARTNER);
      const other = await request(app.getHttpServer()).get('/opt-in/partners').set('Origin', APP);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
