import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  All,
  Controller,
  Delete,
  Get,
  Patch,
  Post,
  Put,
  type INestApplication,
} from '@nestjs/common';
import request, { type Test } from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const A = 'https://a.example';
const B = 'https://b.example';

@Controller('things')
class ThingsController {
  @Get(':id')
  @Cors({ origin: [A] })
  read() {
    return 'thing';
  }

  @Put(':id')
  @Cors({ origin: [A] })
  replace() {
    return 'replaced';
  }

  // Another param name, the same path.
  @Patch(':thingId')
  @Cors({ origin: [A, B] })
  patch() {
    return 'patched';
  }

  @Delete(':id')
  @Cors({ origin: [B] })
  remove() {
    return 'removed';
  }
}

// One policy for every route at the path.
@Controller('notes')
@Cors({ origin: [A] })
class NotesController {
  @Get()
  list() {
    return [];
  }

  @Post()
  create() {
    return 'created';
  }

  @Delete()
  clear() {
    return 'cleared';
  }
}

@Controller('widgets')
@Cors({ origin: [A], methods: 'PUT' })
class WidgetsController {
  @Put()
  replace() {
    return 'replaced';
  }

  @Delete()
  clear() {
    return 'cleared';
  }
}

// Options carried over from app.enableCors({ methods: '*' }).
@Controller('stars')
@Cors({ origin: [A], methods: '*', credentials: true })
class StarsController {
  @Put()
  replace() {
    return 'replaced';
  }

  @Delete()
  clear() {
    return 'cleared';
  }
}

// Serves every method.
@Controller('any')
@Cors({ origin: [A] })
class AnyController {
  @All()
  handle() {
    return 'handled';
  }
}

describe.each(ADAPTERS)('default Allow-Methods on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [ThingsController, NotesController, WidgetsController, StarsController],
    });
  });
  afterAll(() => app.close());

  // A browser would send a method named here without its own preflight.
  it('names the requested method alone where the routes at the path have other policies', async () => {
    expectAllowed(await preflight(app, '/things/1', A, 'PUT'), A, 'PUT');
    expectAllowed(await preflight(app, '/things/1', B, 'DELETE'), B, 'DELETE');
    expectAllowed(await preflight(app, '/things/1', B, 'PATCH'), B, 'PATCH');
  });

  it('refuses a method whose route does not allow the origin', async () => {
    expectRefused(await preflight(app, '/things/1', A, 'DELETE'));
    expectRefused(await preflight(app, '/things/1', B, 'PUT'));
  });

  it('lists every routed method when one policy covers the path', async () => {
    expectAllowed(await preflight(app, '/notes', A, 'DELETE'), A, 'GET,POST,DELETE');
    expectRefused(await preflight(app, '/notes', APP, 'DELETE'));
  });

  it('lists the policy methods when the policy sets them', async () => {
    expectAllowed(await preflight(app, '/widgets', A, 'PUT'), A, 'PUT');
    // DELETE is routed, but its policy allows PUT only.
    expectRefused(await preflight(app, '/widgets', A, 'DELETE'));
  });

  it("echoes the requested method when the policy's methods are '*'", async () => {
    expectAllowed(await preflight(app, '/stars', A, 'PUT'), A, 'PUT');
    expectAllowed(await preflight(app, '/stars', A, 'DELETE'), A, 'DELETE');
    expectRefused(await preflight(app, '/stars', B, 'PUT'));
  });
});

describe.each(ADAPTERS)('Allow-Methods for an @All() route on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [AnyController],
    });
  });
  afterAll(() => app.close());

  it('answers with the route policy and the default list of methods', async () => {
    expectAllowed(await preflight(app, '/any', A, 'PUT'), A, 'GET,HEAD,PUT,PATCH,POST,DELETE');
    expectRefused(await preflight(app, '/any', APP, 'PUT'));
  });

  it('lists a requested method beyond the default list exactly when @All() serves it', async () => {
    // Browsers may send any method but CONNECT, TRACE and TRACK; an allowed
    // preflight that does not list it is a failure in the browser. Whether
    // @All() serves PROPFIND is the adapter's call: fastify under Nest 11 routes
    // only the methods it knows, so there the preflight must not promise it.
    const agent = request(app.getHttpServer()) as unknown as Record<string, (path: string) => Test>;
    const actual = await agent.propfind('/any').set('Origin', A);
    const res = await preflight(app, '/any', A, 'PROPFIND');
    if (actual.status === 200) {
      expect(actual.headers['access-control-allow-origin']).toBe(A);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-methods']?.split(',')).toContain('PROPFIND');
    } else {
      // Not routed: the global policy answers both, and it does not allow A.
      expect(actual.status).toBe(404);
      expect(actual.headers['access-control-allow-origin']).toBeUndefined();
      expectRefused(res);
    }
  });
});

const ADMIN = 'https://admin.example';
const EVIL = 'https://evil.example';

@Controller('internal')
@Cors({ origin: [ADMIN], credentials: true })
class InternalController {
  @Put()
  replace() {
    return 'replaced';
  }
}

@Controller('siblings')
@Cors({ origin: [APP], credentials: true })
class SiblingsController {
  @Get()
  read() {
    return 'read';
  }

  @Put()
  @Cors({ allowedHeaders: ['content-type'] })
  replace() {
    return 'replaced';
  }
}

const PARTNER = 'https://partner.example';

@Controller('items')
class ItemsController {
  @Put(':id')
  @Cors({ origin: [APP, PARTNER], maxAge: 600 })
  replace() {
    return 'replaced';
  }

  @Post(':id')
  @Cors({ origin: [APP], maxAge: 600 })
  act() {
    return 'acted';
  }
}

@Controller('carts')
class CartsController {
  @Put(':id')
  @Cors({ origin: [APP], credentials: true, maxAge: 600 })
  replace() {
    return 'replaced';
  }

  @Post(':id')
  @Cors({ origin: [APP], maxAge: 600 })
  checkout() {
    return 'checked out';
  }
}

// A browser caches each method Allow-Methods names, with each header the answer
// allows, and sends it later without a preflight of its own: the answer never
// names a method whose own preflight would be refused.
describe.each(ADAPTERS)('Allow-Methods and the browser preflight cache, on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot()],
      controllers: [InternalController, SiblingsController, ItemsController, CartsController],
    });
  });
  afterAll(() => app.close());

  it('names no other method in the global answer at a path no route serves for the method', async () => {
    expectRefused(await preflight(app, '/internal', EVIL, 'PUT'));
    expectAllowed(await preflight(app, '/internal', EVIL, 'PATCH'), '*', 'PATCH');
  });

  it('names no sibling method whose own policy refuses the headers the answer allows', async () => {
    expectRefused(await preflight(app, '/siblings', APP, 'PUT', { headers: 'x-evil' }));
    const res = await preflight(app, '/siblings', APP, 'GET', { headers: 'x-evil' });
    expectAllowed(res, APP, 'GET');
    expect(res.headers['access-control-allow-headers']).toBe('x-evil');
    // Not cached: a browser would send x-evil with a cached PUT without asking again.
    expect(res.headers['access-control-max-age']).toBe('0');
  });

  // The headers it allows are cached for the URL, origin and credentials mode whatever the
  // method, and a POST they cover is then sent without a preflight of its own.
  it('is not cached where a POST route at the URL refuses the origin the answer allows', async () => {
    expectRefused(await preflight(app, '/items/1', PARTNER, 'POST', { headers: 'content-type' }));
    const res = await preflight(app, '/items/1', PARTNER, 'PUT', { headers: 'content-type' });
    expectAllowed(res, PARTNER, 'PUT');
    expect(res.headers['access-control-allow-headers']).toBe('content-type');
    expect(res.headers['access-control-max-age']).toBe('0');
  });

  it('is not cached where a POST route at the URL does not allow credentials', async () => {
    const res = await preflight(app, '/carts/1', APP, 'PUT', { headers: 'content-type' });
    expectAllowed(res, APP, 'PUT');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-max-age']).toBe('0');
  });

  it('is cached where the answering route has the rules of every GET, HEAD and POST route at the URL', async () => {
    const res = await preflight(app, '/items/1', APP, 'POST', { headers: 'content-type' });
    expectAllowed(res, APP, 'POST');
    expect(res.headers['access-control-max-age']).toBe('600');
  });
});
