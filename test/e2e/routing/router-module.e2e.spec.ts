import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Put, type INestApplication } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const ADMIN = 'https://admin.example';
const REPORTS = 'https://reports.example';

@Controller('users')
@Cors({ origin: [ADMIN] })
class AdminUsersController {
  @Get()
  list() {
    return 'admin users';
  }

  @Put(':id')
  update() {
    return 'admin update';
  }
}

@Module({ controllers: [AdminUsersController] })
class AdminModule {}

@Controller('daily')
@Cors({ origin: [REPORTS] })
class DailyReportController {
  @Put()
  regenerate() {
    return 'regenerated';
  }
}

@Module({ controllers: [DailyReportController] })
class ReportsModule {}

// The same controller path outside the RouterModule tree, with the global policy.
@Controller('users')
class UsersController {
  @Put(':id')
  update() {
    return 'user update';
  }
}

const routes = RouterModule.register([
  { path: 'admin', module: AdminModule, children: [{ path: 'reports', module: ReportsModule }] },
]);

describe.each(ADAPTERS)('RouterModule paths on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] }), AdminModule, ReportsModule, routes],
      controllers: [UsersController],
    });
  });
  afterAll(() => app.close());

  it('answers a preflight under the module path with that module controller policy', async () => {
    expectAllowed(await preflight(app, '/admin/users/7', ADMIN, 'PUT'), ADMIN, 'PUT');
    expectRefused(await preflight(app, '/admin/users/7', APP, 'PUT'));
  });

  it('answers the same controller path outside the module with its own policy', async () => {
    expectAllowed(await preflight(app, '/users/7', APP, 'PUT'), APP, 'PUT');
    expectRefused(await preflight(app, '/users/7', ADMIN, 'PUT'));
  });

  it('follows nested children paths', async () => {
    expectAllowed(await preflight(app, '/admin/reports/daily', REPORTS, 'PUT'), REPORTS, 'PUT');
    expectRefused(await preflight(app, '/admin/reports/daily', ADMIN, 'PUT'));
    // Not routed without the parent path: the global policy answers.
    expectRefused(await preflight(app, '/reports/daily', REPORTS, 'PUT'));
  });

  it('sends the module controller policy on actual requests', async () => {
    const res = await request(app.getHttpServer()).put('/admin/users/7').set('Origin', ADMIN);
    expect(res.status).toBe(200);
    expect(res.text).toBe('admin update');
    expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
  });
});

describe.each(ADAPTERS)('RouterModule paths under a global prefix on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      {
        imports: [CorsModule.forRoot({ origin: [APP] }), AdminModule, ReportsModule, routes],
        controllers: [UsersController],
      },
      { configure: (nest) => nest.setGlobalPrefix('api') },
    );
  });
  afterAll(() => app.close());

  it('answers /api/admin/... with the module controller policy', async () => {
    expectAllowed(await preflight(app, '/api/admin/users/7', ADMIN, 'PUT'), ADMIN, 'PUT');
    expectAllowed(await preflight(app, '/api/admin/reports/daily', REPORTS, 'PUT'), REPORTS, 'PUT');
    expectRefused(await preflight(app, '/api/admin/users/7', APP, 'PUT'));
  });

  it('answers the path without the prefix with the global policy', async () => {
    expectRefused(await preflight(app, '/admin/users/7', ADMIN, 'PUT'));
    expectAllowed(await preflight(app, '/admin/users/7', APP, 'PUT'), APP, 'PUT');
  });
});
