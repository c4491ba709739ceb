import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Delete,
  Get,
  Module,
  Put,
  Version,
  VERSION_NEUTRAL,
  VersioningType,
  type INestApplication,
} from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight, varyTokens } from './preflight-helpers.js';

const APP = 'https://app.example';
const ONE = 'https://one.example';
const TWO = 'https://two.example';
const BOTH = 'https://both.example';
const NEUTRAL = 'https://neutral.example';
const THREE = 'https://three.example';
// GET is safelisted: a browser preflights it only for a non-safelisted header.
const GET_HEADERS = { headers: 'x-trace' };

@Controller('cats')
class CatsController {
  @Get() // the default version, 1
  @Cors({ origin: [ONE] })
  listV1() {
    return 'cats v1';
  }

  @Get()
  @Version('2')
  @Cors({ origin: [TWO] })
  listV2() {
    return 'cats v2';
  }

  @Put(':id')
  @Version(['1', '2'])
  @Cors({ origin: [BOTH] })
  update() {
    return 'updated';
  }

  @Get('status')
  @Version(VERSION_NEUTRAL)
  @Cors({ origin: [NEUTRAL] })
  status() {
    return 'status';
  }
}

@Controller({ path: 'dogs', version: '3' })
@Cors({ origin: [THREE] })
class DogsController {
  @Delete(':id')
  remove() {
    return 'removed';
  }
}

describe.each(ADAPTERS)('URI versioning on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [CatsController, DogsController],
      },
      {
        configure: (nest) =>
          nest.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' }),
      },
    );
  });
  afterAll(() => app.close());

  it('answers /v1/... with the default-version route policy', async () => {
    expectAllowed(await preflight(app, '/v1/cats', ONE, 'GET', GET_HEADERS), ONE, 'GET');
    expectRefused(await preflight(app, '/v1/cats', TWO, 'GET', GET_HEADERS));
  });

  it('answers /v2/... with the @Version("2") route policy', async () => {
    expectAllowed(await preflight(app, '/v2/cats', TWO, 'GET', GET_HEADERS), TWO, 'GET');
    expectRefused(await preflight(app, '/v2/cats', ONE, 'GET', GET_HEADERS));
  });

  it('answers an unversioned or unknown-version path with the global policy', async () => {
    expectAllowed(await preflight(app, '/cats', APP, 'GET', GET_HEADERS), APP, 'GET');
    expectRefused(await preflight(app, '/cats', ONE, 'GET', GET_HEADERS));
    expectRefused(await preflight(app, '/v3/cats', TWO, 'GET', GET_HEADERS));
  });

  it('answers every version of a multi-version route with its policy', async () => {
    expectAllowed(await preflight(app, '/v1/cats/5', BOTH, 'PUT'), BOTH, 'PUT');
    expectAllowed(await preflight(app, '/v2/cats/5', BOTH, 'PUT'), BOTH, 'PUT');
    expectRefused(await preflight(app, '/v1/cats/5', ONE, 'PUT'));
    expectRefused(await preflight(app, '/v2/cats/5', TWO, 'PUT'));
  });

  it('answers a VERSION_NEUTRAL route at its path without a version', async () => {
    expectAllowed(
      await preflight(app, '/cats/status', NEUTRAL, 'GET', GET_HEADERS),
      NEUTRAL,
      'GET',
    );
    expectRefused(await preflight(app, '/cats/status', ONE, 'GET', GET_HEADERS));
  });

  it('answers a controller-level version at its own version path only', async () => {
    expectAllowed(await preflight(app, '/v3/dogs/1', THREE, 'DELETE'), THREE, 'DELETE');
    expectRefused(await preflight(app, '/v1/dogs/1', THREE, 'DELETE'));
    expectRefused(await preflight(app, '/dogs/1', THREE, 'DELETE'));
  });

  it('sends the version policy on actual requests', async () => {
    const allowed = await request(app.getHttpServer()).get('/v2/cats').set('Origin', TWO);
    expect(allowed.status).toBe(200);
    expect(allowed.text).toBe('cats v2');
    expect(allowed.headers['access-control-allow-origin']).toBe(TWO);

    const refused = await request(app.getHttpServer()).get('/v2/cats').set('Origin', ONE);
    expect(refused.status).toBe(200);
    expect(refused.text).toBe('cats v2');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(varyTokens(refused)).toContain('origin');
  });
});

@Controller('users')
@Cors({ origin: [TWO] })
class AdminUsersController {
  @Put(':id')
  @Version('2')
  update() {
    return 'admin v2';
  }
}

@Module({ controllers: [AdminUsersController] })
class AdminModule {}

describe.each(ADAPTERS)('URI versions with a prefix and RouterModule on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [
          CorsModule.forRoot({ origin: [APP] }),
          AdminModule,
          RouterModule.register([{ path: 'admin', module: AdminModule }]),
        ],
      },
      {
        configure: (nest) => {
          nest.setGlobalPrefix('api');
          nest.enableVersioning({ type: VersioningType.URI });
        },
      },
    );
  });
  afterAll(() => app.close());

  it('finds the route at prefix + version + module path + controller + method', async () => {
    expectAllowed(await preflight(app, '/api/v2/admin/users/3', TWO, 'PUT'), TWO, 'PUT');
    expectRefused(await preflight(app, '/api/v2/admin/users/3', APP, 'PUT'));
  });

  it('does not find it with any part left out or moved', async () => {
    for (const path of [
      '/v2/admin/users/3',
      '/api/admin/users/3',
      '/api/v2/users/3',
      '/api/admin/v2/users/3',
    ]) {
      expectRefused(await preflight(app, path, TWO, 'PUT'));
    }
  });
});
