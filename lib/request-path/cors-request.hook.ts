import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { HttpAdapterHost, type AbstractHttpAdapter } from '@nestjs/core';
import { corsLogger, logFailure, logRefusal, refusalIsLogged } from '../cors.logger.js';
import { CorsConfigurationError, decideActual, type ActualDecision } from '../engine/index.js';
import { CorsPolicyTableHost } from '../policy-table/cors-policy-table.host.js';
import { eachHttpAdapter } from '../policy-table/each-http-adapter.js';
import type { CorsPolicyTable, RouteEntry, RoutePolicy } from '../policy-table/policy-table.js';
import type { Registration } from '../policy-table/route-recorder.js';
import { applyActualDecision, logActualRefusal, writeActualDecision } from './actual-request.js';
import { ACTUAL_HEADER_NAMES, hasOwnPin, pinOnResponse } from './header-pin.js';
import {
  expressFrontAccess,
  httpAccessFor,
  preflightMethodOf,
  reroutedByMiddleware,
  type HttpAccess,
  type HttpRequest,
} from './http-access.js';
import { handlePreflight } from './preflight.handler.js';
import {
  decideWithoutOrigin,
  resolveActual,
  type RequestTarget,
  type ResolvedActual,
} from './resolve-request.js';

/**
 * Where a request goes, as the hook reads it. Its hostname is the one Nest's
 * host filter matches (`getRequestHostname`: X-Forwarded-Host behind a trusted
 * proxy), read only if a host-bound route may serve the request, and once.
 */
class HookTarget implements RequestTarget {
  private hostname: string | undefined | null = null;

  constructor(
    readonly method: string,
    readonly url: string,
    private readonly request: unknown,
    private readonly adapter: AbstractHttpAdapter | undefined,
  ) {}

  get host(): string | undefined {
    if (this.hostname === null)
      this.hostname = this.adapter?.getRequestHostname(this.request) as string | undefined;
    return this.hostname;
  }
}

/** The decision whose headers are on a response, so that the handler that serves it can tell whether it was for its policy. */
interface DecisionInPlace {
  readonly route: RoutePolicy;
  readonly decision: ActualDecision;
  /** Whether its refusal, if any, is logged: a provisional one only once a handler that serves the request is reached. */
  readonly logged: boolean;
  /** Whether a handler handed the request on (`next()`) after putting its own decision in place and logging it. */
  readonly handedOn?: true;
}

/** The applications (one adapter host each) whose requests a CorsModule hooks. */
const hookedApplications = new WeakSet<HttpAdapterHost>();
/** The request hooks CorsModules installed, told apart from an app's own. */
const requestHooks = new WeakSet<RequestHook>();

type RequestHook = (
  request: unknown,
  response: unknown,
  done: (error?: unknown) => void,
) => unknown;

/** What an express app does with each request: `app.handle`, which the HTTP server's listener calls. */
type ExpressHandle = (
  this: unknown,
  request: unknown,
  response: unknown,
  callback?: unknown,
) => unknown;
interface ExpressApp {
  handle: ExpressHandle & { [UNFRONTED]?: ExpressHandle };
  readonly router?: { readonly stack?: readonly unknown[] };
}
/** The hook in front of one application's express app: see `frontExpress`. */
interface ExpressFront {
  readonly app: ExpressApp;
  readonly adapter: AbstractHttpAdapter;
  /** The app's own `handle`, which the front calls on. */
  readonly handle: ExpressHandle;
  /** False once an application closes. */
  active: boolean;
  /**
   * The responses of requests the front left to Nest's middleware, since
   * deciding them may need express's request (`readsAdapterRequestFor`).
   */
  readonly handedOn: WeakSet<object>;
}

/** Whether the front decides requests, rather than the hook in express's middleware. */
function answersInFront(front: ExpressFront): boolean {
  return (
    front.active && (front.adapter as { onResponseHook?: unknown }).onResponseHook === undefined
  );
}
/**
 * How many middleware and routes an express app's router holds; undefined for
 * an app that has no readable router (express 4's `app.router` throws).
 */
function routerLayers(app: ExpressApp): number | undefined {
  try {
    return app.router?.stack?.length;
  } catch {
    return undefined;
  }
}

/** The `handle` a front (see `frontExpress`) stands before. */
const UNFRONTED = Symbol('nestjs-cors:unfronted-handle');

/**
 * The early hook: runs before any middleware, guard or interceptor, on both
 * adapters (`setOnRequestHook`: the first `app.use()` on express, the first
 * `onRequest` hook on fastify; on express, in front of express where it can:
 * see `frontExpress`). It answers preflights, so guards never see them,
 * and sets the actual-request headers, so a guard's 401, a pipe's 400, a
 * handler's 500 and a 404 all carry them. Where another handler than the one
 * its path and method name may serve the request (versions sharing a path, a
 * version or host filter or a `@Next()` handler that hands it on), the handler
 * that serves it announces itself and `applyServedRoute` puts its own policy in
 * place, still before guards.
 */
@Injectable()
export class CorsRequestHook implements OnModuleInit, OnApplicationShutdown {
  /**
   * For requests whose serving handler may have another policy, by their Node
   * response. A WeakMap rather than response slots: nothing here sees the
   * response end, and a slot would keep it alive as long as its connection.
   */
  private readonly decisionsInPlace = new WeakMap<ServerResponse, DecisionInPlace>();
  private access: HttpAccess = httpAccessFor(undefined);
  private adapter: AbstractHttpAdapter | undefined;
  /** Where the hook stands in front of express apps (`frontExpress`). */
  private fronts: ExpressFront[] = [];
  /** Another import of CorsModule hooks this application's requests already. */
  private importedAgain = false;

  constructor(
    adapterHost: HttpAdapterHost,
    private readonly tables: CorsPolicyTableHost,
  ) {
    if (hookedApplications.has(adapterHost)) {
      this.importedAgain = true;
      return;
    }
    hookedApplications.add(adapterHost);
    tables.servedRouteListener = (entry, handler, self, args, decidedForIt) =>
      decidedForIt
        ? this.applyRerouted(entry, handler, self, args)
        : this.applyServedRoute(entry, handler, self, args);
    // Once the application has its adapter (at once with NestFactory.create, at
    // createNestApplication() in tests), before any request; again for each
    // application made later from the same container.
    eachHttpAdapter(adapterHost, (adapter) => this.install(adapter));
  }

  /**
   * Each import of CorsModule is a module of its own (Nest tells dynamic modules
   * apart by reference), hooking every request with its own policies: an actual
   * request would get the headers of whichever allows its origin.
   */
  onModuleInit(): void {
    if (this.importedAgain)
      throw new CorsConfigurationError(
        'imported-twice',
        'CorsModule.forRoot',
        'CorsModule is imported more than once, and each import would answer requests with its ' +
          'own policies. Import CorsModule.forRoot() (or forRootAsync()) once, in the root module ' +
          '(it is global), and give routes other policies with @Cors() or named policies',
      );
  }

  private install(adapter: AbstractHttpAdapter): void {
    this.adapter = adapter;
    this.access = httpAccessFor(adapter);
    const front = adapter.getType() === 'express' ? this.frontExpress(adapter) : undefined;
    // Keep a hook someone else set: run it after ours. One of ours is a closed
    // application's (an express adapter handed to a new one): it goes.
    const set = (adapter as unknown as { onRequestHook?: RequestHook }).onRequestHook;
    const previous = set !== undefined && !requestHooks.has(set) ? set : undefined;
    const hook: RequestHook = (request, response, done) => {
      const next = previous ? () => previous.call(adapter, request, response, done) : done;
      try {
        return this.settle(this.handle(front, request, response, next), next);
      } catch (error) {
        return this.fail(error, next);
      }
    };
    requestHooks.add(hook);
    adapter.setOnRequestHook(hook as Parameters<AbstractHttpAdapter['setOnRequestHook']>[0]);
    const enableCors = adapter.enableCors;
    adapter.enableCors = function (
      this: AbstractHttpAdapter,
      ...args: Parameters<AbstractHttpAdapter['enableCors']>
    ) {
      corsLogger.warn(
        'app.enableCors() (or the `cors` option of NestFactory.create) is active next to CorsModule: ' +
          'it runs a second CORS layer with one global policy, whose headers CorsModule replaces ' +
          "with each route's own. Remove it; CorsModule.forRoot() takes the same options.",
      );
      return enableCors.apply(this, args);
    };
  }

  /**
   * On express, the hook stands in front of the app (`app.handle`), where a
   * request and its response are still Node's own: express gives each of them
   * the app's prototypes, and every property read on them afterwards takes
   * V8's slow path (callgrind: the same decision cost 15,000 instructions more
   * per request behind express's first middleware). Not where the express app
   * handed to Nest has middleware or routes of its own before Nest's
   * middleware: those run before the hook, as they did. Nest's middleware
   * decides instead where Nest's response hook, which it registers, is set,
   * and for each request whose deciding may need express's request (an origin
   * function, a host-bound route: `readsAdapterRequestFor`); the other routes
   * of the app are still decided in front.
   */
  private frontExpress(adapter: AbstractHttpAdapter): ExpressFront | undefined {
    const app = adapter.getInstance() as ExpressApp | undefined;
    if (typeof app?.handle !== 'function' || routerLayers(app) !== 1) return undefined;
    // A front left by a closed application on a handed-in express app goes.
    const handle = app.handle[UNFRONTED] ?? app.handle;
    const front: ExpressFront = { app, adapter, handle, active: true, handedOn: new WeakSet() };
    this.fronts.push(front);
    const fronted: ExpressHandle = (request, response, callback) => {
      const done = () => void handle.call(app, request, response, callback);
      let table: CorsPolicyTable | undefined;
      try {
        table = this.tables.table;
      } catch {
        // Express's middleware, where the hook meets the same failure, logs it.
        return done();
      }
      if (table === undefined || !answersInFront(front)) return done();
      try {
        const node = request as HttpRequest;
        // A preflight's route is found by the method it names, as deciding finds it.
        if (
          table.readsAdapterRequest &&
          table.readsAdapterRequestFor(preflightMethodOf(node) ?? node.method, node.url)
        ) {
          front.handedOn.add(response as object);
          return done();
        }
        this.settle(this.decide(table, expressFrontAccess, request, response, done), done);
      } catch (error) {
        this.fail(error, done);
      }
    };
    app.handle = Object.assign(fronted, { [UNFRONTED]: handle });
    return front;
  }

  /**
   * An application closing takes down the fronts of this hook, which the
   * applications made from one container share: any still open decides in
   * express's middleware from then on, and a later application on the same
   * express app decides for itself.
   */
  onApplicationShutdown(): void {
    for (const front of this.fronts.splice(0)) {
      front.active = false;
      if (front.app.handle[UNFRONTED] === front.handle) front.app.handle = front.handle;
    }
  }

  private handle(
    front: ExpressFront | undefined,
    request: unknown,
    response: unknown,
    done: () => void,
  ): void | Promise<void> {
    const table = this.tables.table;
    if (table === undefined) return done();
    // Decided in front of express already, unless the front handed the request on.
    if (
      front !== undefined &&
      answersInFront(front) &&
      !(table.readsAdapterRequest && front.handedOn.has(response as object))
    )
      return done();
    return this.decide(table, this.access, request, response, done);
  }

  private decide(
    table: CorsPolicyTable,
    access: HttpAccess,
    request: unknown,
    response: unknown,
    done: () => void,
  ): void | Promise<void> {
    const incoming = access.nodeRequest(request);
    const { headers } = incoming;
    const origin = headers.origin;
    // The URL the router matches: not originalUrl, which is the URL before
    // fastify's rewriteUrl, or the full path of an express app mounted in another.
    const target = new HookTarget(incoming.method, incoming.url, request, this.adapter);
    if (origin === undefined) {
      writeActualDecision(access, decideWithoutOrigin(table, target), response);
      return done();
    }
    if (preflightMethodOf(incoming) !== undefined) {
      return handlePreflight(table, access, request, headers, response, target, done);
    }
    const resolved = resolveActual(table, target, origin, request);
    if (resolved instanceof Promise)
      return resolved.then((settled) =>
        this.applyResolved(table.debug, access, settled, response, done),
      );
    this.applyResolved(table.debug, access, resolved, response, done);
  }

  private applyResolved(
    debug: boolean,
    access: HttpAccess,
    { route, decision, provisional }: ResolvedActual,
    response: unknown,
    done: () => void,
  ): void {
    if (!provisional) applyActualDecision(debug, access, route, decision, response);
    else {
      // Remembered for the handler that serves the request, which announces itself later
      // and may answer otherwise: a refusal is logged only then, so that none is logged
      // for a request its handler allows.
      writeActualDecision(access, decision, response);
      const node = access.nodeResponse(response);
      this.decisionsInPlace.set(node, { route, decision, logged: false });
      if (decision.outcome === 'refused' && refusalIsLogged(debug, decision.refusal))
        node.once('close', () => this.logRefusalNoHandlerTookUp(debug, node));
    }
    done();
  }

  /**
   * A provisional refusal still unlogged once its response is done: no handler
   * that serves the request was reached (a middleware answered, or no version
   * matched), so the early answer was the answer. Not for a request a handler
   * logged and handed on, nor for an aborted one, which nothing answered and
   * whose handler may still run and log it. Runs from an event, which is why
   * `logRefusal` never throws.
   */
  private logRefusalNoHandlerTookUp(debug: boolean, node: ServerResponse): void {
    const inPlace = this.decisionsInPlace.get(node);
    if (inPlace === undefined || inPlace.logged || inPlace.handedOn || !node.writableEnded) return;
    if (inPlace.decision.outcome !== 'refused') return;
    this.decisionsInPlace.set(node, { ...inPlace, logged: true });
    const location = `${inPlace.route.location}, answered before any handler was reached`;
    logRefusal(debug, 'request', inPlace.decision.refusal, location);
  }

  /**
   * The handler of an express route whose request was decided for it is
   * reached: if middleware rewrote the request's URL or method on the way, its
   * headers were decided for another route (the global policy, where its URL
   * as sent names none), and the handler's own policy goes in place.
   */
  private applyRerouted(
    entry: RouteEntry,
    handler: Registration,
    self: unknown,
    args: unknown[],
  ): unknown {
    return reroutedByMiddleware(args[0])
      ? this.putOwnDecision(entry.route, undefined, handler, self, args)
      : handler.apply(self, args);
  }

  /**
   * The handler of `entry` is reached: if the headers in place were decided for
   * another policy, put its own in place. Should it hand the request on
   * (`next()`), the headers in place before come back, for whatever serves it
   * then; an error it passes on keeps its own.
   */
  private applyServedRoute(
    entry: RouteEntry,
    handler: Registration,
    self: unknown,
    args: unknown[],
  ): unknown {
    const [request, response] = args;
    const node = this.access.nodeResponse(response);
    const before = this.decisionsInPlace.get(node);
    const { route, host } = entry;
    if (
      before === undefined ||
      // Its host filter turns the request away before the handler runs.
      (host !== undefined && !host(this.adapter?.getRequestHostname(request) as string | undefined))
    ) {
      return handler.apply(self, args);
    }
    if (before.route.policy === route.policy) {
      // The decision in place is this handler's own: now known to be the answer.
      if (!before.logged && before.decision.outcome === 'refused') {
        logActualRefusal(this.tables.table?.debug ?? false, route, before.decision);
        this.decisionsInPlace.set(node, { ...before, logged: true });
      }
      return handler.apply(self, args);
    }
    return this.putOwnDecision(route, before, handler, self, args);
  }

  /**
   * Decides the request by the policy of the route whose handler is reached and
   * puts that decision's headers in place of those there. Should the handler
   * hand the request on (`next()`), the decision `before` comes back, if known.
   */
  private putOwnDecision(
    route: RoutePolicy,
    before: DecisionInPlace | undefined,
    handler: Registration,
    self: unknown,
    args: unknown[],
  ): unknown {
    const [request, response, next] = args;
    const node = this.access.nodeResponse(response);
    const debug = this.tables.table?.debug ?? false;
    // A response the front decided keeps its headers pinned on itself. Asked only
    // here: a read on an express response takes V8's slow path (see frontExpress).
    const access =
      this.access.pinHeaders !== pinOnResponse && hasOwnPin(node)
        ? expressFrontAccess
        : this.access;
    /** Puts a decision's headers in place of the current ones. */
    const put = (inPlace: DecisionInPlace) => {
      if (node.headersSent) return;
      for (const name of ACTUAL_HEADER_NAMES) access.removeHeader(response, name);
      writeActualDecision(access, inPlace.decision, response);
      this.decisionsInPlace.set(node, inPlace);
    };
    const apply = (decision: ActualDecision) => {
      logActualRefusal(debug, route, decision);
      put({ route, decision, logged: true });
      if (typeof next !== 'function') return handler.apply(self, args);
      const handOn = (error?: unknown, ...rest: unknown[]) => {
        if (
          before !== undefined &&
          (error === undefined || error === 'route' || error === 'router')
        )
          put({ ...before, handedOn: true });
        return (next as (...a: unknown[]) => unknown)(error, ...rest);
      };
      return handler.apply(self, [request, response, handOn, ...args.slice(3)]);
    };
    const { origin } = access.nodeRequest(request).headers;
    // Only a rerouted request comes here without Origin (`applyRerouted`).
    const decision =
      origin === undefined
        ? route.policy.notCorsAnswer
        : decideActual(route.policy, origin, request);
    return decision instanceof Promise ? decision.then(apply) : apply(decision);
  }

  /** A hook failure must never become a 5xx or an unhandled rejection: log it and let the app answer. */
  private settle(result: void | Promise<void>, done: () => void): void {
    if (result instanceof Promise) result.catch((error: unknown) => this.fail(error, done));
  }

  private fail(error: unknown, done: () => void): void {
    logFailure('CORS request hook', error);
    done();
  }
}
