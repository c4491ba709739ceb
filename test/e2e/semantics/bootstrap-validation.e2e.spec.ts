import { afterEach, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  Options,
  Post,
  type INestApplication,
  type ModuleMetadata,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import request from 'supertest';
import { Cors, CorsConfigurationError, CorsModule } from '../../../lib/index.js';
import { headerLines } from '../../support/cors-http.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';

const APP = 'https://app.example.com';

@Controller('wildcard')
class WildcardController {
  @Get('open')
  @Cors({ origin: '*', credentials: true })
  open() {
    return 'open';
  }
}

@Controller('cache')
class CacheController {
  @Post('negative')
  @Cors({ maxAge: -1 })
  negative() {
    return 'negative';
  }
}

@Controller('named')
class NamedController {
  @Get()
  @Cors('partnres')
  list() {
    return 'named';
  }
}

@Controller('opt-in')
class OptInController {
  @Get()
  @Cors({ maxAge: 60 })
  list() {
    return 'opt-in';
  }
}

@Controller('plain')
class PlainController {
  @Get()
  list() {
    return 'plain';
  }
}

@Controller('own-options')
class OwnOptionsController {
  @Options()
  answer() {
    return 'options';
  }
}

@Controller('previews')
class PreviewsController {
  @Get()
  @Cors({ origin: ['https://app.example.com', 'https://*.vercel.app'] })
  list() {
    return 'previews';
  }
}

// @Cors where Nest serves no HTTP request: each looks like a policy in force.
@Injectable()
@Cors({ origin: [APP] })
class ReportsService {}

@Injectable()
class InvoicesService {
  @Cors({ origin: [APP] })
  render() {
    return 'invoice';
  }
}

@Controller('helpers')
class HelperController {
  @Get()
  list() {
    return this.format();
  }

  @Cors({ origin: [APP] })
  format() {
    return 'helpers';
  }
}

@Controller('routeless')
@Cors({ origin: [APP] })
class RoutelessController {}

// A route inherited from a class no module registers: its @Cors is the route's.
@Cors({ origin: [APP] })
class BaseListController {
  @Get()
  @Cors({ maxAge: 30 })
  list() {
    return 'inherited';
  }
}

@Controller('inherited')
class InheritedController extends BaseListController {}

@Controller('unanchored')
class UnanchoredController {
  @Get()
  @Cors({ origin: /app\.example\.com/ })
  list() {
    return 'unanchored';
  }
}

// Controllers with policies of their own, over the global one and over a named one.
@Controller('inheriting')
@Cors({ maxAge: 60 })
class InheritingController {
  @Get()
  list() {
    return 'inheriting';
  }

  @Get('open')
  @Cors({ credentials: false })
  open() {
    return 'open';
  }
}

@Controller('inheriting-partner')
class InheritingPartnerController {
  @Get()
  @Cors('partners')
  list() {
    return 'partner';
  }

  @Get('cached')
  @Cors({ policy: 'partners', maxAge: 5 })
  cached() {
    return 'cached';
  }
}

/** The error `app.init()` rejects with; fails the test when init succeeds. */
async function initError(adapter: AdapterName, metadata: ModuleMetadata): Promise<Error> {
  let app: INestApplication | undefined;
  try {
    app = await createApp(adapter, metadata);
  } catch (error) {
    return error as Error;
  }
  await app.close();
  throw new Error('app.init() succeeded, expected a CorsConfigurationError');
}

function appWith(
  controllers: Type | Type[],
  options: Parameters<typeof CorsModule.forRoot>[0] = {},
) {
  return { imports: [CorsModule.forRoot(options)], controllers: [controllers].flat() };
}

describe.each(ADAPTERS)('bootstrap validation on %s', (adapter) => {
  it("rejects '*' with credentials on a route, naming the route", async () => {
    const error = await initError(adapter, appWith(WildcardController));
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problem).toBe('credentials-with-any-origin');
    expect(error.message).toContain('WildcardController.open');
    expect(error.message).toContain('GET /wildcard/open');
    expect(error.message).toContain("'*' cannot be combined with credentials");
    expect(error.message).toContain('or set credentials: false where this policy is given');
  });

  it('rejects a negative maxAge, naming the route and the value', async () => {
    const error = await initError(adapter, appWith(CacheController));
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problem).toBe('invalid-max-age');
    expect(error.message).toContain('CacheController.negative');
    expect(error.message).toContain('POST /cache/negative');
    expect(error.message).toContain('"maxAge"');
    expect(error.message).toContain('-1 is not a whole number of seconds');
  });

  it('rejects a wildcard under a public suffix on a route, naming the route and the fix', async () => {
    const error = await initError(adapter, appWith(PreviewsController));
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problem).toBe('invalid-origin-pattern');
    expect(error.message).toContain('PreviewsController.list');
    expect(error.message).toContain('GET /previews');
    expect(error.message).toContain('"https://*.vercel.app"');
    expect(error.message).toContain('anyone can register a site under "vercel.app"');
    expect(error.message).toContain('"*.your-app.vercel.app"');
  });

  it.each<[what: string, metadata: ModuleMetadata, location: string, reason: string]>([
    [
      'on a provider class',
      { providers: [ReportsService], controllers: [PlainController] },
      'ReportsService',
      'ReportsService is not a controller',
    ],
    [
      'on a provider method',
      { providers: [InvoicesService], controllers: [PlainController] },
      'InvoicesService.render',
      'InvoicesService is not a controller',
    ],
    [
      'on a controller method that is no route',
      { controllers: [HelperController] },
      'HelperController.format',
      'HelperController.format is not an HTTP route handler',
    ],
    [
      'on a controller without routes',
      { controllers: [RoutelessController, PlainController] },
      'RoutelessController',
      'RoutelessController has no HTTP routes',
    ],
  ])(
    'rejects @Cors %s, where no request would get its policy',
    async (_, metadata, location, reason) => {
      const error = await initError(adapter, {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        ...metadata,
      });
      expect(error).toBeInstanceOf(CorsConfigurationError);
      expect((error as CorsConfigurationError).problem).toBe('misplaced-decorator');
      expect(error.message).toBe(
        `${location}: @Cors: ${reason}, so no request ever gets this policy; put @Cors() on a ` +
          'controller or on one of its route handlers (@Get(), @Post(), ...). Routes registered ' +
          'on the adapter directly, such as GraphQL’s, get the global policy; a WebSocket gateway ' +
          'takes its CORS options in @WebSocketGateway({ cors })',
      );
    },
  );

  it('takes @Cors on a route a controller inherits from an unregistered class', async () => {
    const app = await createApp(adapter, appWith(InheritedController, { origin: false }));
    const res = await request(app.getHttpServer())
      .options('/inherited')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'GET');
    await app.close();
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-max-age']).toBe('30');
  });

  it('rejects an unknown policy name and lists the known ones', async () => {
    const error = await initError(
      adapter,
      appWith(NamedController, {
        policies: { partners: { origin: ['https://*.partner.example'] }, internal: {} },
      }),
    );
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problem).toBe('unknown-policy');
    expect(error.message).toContain('NamedController.list');
    expect(error.message).toContain('GET /named');
    expect(error.message).toContain('"partnres"');
    expect(error.message).toContain('"partners", "internal"');
  });

  it('rejects @Cors() in opt-in mode when nothing supplies an origin', async () => {
    const error = await initError(adapter, appWith(OptInController, { origin: false }));
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problem).toBe('no-origin');
    expect(error.message).toContain('OptInController.list');
    expect(error.message).toContain('GET /opt-in');
    expect(error.message).toContain('nothing supplies an origin');
  });

  it('rejects an invalid global option, naming forRoot', async () => {
    const error = await initError(adapter, appWith(PlainController, { origin: `${APP}/` }));
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).option).toBe('origin');
    expect(error.message).toContain('CorsModule.forRoot()');
    expect(error.message).toContain(`${APP}/`);
  });

  it('rejects CorsModule imported a second time', async () => {
    @Module({ imports: [CorsModule.forRoot({ origin: ['https://other.example.com'] })] })
    class FeatureModule {}
    const error = await initError(adapter, {
      imports: [CorsModule.forRoot({ origin: [APP] }), FeatureModule],
      controllers: [PlainController],
    });
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problem).toBe('imported-twice');
    expect(error.message).toMatch(/^CorsModule\.forRoot: CorsModule is imported more than once/);
    expect(error.message).not.toContain('invalid CORS option');
    expect(error.message).toContain('once, in the root module');
  });

  it('takes one CorsModule.forRoot() imported in two places as one module', async () => {
    const corsModule = CorsModule.forRoot({ origin: [APP] });
    @Module({ imports: [corsModule] })
    class FeatureModule {}
    const app = await createApp(adapter, {
      imports: [corsModule, FeatureModule],
      controllers: [PlainController],
    });
    const res = await request(app.getHttpServer()).get('/plain').set('Origin', APP);
    await app.close();
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });

  it('rejects an invalid named policy, naming it', async () => {
    const error = await initError(
      adapter,
      appWith(PlainController, { policies: { partners: { maxAge: 1.5 } } }),
    );
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect((error as CorsConfigurationError).problem).toBe('invalid-max-age');
    expect(error.message).toContain('CorsModule.forRoot({ policies: { "partners" } })');
  });

  describe('engine warnings', () => {
    const logs = new LogCapture();
    let app: INestApplication | undefined;
    afterEach(async () => {
      await app?.close();
      logs.detach();
      logs.clear();
    });

    it('logs an unanchored RegExp origin once at startup, naming the route', async () => {
      app = await createApp(adapter, appWith(UnanchoredController), {
        configure: (nestApp) => logs.attach(nestApp),
      });
      const startup = logs.messages('warn');
      expect(startup).toHaveLength(1);
      expect(startup[0]).toContain('UnanchoredController.list (GET /unanchored)');
      expect(startup[0]).toContain('"origin"');
      expect(startup[0]).toContain('not anchored');

      // Still allowed (it is a warning), and requests do not log it again.
      for (let i = 0; i < 2; i++) {
        const res = await request(app.getHttpServer()).get('/unanchored').set('Origin', APP);
        expect(res.headers['access-control-allow-origin']).toBe(APP);
      }
      expect(logs.messages('warn')).toHaveLength(1);
    });

    it('logs preflightContinue in an app with no OPTIONS route, once, naming where it is set', async () => {
      app = await createApp(adapter, appWith(PlainController, { preflightContinue: true }), {
        configure: (nestApp) => logs.attach(nestApp),
      });
      const startup = logs.messages('warn');
      expect(startup).toHaveLength(1);
      expect(startup[0]).toContain('CorsModule.forRoot');
      expect(startup[0]).toContain('"preflightContinue"');
      expect(startup[0]).toContain('add an @Options() route');
    });

    // Every policy compiled over the global or a named one inherits its options.
    it.each([
      [
        'the global policy',
        { origin: /app\.example\.com/, policies: { partners: { maxAge: 30 } } },
        'CorsModule.forRoot() global policy',
      ],
      [
        'a named policy',
        { origin: [APP], policies: { partners: { origin: /partner\.example/ } } },
        'CorsModule.forRoot({ policies: { "partners" } })',
      ],
    ])(
      'logs a warning about %s once, where its option is set, not for each route that inherits it',
      async (_label, options, location) => {
        app = await createApp(
          adapter,
          appWith([InheritingController, InheritingPartnerController], options),
          { configure: (nestApp) => logs.attach(nestApp) },
        );
        const startup = logs.messages('warn');
        expect(startup).toHaveLength(1);
        expect(startup[0]).toContain(`${location}: CORS option "origin"`);
        expect(startup[0]).toContain('not anchored');
      },
    );

    it('says nothing of preflightContinue where the app has an OPTIONS route', async () => {
      app = await createApp(adapter, appWith(OwnOptionsController, { preflightContinue: true }), {
        configure: (nestApp) => logs.attach(nestApp),
      });
      expect(logs.messages('warn')).toEqual([]);
    });
  });
});

// fastify cannot serve again once closed; express's adapter can be handed to a new app.
describe('bootstrap validation on express', () => {
  it('takes an app made again on the adapter of a closed one for a new app, with its own policy', async () => {
    const OTHER = 'https://other.example.com';
    @Module({ imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [PlainController] })
    class FirstModule {}
    @Module({ imports: [CorsModule.forRoot({ origin: [OTHER] })], controllers: [PlainController] })
    class SecondModule {}
    const expressAdapter = new ExpressAdapter();
    const first = await NestFactory.create(FirstModule, expressAdapter, { logger: false });
    await first.init();
    await first.close();
    const second = await NestFactory.create(SecondModule, expressAdapter, { logger: false });
    await expect(second.init()).resolves.toBe(second);
    const allowed = await request(second.getHttpServer()).get('/plain').set('Origin', OTHER);
    const closedAppsOrigin = await request(second.getHttpServer()).get('/plain').set('Origin', APP);
    await second.close();
    expect(headerLines(allowed, 'Access-Control-Allow-Origin')).toEqual([OTHER]);
    expect(closedAppsOrigin.headers['access-control-allow-origin']).toBeUndefined();
  });
});
