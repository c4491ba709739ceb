import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, HostParam, Put, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RouteConstraints } from '@nestjs/platform-fastify';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

const ADMIN_UI = 'https://admin-ui.example';
const TENANT_UI = 'https://tenant-ui.example';
const PUBLIC_UI = 'https://public-ui.example';
const APP = 'https://app.example';

// Nest's host filter alone cannot share a path on fastify (a second GET /dashboard
// is a duplicate route), so the app also routes by fastify's host constraint, which
// sees the port. express ignores this metadata.
const ADMIN_HOST = RouteConstraints({ host: /^admin\.example\.com(:\d+)?$/ });
const TENANT_HOST = RouteConstraints({ host: /^[^.]+\.example\.com(:\d+)?$/ });

@Controller({ path: 'dashboard', host: 'admin.example.com' })
@Cors({ origin: [ADMIN_UI] })
class AdminDashboardController {
  @Get()
  @ADMIN_HOST
  show() {
    return 'admin';
  }

  @Put()
  @ADMIN_HOST
  update() {
    return 'admin updated';
  }
}

@Controller({ path: 'dashboard', host: ':tenant.example.com' })
@Cors({ origin: [TENANT_UI] })
class TenantDashboardController {
  @Get()
  @TENANT_HOST
  show(@HostParam('tenant') tenant: string) {
    return `tenant ${tenant}`;
  }

  @Put()
  @TENANT_HOST
  update(@HostParam('tenant') tenant: string) {
    return `tenant ${tenant} updated`;
  }
}

@Controller('dashboard')
@Cors({ origin: [PUBLIC_UI] })
class PublicDashboardController {
  @Get()
  show() {
    return 'public';
  }

  @Put()
  update() {
    return 'public updated';
  }
}

// Bound to a host, with no host-less route at its path.
@Controller({ path: 'billing', host: 'admin.example.com' })
@Cors({ origin: [ADMIN_UI] })
class BillingController {
  @Put()
  update() {
    return 'billing updated';
  }
}

// A RegExp with the g flag keeps its lastIndex between test() calls.
@Controller({ path: 'reports', host: /^reports\.example\.com$/g })
@Cors({ origin: [ADMIN_UI] })
class ReportsController {
  @Put()
  update() {
    return 'reports updated';
  }
}

describe.each(ADAPTERS)('host-bound controllers on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] })],
      // admin.example.com also matches ":tenant.example.com": the first registered wins.
      controllers: [
        AdminDashboardController,
        TenantDashboardController,
        PublicDashboardController,
        BillingController,
        ReportsController,
      ],
    });
  });
  afterAll(() => app.close());

  const put = (host: string, origin: string) =>
    request(app.getHttpServer()).put('/dashboard').set('Host', host).set('Origin', origin);

  it('answers a preflight for the fixed host with that controller policy', async () => {
    const host = { host: 'admin.example.com' };
    // The method alone: the path's routes are bound to hosts.
    expectAllowed(await preflight(app, '/dashboard', ADMIN_UI, 'PUT', host), ADMIN_UI, 'PUT');
    expectRefused(await preflight(app, '/dashboard', TENANT_UI, 'PUT', host));
    expectRefused(await preflight(app, '/dashboard', PUBLIC_UI, 'PUT', host));
  });

  it('ignores the port in the Host header', async () => {
    const host = { host: 'admin.example.com:8443' };
    expectAllowed(await preflight(app, '/dashboard', ADMIN_UI, 'PUT', host), ADMIN_UI);
    expectRefused(await preflight(app, '/dashboard', PUBLIC_UI, 'PUT', host));
  });

  it('answers a preflight for a parametric host with that controller policy', async () => {
    const host = { host: 'acme.example.com' };
    expectAllowed(await preflight(app, '/dashboard', TENANT_UI, 'PUT', host), TENANT_UI, 'PUT');
    expectRefused(await preflight(app, '/dashboard', ADMIN_UI, 'PUT', host));
  });

  it('answers a preflight for any other host with the host-less controller policy', async () => {
    const host = { host: 'api.other.org' };
    expectAllowed(await preflight(app, '/dashboard', PUBLIC_UI, 'PUT', host), PUBLIC_UI, 'PUT');
    expectRefused(await preflight(app, '/dashboard', TENANT_UI, 'PUT', host));
    expectRefused(await preflight(app, '/dashboard', ADMIN_UI, 'PUT', host));
  });

  it('answers a host-bound path requested on another host with the global policy', async () => {
    const admin = { host: 'admin.example.com' };
    expectAllowed(await preflight(app, '/billing', ADMIN_UI, 'PUT', admin), ADMIN_UI, 'PUT');
    const other = { host: 'api.other.org' };
    expectRefused(await preflight(app, '/billing', ADMIN_UI, 'PUT', other));
    expectAllowed(await preflight(app, '/billing', APP, 'PUT', other), APP, 'PUT');
  });

  it('matches a host RegExp with the g flag on every request, as Nest does', async () => {
    const host = { host: 'reports.example.com' };
    for (let i = 0; i < 4; i++)
      expectAllowed(await preflight(app, '/reports', ADMIN_UI, 'PUT', host), ADMIN_UI, 'PUT');
  });

  it('sends the host controller policy on actual requests', async () => {
    const tenant = await put('acme.example.com', TENANT_UI);
    expect(tenant.status).toBe(200);
    expect(tenant.text).toBe('tenant acme updated');
    expect(tenant.headers['access-control-allow-origin']).toBe(TENANT_UI);

    const admin = await put('admin.example.com', PUBLIC_UI);
    expect(admin.status).toBe(200);
    expect(admin.text).toBe('admin updated');
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();

    const other = await put('api.other.org', PUBLIC_UI);
    expect(other.status).toBe(200);
    expect(other.text).toBe('public updated');
    expect(other.headers['access-control-allow-origin']).toBe(PUBLIC_UI);
  });
});

describe.each(ADAPTERS)('host-bound controllers behind a trusted proxy on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      adapter,
      { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [BillingController] },
      {
        configure:
          adapter === 'express'
            ? (nest) => void (nest as NestExpressApplication).set('trust proxy', true)
            : undefined,
        fastify: { trustProxy: true },
      },
    );
  });
  afterAll(() => app.close());

  // The proxy reaches the app on its own host name and says which one the browser asked for.
  const viaProxy = (req: request.Test, forwardedHost: string) =>
    req.set('Host', 'billing-internal:3000').set('X-Forwarded-Host', forwardedHost);
  const preflightVia = (forwardedHost: string) =>
    viaProxy(
      request(app.getHttpServer())
        .options('/billing')
        .set('Origin', ADMIN_UI)
        .set('Access-Control-Request-Method', 'PUT'),
      forwardedHost,
    );

  it('matches the forwarded host, as Nest routes the request', async () => {
    expectAllowed(await preflightVia('admin.example.com'), ADMIN_UI, 'PUT');
    const actual = await viaProxy(
      request(app.getHttpServer()).put('/billing').set('Origin', ADMIN_UI),
      'admin.example.com',
    );
    expect(actual.status).toBe(200);
    expect(actual.text).toBe('billing updated');
    expect(actual.headers['access-control-allow-origin']).toBe(ADMIN_UI);
  });

  it('answers another forwarded host with the global policy', async () => {
    expectRefused(await preflightVia('api.other.org'));
  });
});
