import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Next,
  Put,
  Version,
  VersioningType,
  type INestApplication,
  type VersioningOptions,
} from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { headerLines } from '../../support/cors-http.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight, varyTokens } from './preflight-helpers.js';

const ONE = 'https://one.example';
const TWO = 'https://two.example';
const OTHER = 'https://other.example';

// Both versions share GET /reports: only the version header tells them apart,
// which a preflight does not carry.
@Controller('reports')
class ReportsController {
  @Get()
  @Version('1')
  @Cors({ origin: [ONE] })
  v1() {
    return 'reports v1';
  }

  @Get()
  @Version('2')
  @Cors({ origin: [TWO] })
  v2() {
    return 'reports v2';
  }

  @Put()
  @Version('2')
  @Cors({ origin: [TWO] })
  replace() {
    return 'replaced v2';
  }
}

// Both versions of GET /feeds allow TWO, but answer it differently: a public
// '*' in version 1, the echoed origin with credentials in version 2.
@Controller('feeds')
class FeedsController {
  @Get()
  @Version('1')
  @Cors({ origin: '*' })
  v1() {
    return 'feeds v1';
  }

  @Get()
  @Version('2')
  @Cors({ origin: [TWO], credentials: true })
  v2() {
    return 'feeds v2';
  }
}

async function versionedApp(
  adapter: AdapterName,
  versioning: VersioningOptions,
  configure?: (app: INestApplication) => void,
) {
  return createApp(
    adapter,
    {
      imports: [CorsModule.forRoot({ origin: false })],
      controllers: [ReportsController, FeedsController],
    },
    {
      configure: (nest) => {
        nest.enableVersioning(versioning);
        configure?.(nest);
      },
    },
  );
}

/** What on-headers (morgan, compression, response-time) does: its own writeHead on each response. */
function wrapWriteHead(_request: unknown, response: ServerResponse, next: () => void) {
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  next();
}

const HEADER_VERSIONING: VersioningOptions = {
  type: VersioningType.HEADER,
  header: 'X-API-Version',
};

const VARIANTS: Array<[string, VersioningOptions, (version: string) => [string, string]]> = [
  ['header versioning', HEADER_VERSIONING, (version) => ['X-API-Version', version]],
  [
    'media-type versioning',
    { type: VersioningType.MEDIA_TYPE, key: 'v=' },
    (version) => ['Accept', `application/json;v=${version}`],
  ],
];

describe.each(ADAPTERS)('versions sharing a path on %s', (adapter) => {
  describe.each(VARIANTS)('%s', (_name, versioning, versionHeader) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await versionedApp(adapter, versioning);
    });
    afterAll(() => app.close());

    const get = (version: string, origin: string, path = '/reports') =>
      request(app.getHttpServer())
        .get(path)
        .set(...versionHeader(version))
        .set('Origin', origin);

    it('allows a preflight that any of the versions policies allows', async () => {
      const headers = { headers: 'x-api-version' };
      expectAllowed(await preflight(app, '/reports', ONE, 'GET', headers), ONE);
      expectAllowed(await preflight(app, '/reports', TWO, 'GET', headers), TWO);
      expectRefused(await preflight(app, '/reports', OTHER, 'GET', headers));
    });

    it('names the requested method alone: the versions have other policies', async () => {
      // PUT exists in version 2 only, which allows TWO alone.
      expectAllowed(await preflight(app, '/reports', ONE, 'GET'), ONE, 'GET');
      expectAllowed(await preflight(app, '/reports', TWO, 'PUT'), TWO, 'PUT');
      expectRefused(await preflight(app, '/reports', ONE, 'PUT'));
    });

    it('gives an actual request the exact version policy', async () => {
      const v2FromTwo = await get('2', TWO);
      expect(v2FromTwo.status).toBe(200);
      expect(v2FromTwo.text).toBe('reports v2');
      expect(v2FromTwo.headers['access-control-allow-origin']).toBe(TWO);

      const v2FromOne = await get('2', ONE);
      expect(v2FromOne.status).toBe(200);
      expect(v2FromOne.text).toBe('reports v2');
      expect(v2FromOne.headers['access-control-allow-origin']).toBeUndefined();
      expect(varyTokens(v2FromOne)).toContain('origin');

      const v1FromOne = await get('1', ONE);
      expect(v1FromOne.text).toBe('reports v1');
      expect(v1FromOne.headers['access-control-allow-origin']).toBe(ONE);

      const v1FromTwo = await get('1', TWO);
      expect(v1FromTwo.text).toBe('reports v1');
      expect(v1FromTwo.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('sends the exact version answer when every version allows the origin', async () => {
      const v2 = await get('2', TWO, '/feeds');
      expect(v2.text).toBe('feeds v2');
      expect(headerLines(v2, 'access-control-allow-origin')).toEqual([TWO]);
      expect(v2.headers['access-control-allow-credentials']).toBe('true');

      const v1 = await get('1', TWO, '/feeds');
      expect(v1.text).toBe('feeds v1');
      expect(headerLines(v1, 'access-control-allow-origin')).toEqual(['*']);
      expect(v1.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });
});

describe.each(ADAPTERS)(
  'versions sharing a path on %s, behind middleware that wraps writeHead',
  (adapter) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await versionedApp(adapter, HEADER_VERSIONING, (nest) => nest.use(wrapWriteHead));
    });
    afterAll(() => app.close());

    it("sends the exact version's answer, not the early one", async () => {
      const v2 = await request(app.getHttpServer())
        .get('/feeds')
        .set('X-API-Version', '2')
        .set('Origin', TWO);
      expect(v2.text).toBe('feeds v2');
      expect(headerLines(v2, 'access-control-allow-origin')).toEqual([TWO]);
      expect(v2.headers['access-control-allow-credentials']).toBe('true');
    });
  },
);

// Nest 11 would register a bare wrapper around each handler, which loses its
// version (fastify then refuses the second GET /reports) and its controller.
describe.each(ADAPTERS)(
  'versions sharing a path on %s, with an onRouteTriggered hook',
  (adapter) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await versionedApp(adapter, HEADER_VERSIONING, (nest) =>
        (nest.getHttpAdapter() as AbstractHttpAdapter).setOnRouteTriggered(() => undefined),
      );
    });
    afterAll(() => app.close());

    const send = (method: 'get' | 'put', version: string, origin: string) => {
      const agent = request(app.getHttpServer());
      return agent[method]('/reports').set('X-API-Version', version).set('Origin', origin);
    };

    it('still weighs every version for a preflight', async () => {
      expectAllowed(
        await preflight(app, '/reports', ONE, 'GET', { headers: 'x-api-version' }),
        ONE,
      );
      expectAllowed(
        await preflight(app, '/reports', TWO, 'GET', { headers: 'x-api-version' }),
        TWO,
      );
    });

    it('gives an actual request the exact version policy', async () => {
      const v2FromTwo = await send('get', '2', TWO);
      expect(v2FromTwo.text).toBe('reports v2');
      expect(v2FromTwo.headers['access-control-allow-origin']).toBe(TWO);
      const v1FromOne = await send('get', '1', ONE);
      expect(v1FromOne.text).toBe('reports v1');
      expect(v1FromOne.headers['access-control-allow-origin']).toBe(ONE);
      const putFromTwo = await send('put', '2', TWO);
      expect(putFromTwo.text).toBe('replaced v2');
      expect(putFromTwo.headers['access-control-allow-origin']).toBe(TWO);
    });
  },
);

// An unversioned PUT registered before version 2 of its path. Express serves
// every PUT with the first, which has no version filter to pass a request on;
// fastify lets its version constraint pick version 2.
@Controller('drafts')
class DraftsController {
  @Put()
  @Cors({ origin: [ONE] })
  replace() {
    return 'drafts unversioned';
  }

  @Put()
  @Version('2')
  @Cors({ origin: [TWO] })
  replaceV2() {
    return 'drafts v2';
  }
}

// The same, but the unversioned handler hands every request on with `@Next()`.
@Controller('relays')
class RelaysController {
  @Put()
  @Cors({ origin: [ONE] })
  relay(@Next() next: () => void) {
    next();
  }

  @Put()
  @Version('2')
  @Cors({ origin: [TWO] })
  relayV2() {
    return 'relays v2';
  }
}

describe.each(ADAPTERS)('an unversioned route before a version of its path on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: false })],
        // fastify's @Next() gives nothing to call: the relay case is express's own.
        controllers:
          adapter === 'express' ? [DraftsController, RelaysController] : [DraftsController],
      },
      { configure: (nest) => nest.enableVersioning(HEADER_VERSIONING) },
    );
  });
  afterAll(() => app.close());

  const put = (path: string, origin: string) =>
    request(app.getHttpServer()).put(path).set('X-API-Version', '2').set('Origin', origin);
  const preflightPut = (path: string, origin: string) =>
    preflight(app, path, origin, 'PUT', { headers: 'x-api-version' });

  it('allows a preflight only by the policies of routes the request can reach', async () => {
    expectAllowed(await preflightPut('/drafts', ONE), ONE);
    if (adapter === 'express') {
      // Version 2 is never reached, so its policy must not let TWO send the PUT.
      expectRefused(await preflightPut('/drafts', TWO));
    } else {
      expectAllowed(await preflightPut('/drafts', TWO), TWO);
    }
  });

  it('never lets an origin read a response whose handler refuses it', async () => {
    const fromTwo = await put('/drafts', TWO);
    expect(fromTwo.status).toBe(200);
    if (adapter === 'express') {
      expect(fromTwo.text).toBe('drafts unversioned');
      expect(fromTwo.headers['access-control-allow-origin']).toBeUndefined();
    } else {
      expect(fromTwo.text).toBe('drafts v2');
      expect(fromTwo.headers['access-control-allow-origin']).toBe(TWO);
    }
  });

  if (adapter === 'express') {
    it('weighs the routes behind a handler that takes @Next()', async () => {
      expectAllowed(await preflightPut('/relays', TWO), TWO);
      const fromTwo = await put('/relays', TWO);
      expect(fromTwo.text).toBe('relays v2');
      expect(fromTwo.headers['access-control-allow-origin']).toBe(TWO);
    });
  }
});
