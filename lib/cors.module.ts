import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { asyncOptionsProviders, optionsProvider } from './cors.providers.js';
import type {
  CorsModuleAsyncOptions,
  CorsModuleOptions,
} from './interfaces/cors-module-options.interface.js';
import { CorsPolicyTableHost } from './policy-table/cors-policy-table.host.js';
import { CorsRequestHook } from './request-path/cors-request.hook.js';
import { CorsInspector } from './diagnostics/cors-inspector.service.js';
import { keepNextTickShape } from './request-path/next-tick-shape.js';

const PROVIDERS: Provider[] = [CorsPolicyTableHost, CorsRequestHook, CorsInspector];

/**
 * Per-route CORS for the whole application. Import it once, in the root module.
 *
 * @example
 * @Module({ imports: [CorsModule.forRoot({ origin: ['https://app.example.com'] })] })
 * export class AppModule {}
 */
@Global()
@Module({})
export class CorsModule {
  /** Registers the module with the global policy and named policies. */
  static forRoot(options: CorsModuleOptions = {}): DynamicModule {
    keepNextTickShape();
    return {
      module: CorsModule,
      imports: [DiscoveryModule],
      exports: [CorsInspector],
      providers: [optionsProvider(options), ...PROVIDERS],
    };
  }

  /**
   * Registers the module with options resolved from other providers (a config
   * service). Named policies and decorators are resolved after the factory.
   *
   * @example
   * CorsModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ origin: config.get('CORS_ORIGINS').split(',') }),
   * })
   */
  static forRootAsync(options: CorsModuleAsyncOptions): DynamicModule {
    keepNextTickShape();
    return {
      module: CorsModule,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      exports: [CorsInspector],
      providers: [...asyncOptionsProviders(options), ...PROVIDERS],
    };
  }
}
