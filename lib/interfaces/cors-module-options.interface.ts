import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Type,
} from '@nestjs/common';
import type { CorsPolicyOptions } from '../engine/index.js';

/**
 * Options of `CorsModule.forRoot()`: the global policy, which every route without
 * its own `@Cors()` uses, plus named policies that `@Cors('name')` refers to.
 *
 * @example
 * CorsModule.forRoot({
 *   origin: ['https://app.example.com'],
 *   credentials: true,
 *   policies: { partners: { origin: ['https://*.partner.example'], credentials: false } },
 * })
 */
export interface CorsModuleOptions extends CorsPolicyOptions {
  /** Named policies, each combined over the global policy field by field. */
  policies?: Record<string, CorsPolicyOptions>;
  /**
   * Logs the route/policy table at startup and every refusal with its reason at
   * `log` level (otherwise refusals go to `debug`). Off by default.
   */
  debug?: boolean;
}

/** What `@Cors({...})` takes: overrides for this controller or route, optionally over a named policy. */
export interface CorsDecoratorOptions extends CorsPolicyOptions {
  /** A policy from `forRoot({ policies })`, applied before this decorator's own fields. */
  policy?: string;
}

/** A class that builds the module options, for `forRootAsync({ useClass })`. */
export interface CorsOptionsFactory {
  /** Returns the module options, or a promise of them. */
  createCorsOptions(): CorsModuleOptions | Promise<CorsModuleOptions>;
}

/** Options of `CorsModule.forRootAsync()`, for options that come from configuration. */
export interface CorsModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers passed to `useFactory`, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** Builds the options from the injected providers. */
  useFactory?: (...args: never[]) => CorsModuleOptions | Promise<CorsModuleOptions>;
  /** A class the module instantiates to build the options. */
  useClass?: Type<CorsOptionsFactory>;
  /** An existing provider that builds the options. */
  useExisting?: Type<CorsOptionsFactory>;
}
