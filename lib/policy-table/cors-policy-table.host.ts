import { Inject, Injectable, type Type } from '@nestjs/common';
import {
  DiscoveryService,
  HttpAdapterHost,
  MetadataScanner,
  type AbstractHttpAdapter,
} from '@nestjs/core';
import { CORS_MODULE_OPTIONS } from '../cors.constants.js';
import type { CorsModuleOptions } from '../interfaces/cors-module-options.interface.js';
import { corsLogger } from '../cors.logger.js';
import { checkCorsPlacement } from './cors-placement.js';
import { eachHttpAdapter } from './each-http-adapter.js';
import { buildPolicyTable } from './policy-table.builder.js';
import type { CorsPolicyTable, RouteEntry } from './policy-table.js';
import type { PathMatching } from './route-index.js';
import { RouteRecorder, type ServedRouteListener } from './route-recorder.js';

/**
 * Holds the application's policy table: records the routes while Nest
 * registers them, then compiles every policy once, before the first request.
 * A configuration error makes `app.init()` fail with the route named.
 */
@Injectable()
export class CorsPolicyTableHost {
  private tableValue?: CorsPolicyTable;
  private readonly recorder: RouteRecorder<RouteEntry>;
  /**
   * Applies the policy of the handler that serves a request; set by the
   * request path. Until then the request goes on unchanged.
   */
  servedRouteListener?: ServedRouteListener<RouteEntry>;
  private adapter?: AbstractHttpAdapter;

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {
    this.recorder = new RouteRecorder<RouteEntry>(
      discovery,
      scanner,
      (route, handler, self, args, decidedForIt) =>
        this.servedRouteListener
          ? this.servedRouteListener(route, handler, self, args, decidedForIt)
          : handler.apply(self, args),
      () => this.build(),
    );
    eachHttpAdapter(adapterHost, (adapter) => {
      this.adapter = adapter;
      this.recorder.start(adapter);
    });
  }

  /** Undefined until the routes are registered (no request arrives before). */
  get table(): CorsPolicyTable | undefined {
    return this.tableValue;
  }

  /**
   * Builds the table once Nest has registered every route of the application
   * (see `RouteRecorder`), in `app.init()`. Not in `onModuleInit`: a hybrid
   * app's microservices may run the init hooks again, before or after.
   */
  private build(): void {
    const routes = this.recorder.stop();
    if (this.adapter === undefined) return;
    const controllers = classesOf(this.discovery.getControllers());
    checkCorsPlacement({
      controllers,
      providers: classesOf(this.discovery.getProviders()),
      scanner: this.scanner,
    });
    const { policies = {}, debug = false, ...global } = this.options;
    this.tableValue = buildPolicyTable({
      global,
      policies,
      debug,
      controllers,
      routes,
      matching: pathMatchingOf(this.adapter),
      middlewareMayReroute: this.adapter.getType() === 'express',
      warn: (location, warning) =>
        corsLogger.warn(`${location}: CORS option "${warning.option}": ${warning.message}`),
    });
  }
}

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** The classes behind instance wrappers: not a value's, nor a factory's (which has `inject`). */
function classesOf(wrappers: readonly InstanceWrapper[]): Set<Type> {
  const classes = new Set<Type>();
  for (const { metatype, inject } of wrappers)
    if (typeof metatype === 'function' && metatype.prototype !== undefined && inject == null)
      classes.add(metatype as Type);
  return classes;
}

/** Reads how the adapter matches paths, so the table finds the route the adapter will. */
function pathMatchingOf(adapter: AbstractHttpAdapter): PathMatching {
  if (adapter.getType() === 'fastify') {
    const fastify = adapter.getInstance() as {
      initialConfig?: Record<string, unknown>;
      supportedMethods?: string[];
    };
    const config = fastify.initialConfig ?? {};
    const router = { ...config, ...(config.routerOptions as Record<string, unknown> | undefined) };
    return {
      syntax: 'fastify',
      caseSensitive: router.caseSensitive !== false,
      ignoreTrailingSlash: router.ignoreTrailingSlash === true,
      ignoreDuplicateSlashes: router.ignoreDuplicateSlashes === true,
      maxParamLength: typeof router.maxParamLength === 'number' ? router.maxParamLength : 100,
      semicolonEndsPath: router.useSemicolonDelimiter === true,
      emptyParameterNotFound:
        typeof (adapter as { requireNonEmptyParams?: unknown }).requireNonEmptyParams ===
        'function',
      allMethods: fastify.supportedMethods,
      exposesHeadRoutes: config.exposeHeadRoutes !== false,
    };
  }
  // Express fixes these when it creates its router, in the adapter's constructor:
  // the router's own flags, not the app settings, say how it matches.
  const router = (
    adapter.getInstance() as { router?: { caseSensitive?: boolean; strict?: boolean } }
  ).router;
  return {
    syntax: 'express',
    caseSensitive: router?.caseSensitive === true,
    ignoreTrailingSlash: router?.strict !== true,
    ignoreDuplicateSlashes: false,
    // Express's router puts no limit on a parameter's length.
    maxParamLength: Number.POSITIVE_INFINITY,
  };
}
