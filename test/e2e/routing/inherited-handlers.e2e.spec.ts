import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Put, type INestApplication, type Type } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const USERS_UI = 'https://users-ui.example';
const ADMIN_UI = 'https://admin-ui.example';
const STAFF_UI = 'https://staff-ui.example';

// A shared CRUD base: both subclasses route the very same handler function.
class CrudController {
  @Put(':id')
  update() {
    return `updated by ${this.constructor.name}`;
  }
}

@Controller('users')
@Cors({ origin: [USERS_UI] })
class UsersController extends CrudController {}

@Controller('staff')
@Cors({ origin: [STAFF_UI] })
class StaffController extends CrudController {}

// Its path contains the other controller's path.
@Controller('admin/users')
@Cors({ origin: [ADMIN_UI] })
class AdminUsersController extends CrudController {}

const CASES: Array<[string, Type, string, string]> = [
  ['unrelated paths', StaffController, '/staff/1', STAFF_UI],
  ['one path inside the other', AdminUsersController, '/admin/users/1', ADMIN_UI],
];

describe.each(ADAPTERS)('an inherited handler on %s', (adapter) => {
  describe.each(CASES)('with %s', (_name, other, otherPath, otherOrigin) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(adapter, {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [UsersController, other],
      });
    });
    afterAll(() => app?.close());

    it('answers each subclass path with that subclass policy', async () => {
      expectAllowed(await preflight(app, '/users/1', USERS_UI, 'PUT'), USERS_UI, 'PUT');
      expectRefused(await preflight(app, '/users/1', otherOrigin, 'PUT'));
      expectAllowed(await preflight(app, otherPath, otherOrigin, 'PUT'), otherOrigin, 'PUT');
      expectRefused(await preflight(app, otherPath, USERS_UI, 'PUT'));
    });

    it('sends each subclass policy on actual requests', async () => {
      const res = await request(app.getHttpServer()).put(otherPath).set('Origin', otherOrigin);
      expect(res.text).toBe(`updated by ${other.name}`);
      expect(res.headers['access-control-allow-origin']).toBe(otherOrigin);
    });
  });
});
