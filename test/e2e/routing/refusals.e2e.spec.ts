import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Delete,
  Get,
  Patch,
  Put,
  UnauthorizedException,
  type CanActivate,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const APP = 'https://app.example';
const A = 'https://a.example';
const EVIL = 'https://evil.example';

let guardCalls = 0;

// Every request needs credentials this test never sends: anything the guard sees is a 401.
class AlwaysUnauthorizedGuard implements CanActivate {
  canActivate(): boolean {
    guardCalls++;
    throw new UnauthorizedException();
  }
}

@Controller('accounts')
@Cors({ origin: [A], methods: ['GET', 'PUT'], allowedHeaders: ['content-type'] })
class AccountsController {
  @Put(':id')
  update() {
    return 'updated';
  }

  // Its policy allows PUT only: a misconfiguration that refuses its own method.
  @Patch(':id')
  @Cors({ methods: ['PUT'] })
  patch() {
    return 'patched';
  }

  @Delete(':id')
  @Cors(false)
  remove() {
    return 'removed';
  }

  @Get('crash')
  crash(): never {
    throw new Error('handler failure');
  }
}

describe.each(ADAPTERS)('refused preflights on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [AccountsController],
      providers: [{ provide: APP_GUARD, useClass: AlwaysUnauthorizedGuard }],
    });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    guardCalls = 0;
  });

  it('refuses a disallowed origin with 403, not the guard 401', async () => {
    expectRefused(await preflight(app, '/accounts/1', EVIL, 'PUT'));
    expect(guardCalls).toBe(0);
  });

  it('answers an allowed preflight before the guard too', async () => {
    expectAllowed(await preflight(app, '/accounts/1', A, 'PUT'), A, 'PUT');
    expect(guardCalls).toBe(0);
  });

  it('names the reason in a short plain-text body', async () => {
    const origin = await preflight(app, '/accounts/1', EVIL, 'PUT');
    expectRefused(origin);
    expect(origin.text).toContain('"https://evil.example"');
    const headers = await preflight(app, '/accounts/1', A, 'PUT', { headers: 'x-secret' });
    expectRefused(headers);
    expect(headers.text).toContain('x-secret');
  });

  it('refuses a method the route policy does not allow', async () => {
    const res = await preflight(app, '/accounts/1', A, 'PATCH');
    expectRefused(res);
    expect(res.text).toContain('"PATCH"');
  });

  it('refuses a route with CORS switched off', async () => {
    const res = await preflight(app, '/accounts/1', A, 'DELETE');
    expectRefused(res);
    expect(res.text).toContain('disabled');
  });

  it('refuses a preflight to an unrouted path with 403, not 404', async () => {
    expectRefused(await preflight(app, '/missing/path', EVIL, 'PUT'));
  });

  it('refuses a preflight to a failing handler with 403, not 500', async () => {
    expectRefused(await preflight(app, '/accounts/crash', EVIL, 'GET', { headers: 'x-trace' }));
    expect(guardCalls).toBe(0);
  });

  it('keeps the Vary value the same on allowed and refused answers', async () => {
    const allowed = await preflight(app, '/accounts/1', A, 'PUT');
    const refused = await preflight(app, '/accounts/1', EVIL, 'PUT');
    expect(refused.headers.vary).toBe(allowed.headers.vary);
    expect(refused.headers.vary).toBe(
      'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    );
  });
});
