import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Injectable,
  Post,
  Put,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type PipeTransform,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { preflight, varyTokens } from '../../support/cors-http.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const TOKEN = 'Bearer t0ken';

let authGuardCalls = 0;

/** A global guard like an auth guard: every routed request needs an Authorization header. */
@Injectable()
class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    authGuardCalls++;
    const { headers } = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    if (headers.authorization === undefined) throw new UnauthorizedException();
    return true;
  }
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

/** Stands in for ValidationPipe (class-validator is not installed): `name` must be a string. */
@Injectable()
class RequireNamePipe implements PipeTransform {
  transform(value: unknown) {
    if (typeof (value as { name?: unknown } | undefined)?.name !== 'string')
      throw new BadRequestException(['name must be a string']);
    return value;
  }
}

@Controller('account')
@Cors({ origin: [ADMIN], credentials: true })
class AccountController {
  @Put('profile')
  update() {
    return { updated: true };
  }

  @Get('admin')
  @UseGuards(DenyGuard)
  admin() {
    return { admin: true };
  }

  @Post('items')
  create(@Body(RequireNamePipe) body: { name: string }) {
    return { created: body.name };
  }

  @Get('boom')
  boom(): never {
    throw new Error('handler exploded');
  }
}

describe.each(ADAPTERS)('CORS headers on error responses on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      controllers: [AccountController],
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }, DenyGuard, RequireNamePipe],
    });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    authGuardCalls = 0;
  });

  const server = () => app.getHttpServer();

  it('answers the preflight of a guarded route without running the global guard', async () => {
    const res = await preflight(app, '/account/profile', {
      origin: ADMIN,
      method: 'PUT',
      headers: 'authorization,content-type',
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type');
    expect(authGuardCalls).toBe(0);
  });

  it("keeps the route's CORS headers on the global guard's 401", async () => {
    const res = await request(server()).put('/account/profile').set('Origin', ADMIN);
    expect(res.status).toBe(401);
    expect(authGuardCalls).toBe(1);
    expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(varyTokens(res)).toEqual(['Origin']);

    const authorized = await request(server())
      .put('/account/profile')
      .set('Origin', ADMIN)
      .set('Authorization', TOKEN);
    expect(authorized.status).toBe(200);
    expect(authorized.headers['access-control-allow-origin']).toBe(ADMIN);
  });

  it('keeps the CORS headers on the 403 of a @UseGuards guard returning false', async () => {
    const res = await request(server())
      .get('/account/admin')
      .set('Origin', ADMIN)
      .set('Authorization', TOKEN);
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it("keeps the CORS headers on a pipe's 400", async () => {
    const res = await request(server())
      .post('/account/items')
      .set('Origin', ADMIN)
      .set('Authorization', TOKEN)
      .send({ name: 42 });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['name must be a string']);
    expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it("keeps the CORS headers on a handler's 500", async () => {
    const res = await request(server())
      .get('/account/boom')
      .set('Origin', ADMIN)
      .set('Authorization', TOKEN);
    expect(res.status).toBe(500);
    expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it('answers an unknown path with a 404 carrying the global policy', async () => {
    const res = await request(server()).get('/nowhere').set('Origin', APP);
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(varyTokens(res)).toEqual(['Origin']);

    const refused = await request(server()).get('/nowhere').set('Origin', ADMIN);
    expect(refused.status).toBe(404);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});
