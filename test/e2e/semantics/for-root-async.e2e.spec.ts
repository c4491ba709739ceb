import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  Cors,
  CorsConfigurationError,
  CorsModule,
  type CorsModuleOptions,
  type CorsOptionsFactory,
} from '../../../lib/index.js';
import { preflight } from '../../support/cors-http.js';
import { ADAPTERS, createApp } from '../../support/create-app.js';

const CONFIGURED = 'https://config.example.com';
const SECOND = 'https://second.example.com';
const PARTNER = 'https://acme.partner.example';
const DEFAULT_GLOBAL = 'https://app.example.com';

/** A stand-in for @nestjs/config: values keyed by name. */
@Injectable()
class ConfigService {
  private readonly values: Record<string, string> = {
    CORS_ORIGINS: `${CONFIGURED},${SECOND}`,
    PARTNER_ORIGINS: 'https://*.partner.example',
  };

  get(key: string): string {
    return this.values[key];
  }
}

@Module({ providers: [ConfigService], exports: [ConfigService] })
class ConfigModule {}

function optionsFrom(config: ConfigService): CorsModuleOptions {
  return {
    origin: config.get('CORS_ORIGINS').split(','),
    policies: { partners: { origin: [config.get('PARTNER_ORIGINS')], maxAge: 120 } },
  };
}

@Injectable()
class CorsConfig implements CorsOptionsFactory {
  constructor(private readonly config: ConfigService) {}

  createCorsOptions(): CorsModuleOptions {
    return optionsFrom(this.config);
  }
}

@Module({ imports: [ConfigModule], providers: [CorsConfig], exports: [CorsConfig] })
class CorsConfigModule {}

@Controller('async')
class AsyncController {
  @Get()
  list() {
    return 'list';
  }

  @Get('cached')
  @Cors({ maxAge: 30 })
  cached() {
    return 'cached';
  }

  @Get('partners')
  @Cors('partners')
  partners() {
    return 'partners';
  }
}

const VARIANTS = [
  {
    name: 'useFactory with inject',
    module: () =>
      CorsModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: async (config: ConfigService) => optionsFrom(config),
      }),
  },
  {
    name: 'useClass',
    module: () => CorsModule.forRootAsync({ imports: [ConfigModule], useClass: CorsConfig }),
  },
  {
    name: 'useExisting',
    module: () => CorsModule.forRootAsync({ imports: [CorsConfigModule], useExisting: CorsConfig }),
  },
];

describe.each(ADAPTERS)('CorsModule.forRootAsync on %s', (adapter) => {
  describe.each(VARIANTS)('$name', ({ module }) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(adapter, { imports: [module()], controllers: [AsyncController] });
    });
    afterAll(() => app.close());

    it('applies the global policy from the resolved options', async () => {
      for (const origin of [CONFIGURED, SECOND]) {
        const res = await request(app.getHttpServer()).get('/async').set('Origin', origin);
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
      }
      const other = await request(app.getHttpServer()).get('/async').set('Origin', DEFAULT_GLOBAL);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('combines a decorator with the resolved global policy', async () => {
      const res = await preflight(app, '/async/cached', { origin: CONFIGURED, method: 'GET' });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(CONFIGURED);
      expect(res.headers['access-control-max-age']).toBe('30');
    });

    it('resolves a named policy from the resolved options', async () => {
      const res = await preflight(app, '/async/partners', { origin: PARTNER, method: 'GET' });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(PARTNER);
      expect(res.headers['access-control-max-age']).toBe('120');

      const global = await preflight(app, '/async/partners', { origin: CONFIGURED, method: 'GET' });
      expect(global.status).toBe(403);
    });
  });
});

describe.each(ADAPTERS)(
  'CorsModule.forRootAsync with a factory that returns nothing, on %s',
  (adapter) => {
    it('fails app.init() naming forRootAsync and the fix', async () => {
      const forgotten = CorsModule.forRootAsync({
        useFactory: () => undefined as unknown as CorsModuleOptions,
      });
      const init = createApp(adapter, { imports: [forgotten], controllers: [AsyncController] });
      await expect(init).rejects.toThrow(CorsConfigurationError);
      await expect(init).rejects.toThrow(
        /CorsModule\.forRootAsync: the options factory returned undefined, not an options object; return the options object/,
      );
    });
  },
);

/** The error app.init() fails with for these module options. */
async function bootstrapError(
  adapter: (typeof ADAPTERS)[number],
  module: ReturnType<typeof CorsModule.forRoot>,
): Promise<CorsConfigurationError> {
  const error = await createApp(adapter, {
    imports: [module],
    controllers: [AsyncController],
  }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CorsConfigurationError);
  return error as CorsConfigurationError;
}

const asOptions = (value: unknown) => value as CorsModuleOptions;

describe.each(ADAPTERS)('module options that are no options object, on %s', (adapter) => {
  // An empty list of origins from configuration would otherwise boot with the defaults: any origin.
  it.each([
    [
      'an empty list',
      [],
      /returned \[\], not an options object; to list origins, give them as the origin option: \{ origin: \[\.\.\.\] \}/,
    ],
    [
      'a list of origins',
      [CONFIGURED],
      /returned \[ 'https:\/\/config\.example\.com' \], not an options object; to list origins/,
    ],
    ['null', null, /returned null, not an options object; return the options object/],
  ])(
    'fails app.init() when the forRootAsync() factory returns %s',
    async (_label, value, message) => {
      const error = await bootstrapError(
        adapter,
        CorsModule.forRootAsync({ useFactory: () => asOptions(value) }),
      );
      expect(error.problem).toBe('invalid-module-options');
      expect(error.message).toMatch(/^CorsModule\.forRootAsync: the options factory returned /);
      expect(error.message).toMatch(message);
    },
  );

  it('names forRoot() when it is given no options object', async () => {
    const error = await bootstrapError(adapter, CorsModule.forRoot(asOptions(null)));
    expect(error.message).toBe(
      'CorsModule.forRoot: the options are null, not an options object; pass the options object ({} for the defaults)',
    );
  });

  it.each([
    ['policies', { policies: null }],
    ['policies', { policies: [{ origin: [CONFIGURED] }] }],
    ['policies.partners', { policies: { partners: null } }],
  ])('fails app.init() naming %s when it holds no policy options', async (option, options) => {
    const error = await bootstrapError(adapter, CorsModule.forRoot(asOptions(options)));
    expect(error.option).toBe(option);
    expect(error.message).toContain(
      `CorsModule.forRoot(): invalid CORS option "${option}": expected`,
    );
  });
});
