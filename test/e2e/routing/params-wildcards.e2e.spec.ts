import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  All,
  Controller,
  Delete,
  Get,
  Param,
  Patch,
  Put,
  VersioningType,
  type INestApplication,
} from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const ME = 'https://me.example';
const ID = 'https://id.example';
const REPOS = 'https://repos.example';
const FILES = 'https://files.example';
const ASSETS = 'https://assets.example';
const LATEST = 'https://latest.example';
const LEGACY = 'https://legacy.example';
const REPORTS = 'https://reports.example';
const DOWNLOADS = 'https://downloads.example';
const ORG = 'https://org.example';
const TEAM = 'https://team.example';
const EXPORTS = 'https://exports.example';

@Controller('users')
class UsersController {
  // Declared before ':id', as Nest's docs advise, so both adapters route /users/me here.
  @Put('me')
  @Cors({ origin: [ME] })
  updateMe() {
    return 'me';
  }

  @Put(':id')
  @Cors({ origin: [ID] })
  update(@Param('id') id: string) {
    return `user ${id}`;
  }
}

@Controller('orgs/:org/repos/:repo')
@Cors({ origin: [REPOS] })
class ReposController {
  @Put()
  replace(@Param('org') org: string, @Param('repo') repo: string) {
    return `${org}/${repo}`;
  }

  @Delete('branches/:branch')
  removeBranch(@Param('branch') branch: string) {
    return `branch ${branch}`;
  }
}

/**
 * Nest 11+ documents path-to-regexp 8 syntax ('*name' needs at least one
 * segment, '{/*name}' and '{/:param}' may be absent), but fastify's router
 * rejects it and takes its own: a trailing bare '*', a trailing ':param?'.
 * A legacy 'x/*' path works on both: Nest rewrites it to 'x/{*path}' for express.
 */
const WILDCARDS = {
  express: { files: 'files/*path', assets: ['assets{/*path}'], optional: 'reports{/:year}' },
  fastify: { files: 'files/*', assets: ['assets', 'assets/*'], optional: 'reports/:year?' },
} as const;

function filesController(adapter: AdapterName) {
  const paths = WILDCARDS[adapter];

  @Controller()
  class FilesController {
    @Put(paths.files)
    @Cors({ origin: [FILES] })
    upload() {
      return 'file';
    }

    @Delete([...paths.assets])
    @Cors({ origin: [ASSETS] })
    purge() {
      return 'purged';
    }

    @Put(paths.optional)
    @Cors({ origin: [REPORTS] })
    report() {
      return 'report';
    }

    @Put('downloads/:name.:ext')
    @Cors({ origin: [DOWNLOADS] })
    download(@Param('name') name: string, @Param('ext') ext: string) {
      return `${name} ${ext}`;
    }

    @Put('exports/:id.json')
    @Cors({ origin: [EXPORTS] })
    exportJson(@Param('id') id: string) {
      return `export ${id}`;
    }

    @Patch('legacy/*')
    @Cors({ origin: [LEGACY] })
    patchLegacy() {
      return 'legacy';
    }
  }
  return FilesController;
}

// ':id' declared before 'latest': express takes the first registered route that
// matches, fastify prefers the static one whatever the order.
@Controller('orders')
class OrdersController {
  @Put(':id')
  @Cors({ origin: [ID] })
  update(@Param('id') id: string) {
    return `order ${id}`;
  }

  @Put('latest')
  @Cors({ origin: [LATEST] })
  updateLatest() {
    return 'latest order';
  }
}

// Two param routes that both match PUT /teams/settings: express takes the one
// registered first, fastify the one with the longer static prefix.
@Controller()
class SettingsController {
  @Put(':org/settings')
  @Cors({ origin: [ORG] })
  updateSettings(@Param('org') org: string) {
    return `settings of ${org}`;
  }

  @Put('teams/:id')
  @Cors({ origin: [TEAM] })
  updateTeam(@Param('id') id: string) {
    return `team ${id}`;
  }
}

describe.each(ADAPTERS)('params and wildcards on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [
        UsersController,
        ReposController,
        filesController(adapter),
        OrdersController,
        SettingsController,
      ],
    });
  });
  afterAll(() => app.close());

  it('answers a preflight to a param route with its policy', async () => {
    expectAllowed(await preflight(app, '/users/42', ID, 'PUT'), ID, 'PUT');
    expectRefused(await preflight(app, '/users/42', ME, 'PUT'));
    expectRefused(await preflight(app, '/users/42', APP, 'PUT'));
  });

  it('ignores the query string', async () => {
    expectAllowed(await preflight(app, '/users/42?fields=name', ID, 'PUT'), ID, 'PUT');
    expectAllowed(await preflight(app, '/users/me?fields=name', ME, 'PUT'), ME, 'PUT');
  });

  it('matches case and trailing slash as the adapter does', async () => {
    // express 5 routes both case-insensitively and with a trailing slash; fastify neither.
    const routed = adapter === 'express';
    for (const path of ['/USERS/42', '/users/42/']) {
      const res = await preflight(app, path, ID, 'PUT');
      if (routed) expectAllowed(res, ID, 'PUT');
      else expectRefused(res);
      const actual = await request(app.getHttpServer()).put(path).set('Origin', ID);
      expect(actual.status).toBe(routed ? 200 : 404);
    }
  });

  it('tells a static route apart from the param route beside it', async () => {
    expectAllowed(await preflight(app, '/users/me', ME, 'PUT'), ME, 'PUT');
    expectRefused(await preflight(app, '/users/me', ID, 'PUT'));
  });

  it('does not stretch a param over several segments', async () => {
    expectAllowed(await preflight(app, '/users/42/extra', APP, 'PUT'), APP, 'PUT');
    expectRefused(await preflight(app, '/users/42/extra', ID, 'PUT'));
  });

  it('treats an encoded slash as part of one param', async () => {
    expectAllowed(await preflight(app, '/users/j%C3%B6rg%2Fx', ID, 'PUT'), ID, 'PUT');
    const res = await request(app.getHttpServer()).put('/users/j%C3%B6rg%2Fx').set('Origin', ID);
    expect(res.text).toBe('user jörg/x');
    expect(res.headers['access-control-allow-origin']).toBe(ID);
  });

  it('answers an optional param route with or without the param', async () => {
    expectAllowed(await preflight(app, '/reports', REPORTS, 'PUT'), REPORTS, 'PUT');
    expectAllowed(await preflight(app, '/reports/2024', REPORTS, 'PUT'), REPORTS, 'PUT');
    expectRefused(await preflight(app, '/reports/2024', APP, 'PUT'));
  });

  it('answers two params in one segment', async () => {
    expectAllowed(await preflight(app, '/downloads/report.pdf', DOWNLOADS, 'PUT'), DOWNLOADS);
    expectRefused(await preflight(app, '/downloads/report.pdf', APP, 'PUT'));
    const res = await request(app.getHttpServer())
      .put('/downloads/report.pdf')
      .set('Origin', DOWNLOADS);
    expect(res.text).toBe('report pdf');
    expect(res.headers['access-control-allow-origin']).toBe(DOWNLOADS);
  });

  it('matches the text after a param in any case on express, in its own case on fastify', async () => {
    const res = await request(app.getHttpServer()).put('/Exports/7.JSON').set('Origin', EXPORTS);
    if (adapter === 'express') {
      expect(res.text).toBe('export 7');
      expect(res.headers['access-control-allow-origin']).toBe(EXPORTS);
      expectAllowed(await preflight(app, '/Exports/7.JSON', EXPORTS, 'PUT'), EXPORTS, 'PUT');
      expectRefused(await preflight(app, '/Exports/7.JSON', APP, 'PUT'));
    } else {
      expect(res.status).toBe(404);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expectRefused(await preflight(app, '/Exports/7.JSON', EXPORTS, 'PUT'));
    }
    expectAllowed(await preflight(app, '/exports/7.json', EXPORTS, 'PUT'), EXPORTS, 'PUT');
  });

  it('routes a param longer than fastify allows as the adapter does', async () => {
    // fastify's router refuses parameters over 100 characters; express has no limit.
    const path = `/users/${'7'.repeat(9_000)}`;
    const res = await request(app.getHttpServer()).put(path).set('Origin', ID);
    if (adapter === 'express') {
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe(ID);
      expectAllowed(await preflight(app, path, ID, 'PUT'), ID, 'PUT');
    } else {
      expect(res.status).not.toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expectRefused(await preflight(app, path, ID, 'PUT'));
    }
  });

  // Express needs a character for each param; Nest's fastify adapter sends such a request to
  // the not-found handler, though fastify's router matched it.
  it.each(['/users/', '/orgs//repos/web'])(
    'answers %s, whose param would be empty, with the global policy, as its 404',
    async (path) => {
      const actual = await request(app.getHttpServer()).put(path).set('Origin', APP);
      expect({
        status: actual.status,
        allowOrigin: actual.headers['access-control-allow-origin'],
      }).toEqual({ status: 404, allowOrigin: APP });
      expectAllowed(await preflight(app, path, APP, 'PUT'), APP, 'PUT');
      expectRefused(await preflight(app, path, path === '/users/' ? ID : REPOS, 'PUT'));
    },
  );

  it('answers a wildcard with nothing after it as the adapter does', async () => {
    // fastify's '*' may be empty; express's '*path' needs a character.
    const served = adapter === 'fastify';
    const actual = await request(app.getHttpServer()).put('/files/').set('Origin', FILES);
    expect(actual.status).toBe(served ? 200 : 404);
    const res = await preflight(app, '/files/', FILES, 'PUT');
    if (served) expectAllowed(res, FILES, 'PUT');
    else expectRefused(res);
  });

  it('answers routes with several params', async () => {
    expectAllowed(await preflight(app, '/orgs/acme/repos/web', REPOS, 'PUT'), REPOS, 'PUT');
    expectAllowed(
      await preflight(app, '/orgs/acme/repos/web/branches/main', REPOS, 'DELETE'),
      REPOS,
      'DELETE',
    );
    expectRefused(await preflight(app, '/orgs/acme/repos/web', APP, 'PUT'));
    // One segment short: not routed.
    expectRefused(await preflight(app, '/orgs/acme/repos', REPOS, 'PUT'));
  });

  it('answers wildcard routes at any depth', async () => {
    expectAllowed(await preflight(app, '/files/a.txt', FILES, 'PUT'), FILES, 'PUT');
    expectAllowed(await preflight(app, '/files/docs/2024/a.txt', FILES, 'PUT'), FILES, 'PUT');
    expectRefused(await preflight(app, '/files/docs/2024/a.txt', APP, 'PUT'));
    expectAllowed(await preflight(app, '/assets/img/logo.png', ASSETS, 'DELETE'), ASSETS);
    expectRefused(await preflight(app, '/assets/img/logo.png', FILES, 'DELETE'));
  });

  it('answers a legacy "*" wildcard route', async () => {
    expectAllowed(await preflight(app, '/legacy/a/b', LEGACY, 'PATCH'), LEGACY, 'PATCH');
    expectRefused(await preflight(app, '/legacy/a/b', APP, 'PATCH'));
  });

  it('matches an optional wildcard with no segment, a required one not', async () => {
    expectAllowed(await preflight(app, '/assets', ASSETS, 'DELETE'), ASSETS, 'DELETE');
    expectRefused(await preflight(app, '/files', FILES, 'PUT'));
    expectAllowed(await preflight(app, '/files', APP, 'PUT'), APP, 'PUT');
  });

  it('sends the param route policy on actual requests', async () => {
    const res = await request(app.getHttpServer()).put('/users/42').set('Origin', ID);
    expect(res.status).toBe(200);
    expect(res.text).toBe('user 42');
    expect(res.headers['access-control-allow-origin']).toBe(ID);
  });

  interface Served {
    readonly body: string;
    readonly origin: string;
  }
  it.each<[label: string, path: string, express: Served, fastify: Served]>([
    [
      'a static route after a param one',
      '/orders/latest',
      { body: 'order latest', origin: ID },
      { body: 'latest order', origin: LATEST },
    ],
    [
      'two param routes',
      '/teams/settings',
      { body: 'settings of teams', origin: ORG },
      { body: 'team settings', origin: TEAM },
    ],
  ])(
    'answers %s that both match with the policy of the handler the adapter routes to',
    async (_label, path, onExpress, onFastify) => {
      const [served, other] =
        adapter === 'express' ? [onExpress, onFastify] : [onFastify, onExpress];
      const actual = await request(app.getHttpServer()).put(path).set('Origin', served.origin);
      expect(actual.text).toBe(served.body);
      expect(actual.headers['access-control-allow-origin']).toBe(served.origin);

      expectAllowed(await preflight(app, path, served.origin, 'PUT'), served.origin);
      expectRefused(await preflight(app, path, other.origin, 'PUT'));
    },
  );
});

const ANY = 'https://any.example';

@Controller()
class CatchAllController {
  @All(WILDCARDS.fastify.files.replace('files/', ''))
  @Cors({ origin: [ANY] })
  any() {
    return 'any';
  }

  @Get(':id')
  @Cors({ origin: [ID] })
  one(@Param('id') id: string) {
    return `one ${id}`;
  }
}

// With header versioning, fastify's version constraint takes GET / past ':id' (whose param would
// be empty) to the catch-all under Nest 11, which serves it; Nest 12 answers 404. The catch-all
// answers with its own policy. The 404 keeps the answer decided before any handler was known,
// for the routes fastify matched (':id'): never the catch-all's.
describe('an empty param beside a catch-all, with header versioning, on fastify', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      'fastify',
      { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [CatchAllController] },
      {
        configure: (nest) =>
          nest.enableVersioning({
            type: VersioningType.HEADER,
            header: 'x-v',
            defaultVersion: '1',
          }),
      },
    );
  });
  afterAll(() => app.close());

  it.each([APP, ANY, ID])('answers GET / from %s as what serves it decides', async (origin) => {
    const actual = await request(app.getHttpServer()).get('/').set('Origin', origin);
    const decidedBy = actual.status === 404 ? ID : ANY;
    if (actual.status !== 404) expect(actual.text).toBe('any');
    expect(actual.headers['access-control-allow-origin']).toBe(
      origin === decidedBy ? origin : undefined,
    );
  });
});
