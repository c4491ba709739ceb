import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  Injectable,
  Param,
  Put,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { Cors, CorsModule } from '../../lib/index.js';
import type { PageServer } from './support/page-server.js';
import type { ServerLog } from './support/server-log.js';

/** The sites whose pages call the API: one page server, many host names, one port. */
export function sitesOf(pages: PageServer) {
  return {
    /** The front end the global policy allows. */
    app: pages.origin('app.example.test'),
    /** A plain loopback origin, also allowed globally. */
    loopback: pages.origin('127.0.0.1'),
    admin: pages.origin('admin.example.test'),
    /** Allowed nowhere (except where a route allows any origin). */
    other: pages.origin('other.example.test'),
    /** Subdomains that `http://*.partner.example.test:*` matches. */
    partner: pages.origin('app.partner.example.test'),
    deepPartner: pages.origin('eu.shop.partner.example.test'),
    /** Hosts that only look like partners. */
    partnerApex: pages.origin('partner.example.test'),
    lookAlike: pages.origin('evilpartner.example.test'),
    suffixTrick: pages.origin('partner.example.test.evil.test'),
    /** Origins the dynamic origin function knows, and one it does not. */
    tenant: pages.origin('shop.tenant.example.test'),
    unknownTenant: pages.origin('ghost.tenant.example.test'),
  };
}
export type Sites = ReturnType<typeof sitesOf>;

/** The token the global guard accepts. */
export const TOKEN = 'Bearer t0k3n';

const REQUIRES_AUTH = 'browser-test:requires-auth';
/** Routes the global guard protects. */
const RequiresAuth = () => SetMetadata(REQUIRES_AUTH, true);

/**
 * The API most cases call: a global policy for `sites.app`, a named policy with
 * a wildcard-subdomain pattern, a global guard (APP_GUARD), and one controller
 * per feature. Every handler and the guard record themselves in `log`.
 */
export function corsApi(sites: Sites, log: ServerLog): ModuleMetadata {
  const seen = (step: string, headers?: IncomingHttpHeaders) => log.record(step, headers);
  const tenantHosts = new Set([new URL(sites.tenant).hostname]);

  @Injectable()
  class AuthGuard implements CanActivate {
    constructor(private readonly reflector: Reflector) {}

    canActivate(context: ExecutionContext): boolean {
      const targets = [context.getHandler(), context.getClass()];
      if (!this.reflector.getAllAndOverride<boolean>(REQUIRES_AUTH, targets)) return true;
      seen('guard');
      const { headers } = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
      if (headers.authorization !== TOKEN) throw new UnauthorizedException();
      return true;
    }
  }

  /** No @Cors(): the global policy. */
  @Controller('items')
  class ItemsController {
    @Get()
    list() {
      seen('items.list');
      return ['teapot'];
    }

    @Get('archive')
    @Cors(false)
    archive() {
      seen('items.archive');
      return ['old teapot'];
    }
  }

  /** A controller policy and two per-route overrides of it. */
  @Controller('catalog')
  @Cors({ origin: [sites.app, sites.admin] })
  class CatalogController {
    @Get()
    list() {
      seen('catalog.list');
      return ['teapot'];
    }

    @Get('public')
    @Cors({ origin: '*' })
    publicList() {
      seen('catalog.public');
      return ['teapot'];
    }

    @Get('drafts')
    @Cors({ origin: [sites.admin] })
    drafts() {
      seen('catalog.drafts');
      return ['new teapot'];
    }
  }

  /** Non-simple requests: listed methods and headers. */
  @Controller('documents')
  @Cors({ methods: ['GET', 'PUT'], allowedHeaders: ['Content-Type', 'X-Request-Id'] })
  class DocumentsController {
    @Put(':id')
    update(
      @Param('id') id: string,
      @Body() body: { title: string },
      @Headers() headers: IncomingHttpHeaders,
    ) {
      seen('documents.update', headers);
      return { id, title: body.title };
    }

    @Delete(':id')
    remove(@Param('id') id: string) {
      seen('documents.remove');
      return { deleted: id };
    }
  }

  /** Cookies: the controller allows credentials, one route does not. */
  @Controller('session')
  @Cors({ credentials: true })
  class SessionController {
    @Get('me')
    me(@Headers() headers: IncomingHttpHeaders) {
      seen('session.me', headers);
      return { user: 'ada' };
    }

    @Put('me')
    update(@Headers() headers: IncomingHttpHeaders) {
      seen('session.update', headers);
      return { user: 'ada', updated: true };
    }

    @Get('peek')
    @Cors({ credentials: false })
    peek(@Headers() headers: IncomingHttpHeaders) {
      seen('session.peek', headers);
      return { user: 'ada' };
    }
  }

  @Controller('reports')
  @Cors({ exposedHeaders: ['X-Total-Count'] })
  class ReportsController {
    @Get()
    @Header('X-Total-Count', '42')
    @Header('X-Internal-Trace', 't-1')
    list() {
      seen('reports.list');
      return [];
    }
  }

  /** allowedHeaders '*' must also cover Authorization, which a literal '*' never does. */
  @Controller('tokens')
  @Cors({ allowedHeaders: '*' })
  class TokensController {
    @Get('introspect')
    introspect(@Headers() headers: IncomingHttpHeaders) {
      seen('tokens.introspect', headers);
      return { active: true };
    }

    @Get('session')
    @Cors({ credentials: true })
    session(@Headers() headers: IncomingHttpHeaders) {
      seen('tokens.session', headers);
      return { active: true };
    }
  }

  /** The preflight cache. */
  @Controller('cache')
  class CacheController {
    @Put('long')
    @Cors({ maxAge: 600 })
    long() {
      seen('cache.long');
      return { cached: true };
    }

    @Put('none')
    @Cors({ maxAge: 0 })
    none() {
      seen('cache.none');
      return { cached: false };
    }
  }

  /** Protected by the global guard. */
  @Controller('secure')
  @RequiresAuth()
  class SecureController {
    @Get('profile')
    profile() {
      seen('secure.profile');
      return { user: 'ada' };
    }

    @Put('profile')
    update() {
      seen('secure.update');
      return { user: 'ada', updated: true };
    }
  }

  /** The named policy: a wildcard-subdomain pattern and an exposed header. */
  @Controller('partners')
  @Cors('partners')
  class PartnersController {
    @Get('feed')
    @Header('X-Partner-Quota', '100')
    feed() {
      seen('partners.feed');
      return { items: ['spring catalogue'] };
    }

    @Put('orders')
    order() {
      seen('partners.order');
      return { ordered: true };
    }
  }

  /** A dynamic origin: an async lookup, as in a tenants table. */
  @Controller('tenants')
  @Cors({ origin: async (origin: string) => tenantHosts.has(new URL(origin).hostname) })
  class TenantsController {
    @Get('me')
    me() {
      seen('tenants.me');
      return { tenant: 'shop' };
    }

    @Put('me')
    update() {
      seen('tenants.update');
      return { tenant: 'shop', updated: true };
    }
  }

  return {
    imports: [
      CorsModule.forRoot({
        origin: [sites.app, sites.loopback],
        policies: {
          partners: {
            origin: ['http://*.partner.example.test:*'],
            exposedHeaders: ['X-Partner-Quota'],
          },
        },
      }),
    ],
    controllers: [
      ItemsController,
      CatalogController,
      DocumentsController,
      SessionController,
      ReportsController,
      TokensController,
      CacheController,
      SecureController,
      PartnersController,
      TenantsController,
    ],
    providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
  };
}

/** Opt-in mode: `forRoot({ origin: false })`, so only routes with an origin of their own answer. */
export function optInApi(sites: Sites, log: ServerLog): ModuleMetadata {
  @Controller('things')
  class ThingsController {
    @Get()
    list() {
      log.record('things.list');
      return ['thing'];
    }

    @Put()
    replace() {
      log.record('things.replace');
      return ['thing'];
    }

    @Get('shared')
    @Cors({ origin: [sites.app] })
    shared() {
      log.record('things.shared');
      return ['shared thing'];
    }
  }

  return {
    imports: [CorsModule.forRoot({ origin: false })],
    controllers: [ThingsController],
  };
}
