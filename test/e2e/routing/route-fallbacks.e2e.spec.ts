import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Head, Put, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight, varyTokens } from './preflight-helpers.js';

const APP = 'https://app.example';
const PAGES = 'https://pages.example';
const OTHER = 'https://other.example';
const GET_UI = 'https://get-ui.example';
const HEAD_UI = 'https://head-ui.example';

@Controller('pages')
@Cors({ origin: [PAGES] })
class PagesController {
  @Get(':slug')
  read() {
    return 'page';
  }

  @Put(':slug')
  @Cors({ origin: [PAGES], methods: ['PUT'] })
  write() {
    return 'written';
  }
}

/**
 * An explicit @Head() beside @Get(). express sends HEAD to the first registered
 * route that handles it, and a GET route handles HEAD: declared first, the GET
 * handler serves HEAD requests. fastify adds a HEAD route for every GET, so the
 * app boots only with @Head() declared first, and then it serves HEAD.
 */
function feedController(adapter: AdapterName) {
  if (adapter === 'express') {
    @Controller('feed')
    class GetFirstFeedController {
      @Get()
      @Cors({ origin: [GET_UI] })
      read() {
        return 'feed';
      }

      @Head()
      @Cors({ origin: [HEAD_UI] })
      probe() {
        return '';
      }
    }
    return GetFirstFeedController;
  }
  @Controller('feed')
  class HeadFirstFeedController {
    @Head()
    @Cors({ origin: [HEAD_UI] })
    probe() {
      return '';
    }

    @Get()
    @Cors({ origin: [GET_UI] })
    read() {
      return 'feed';
    }
  }
  return HeadFirstFeedController;
}

describe.each(ADAPTERS)('route fallbacks on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [PagesController, feedController(adapter)],
    });
  });
  afterAll(() => app.close());

  it('answers a HEAD preflight with the GET route policy', async () => {
    const headers = { headers: 'x-trace' };
    expectAllowed(await preflight(app, '/pages/home', PAGES, 'HEAD', headers), PAGES);
    expectRefused(await preflight(app, '/pages/home', APP, 'HEAD', headers));
  });

  it('answers a HEAD preflight with the policy of the handler that serves HEAD', async () => {
    const served = adapter === 'express' ? GET_UI : HEAD_UI;
    const other = adapter === 'express' ? HEAD_UI : GET_UI;
    const actual = await request(app.getHttpServer()).head('/feed').set('Origin', served);
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe(served);

    const headers = { headers: 'x-trace' };
    expectAllowed(await preflight(app, '/feed', served, 'HEAD', headers), served);
    expectRefused(await preflight(app, '/feed', other, 'HEAD', headers));
  });

  // Naming the method alone: a browser would send any other it named without a preflight.
  it('answers a preflight no route serves with the global policy, naming the method alone', async () => {
    const res = await preflight(app, '/nowhere', APP, 'PUT');
    expectAllowed(res, APP, 'PUT');
    expect(res.text).toBe('');
    expectRefused(await preflight(app, '/nowhere', PAGES, 'PUT'));
  });

  it('answers a method not routed at an existing path with the global policy', async () => {
    expectAllowed(await preflight(app, '/pages/home', APP, 'DELETE'), APP, 'DELETE');
    expectRefused(await preflight(app, '/pages/home', PAGES, 'DELETE'));
  });

  it('lets the browser see the real 404 with the global policy headers', async () => {
    const allowed = await request(app.getHttpServer()).put('/nowhere').set('Origin', APP);
    expect(allowed.status).toBe(404);
    expect(allowed.headers['access-control-allow-origin']).toBe(APP);
    expect(varyTokens(allowed)).toContain('origin');

    const refused = await request(app.getHttpServer()).put('/nowhere').set('Origin', OTHER);
    expect(refused.status).toBe(404);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(varyTokens(refused)).toContain('origin');
  });
});

describe.each(ADAPTERS)('route fallbacks with global methods on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP], methods: ['GET', 'POST', 'PATCH'] })],
      controllers: [PagesController],
    });
  });
  afterAll(() => app.close());

  it('allows only the global methods for a path no route serves, naming the method alone', async () => {
    expectAllowed(await preflight(app, '/nowhere', APP, 'PATCH'), APP, 'PATCH');
    expectRefused(await preflight(app, '/nowhere', APP, 'DELETE'));
  });

  it('allows the global methods for a route that inherits them', async () => {
    // The method alone: the PUT route beside it lists other methods.
    expectAllowed(
      await preflight(app, '/pages/home', PAGES, 'GET', { headers: 'x-trace' }),
      PAGES,
      'GET',
    );
    // The PUT route sets its own methods.
    expectAllowed(await preflight(app, '/pages/home', PAGES, 'PUT'), PAGES, 'PUT');
  });
});
