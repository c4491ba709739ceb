import { Injectable } from '@nestjs/common';
import { HttpAdapterHost, type AbstractHttpAdapter } from '@nestjs/core';
import { hostnameOf } from '../policy-table/host-matcher.js';
import { CorsPolicyTableHost } from '../policy-table/cors-policy-table.host.js';
import { corsLogger } from '../cors.logger.js';
import type { ActualDecision } from '../engine/index.js';
import { applyActualDecision } from './actual-request.js';
import { resolveActual, type Resolved } from './resolve-request.js';
import { responseAccessFor, type HttpRequest, type ResponseAccess } from './http-access.js';
import { handlePreflight } from './preflight.handler.js';

type RequestHook = (
  request: HttpRequest,
  response: unknown,
  done: (error?: unknown) => void,
) => unknown;

/**
 * The early hook: runs before any middleware, guard or interceptor, on both
 * adapters (`setOnRequestHook`: the first `app.use()` on express, the first
 * `onRequest` hook on fastify). It answers preflights, so guards never see them,
 * and sets the actual-request headers, so a guard's 401, a pipe's 400, a
 * handler's 500 and a 404 all carry them.
 */
@Injectable()
export class CorsRequestHook {
  private access: ResponseAccess = responseAccessFor(undefined);

  constructor(
    adapterHost: HttpAdapterHost,
    private readonly tables: CorsPolicyTableHost,
  ) {
    // Fires once the application has its adapter (at once with NestFactory.create,
    // at createNestApplication() in tests), before any request.
    adapterHost.init$.subscribe(() => this.install(adapterHost.httpAdapter));
  }

  private install(adapter: AbstractHttpAdapter | undefined): void {
    if (adapter === undefined) return;
    this.access = responseAccessFor(adapter);
    // Keep a hook someone else set: run it after ours.
    const previous = (adapter as unknown as { onRequestHook?: RequestHook }).onRequestHook;
    const hook: RequestHook = (request, response, done) => {
      const next = previous ? () => previous.call(adapter, request, response, done) : done;
      try {
        return this.settle(this.handle(request, response, next), next);
      } catch (error) {
        return this.fail(error, next);
      }
    };
    adapter.setOnRequestHook(hook as Parameters<AbstractHttpAdapter['setOnRequestHook']>[0]);
    const enableCors = adapter.enableCors;
    adapter.enableCors = function (
      this: AbstractHttpAdapter,
      ...args: Parameters<AbstractHttpAdapter['enableCors']>
    ) {
      corsLogger.warn(
        'app.enableCors() (or the `cors` option of NestFactory.create) is active next to CorsModule: it answers ' +
          'preflights with its own global policy before CorsModule can, and may send a second ' +
          'Access-Control-Allow-Origin. Remove it; CorsModule.forRoot() takes the same options.',
      );
      return enableCors.apply(this, args);
    };
  }

  private handle(request: HttpRequest, response: unknown, done: () => void): void | Promise<void> {
    const table = this.tables.table;
    const { headers } = request;
    const origin = headers.origin;
    // No Origin, no CORS: the interceptor adds Vary where the answer depends on it.
    if (table === undefined || origin === undefined) return done();
    const hostname = hostnameOf(headers.host);
    if (request.method === 'OPTIONS' && headers['access-control-request-method'] !== undefined) {
      return handlePreflight(table, this.access, request, response, hostname, done);
    }

    const target = { method: request.method, url: request.originalUrl ?? request.url, hostname };
    const apply = ([route, decision]: Resolved<ActualDecision>) => {
      applyActualDecision(table.debug, this.access, route, decision, request, response);
      done();
    };
    const resolved = resolveActual(table, target, origin, request);
    return resolved instanceof Promise ? resolved.then(apply) : apply(resolved);
  }

  /** A hook failure must never become a 5xx or an unhandled rejection: log it and let the app answer. */
  private settle(result: void | Promise<void>, done: () => void): void {
    if (result instanceof Promise) result.catch((error: unknown) => this.fail(error, done));
  }

  private fail(error: unknown, done: () => void): void {
    corsLogger.error(
      `CORS request hook failed: ${error instanceof Error ? error.stack : String(error)}`,
    );
    done();
  }
}
