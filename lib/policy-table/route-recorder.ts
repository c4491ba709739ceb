import { RequestMethod, VERSION_NEUTRAL, type Type } from '@nestjs/common';
import type { AbstractHttpAdapter, DiscoveryService, MetadataScanner } from '@nestjs/core';

/**
 * The one place that relies on Nest internals (checked on @nestjs/core 11.2 and
 * 12.5, express and fastify adapters). No public API lists the final route paths
 * (global prefix + version + RouterModule path + controller + method), and
 * rebuilding them would mean re-implementing `RoutePathFactory` with the private
 * `ApplicationConfig`. Instead we watch the adapter's registration methods, which
 * `RouterExplorer` calls with the final path and a handler onto which it copies
 * the method's reflect-metadata (`copyMetadataToCallback`). Tagging each
 * controller method beforehand tells us which controller method a handler is.
 *
 * The route that serves a request is not always the one its path and method
 * name: a version filter, a host filter or a `@Next()` handler hands requests
 * on, and fastify falls back to another route when a version constraint fails.
 * So every handler announces itself when it is reached, before guards: a
 * version-filtered one from inside its filter, once the filter lets it through;
 * any other from around what Nest registers, with the request's `next` watched,
 * so that a request it hands on takes its announcement back.
 *
 * Instrumentation (tracing) sets a route-triggered hook on the adapter, and
 * Nest 11 then registers a bare arrow function around each handler, carrying
 * none of its metadata: no route could be told from another, and every one
 * would get the global policy. So while routes are registered Nest sees no
 * hook, and the recorder calls it instead, as Nest 12 does: with the route's
 * method and its path as written, before anything of the route runs.
 */

const ROUTE_OWNERS = 'nestjs-cors:route-owners';

/** The adapter methods `RouterMethodFactory` calls, one per `RequestMethod`. */
const REGISTRATION_METHODS = [
  'get',
  'post',
  'put',
  'delete',
  'patch',
  'all',
  'options',
  'head',
  'search',
  'propfind',
  'proppatch',
  'mkcol',
  'copy',
  'move',
  'lock',
  'unlock',
  'query',
] as const;

export interface RouteOwner {
  readonly controller: Type;
  readonly methodName: string;
}

/** Where a handler's policy goes once the table is built; until then it announces nothing. */
export interface ServedRouteSlot<R> {
  route?: R;
  /**
   * Whether the request was decided for this route already, unless the app
   * sent it elsewhere on the way (express middleware rewriting its URL).
   */
  decidedForIt?: boolean;
}

export interface RecordedRoute<R> {
  /** Uppercase HTTP method, or `ALL`. */
  readonly method: string;
  /** The path exactly as the adapter received it. */
  readonly path: string;
  /** The controller methods the handler may belong to (several for an inherited method). */
  readonly owners: readonly RouteOwner[];
  readonly served: ServedRouteSlot<R>;
  /**
   * Whether a version filter guards the handler and may hand a request on to a
   * later route: any version but a plain `VERSION_NEUTRAL`, whose filter lets
   * every request through.
   */
  readonly versionHandsOn: boolean;
}

/**
 * Called, before guards, with the route whose handler is reached; it calls
 * `handler` on `self` with `args`, or with arguments of its own.
 */
export type ServedRouteListener<R> = (
  route: R,
  handler: Registration,
  self: unknown,
  args: unknown[],
  decidedForIt: boolean,
) => unknown;

export type Registration = (...args: unknown[]) => unknown;

type RouteTriggeredHook = (requestMethod: RequestMethod, path: string) => void;

interface VersionFilter<R> {
  readonly served: ServedRouteSlot<R>;
  readonly handsOn: boolean;
}

/**
 * Marks a handler a version filter guards. A property rather than a WeakMap
 * entry: with `setOnRouteTriggered`, Nest registers a wrapper made with
 * `Object.assign(wrapper, handler)`, which copies the mark but is not the key.
 */
const VERSION_FILTER = Symbol('nestjs-cors:version-filter');
type VersionFiltered<R> = { [VERSION_FILTER]?: VersionFilter<R> };

export class RouteRecorder<R> {
  private readonly recorded: RecordedRoute<R>[] = [];
  private readonly restore: Array<() => void> = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly onServedRoute: ServedRouteListener<R>,
    /**
     * Called once Nest has registered every route of the application: it sets
     * the not-found handler right after them, once per `app.init()`.
     */
    private readonly onRoutesRegistered: () => void,
  ) {}

  /** Starts recording; must run before `app.init()` registers the routes. */
  start(adapter: AbstractHttpAdapter): void {
    this.tagControllerMethods();
    const target = adapter as unknown as Record<string, Registration>;
    const { recorded, onServedRoute } = this;
    const routeTriggeredHook = this.hideRouteTriggeredHook(target);
    const pathsAsWritten = this.rememberPathsAsWritten(target);
    for (const name of REGISTRATION_METHODS) {
      this.patch(
        target,
        name,
        (original) =>
          function (this: unknown, ...args: unknown[]) {
            const [path, handler] = args;
            // Four parameters make an express error handler, which serves no route.
            if (typeof path === 'string' && typeof handler === 'function' && handler.length <= 3) {
              const filter = (handler as VersionFiltered<R>)[VERSION_FILTER];
              const served = filter?.served ?? {};
              const method = name.toUpperCase();
              const owners = (Reflect.getMetadata(ROUTE_OWNERS, handler) ?? []) as RouteOwner[];
              recorded.push({
                method,
                path,
                owners,
                served,
                versionHandsOn: filter?.handsOn ?? false,
              });
              if (filter === undefined)
                args[1] = announcing(handler as Registration, served, onServedRoute);
              const hook = routeTriggeredHook();
              if (hook !== undefined && (owners.length > 0 || filter !== undefined)) {
                const requestMethod = RequestMethod[method as keyof typeof RequestMethod];
                const written = pathsAsWritten.get(path) ?? path;
                args[1] = triggering(args[1] as Registration, () => hook(requestMethod, written));
              }
            }
            return original.apply(this, args);
          },
      );
    }
    this.patch(
      target,
      'applyVersionFilter',
      (original) =>
        function (this: unknown, handler: unknown, version: unknown, ...rest: unknown[]) {
          const served: ServedRouteSlot<R> = {};
          // Inside the filter: it announces only what the filter lets through.
          const announcer = announcerOf(handler as Registration, served, onServedRoute);
          const filtered = original.call(this, announcer, version, ...rest) as VersionFiltered<R>;
          filtered[VERSION_FILTER] = { served, handsOn: version !== VERSION_NEUTRAL };
          return filtered;
        },
    );
    const { onRoutesRegistered } = this;
    this.patch(
      target,
      'setNotFoundHandler',
      (original) =>
        function (this: unknown, ...args: unknown[]) {
          const registered = original.apply(this, args);
          onRoutesRegistered();
          return registered;
        },
    );
  }

  /** Hides the adapter's route-triggered hook from Nest until `stop()`; returns how to read it. */
  private hideRouteTriggeredHook(
    target: Record<string, Registration>,
  ): () => RouteTriggeredHook | undefined {
    let read = (): RouteTriggeredHook | undefined => undefined;
    this.patch(target, 'getOnRouteTriggered', (original) => {
      read = () => original.call(target) as RouteTriggeredHook | undefined;
      return () => undefined;
    });
    return () => read();
  }

  /**
   * The path of each route as its controller wrote it, by the path the adapter
   * registers (express turns Nest 11's `*` into `*path`): what the route-triggered
   * hook is given.
   */
  private rememberPathsAsWritten(
    target: Record<string, Registration>,
  ): ReadonlyMap<string, string> {
    const written = new Map<string, string>();
    this.patch(
      target,
      'normalizePath',
      (original) =>
        function (this: unknown, path: unknown) {
          const normalized = original.call(this, path);
          if (typeof path === 'string' && typeof normalized === 'string')
            written.set(normalized, path);
          return normalized;
        },
    );
    return written;
  }

  private patch(
    target: Record<string, Registration>,
    name: string,
    wrap: (original: Registration) => Registration,
  ) {
    const original = target[name];
    if (typeof original !== 'function') return;
    const hadOwn = Object.prototype.hasOwnProperty.call(target, name);
    target[name] = wrap(original);
    this.restore.push(() => (hadOwn ? (target[name] = original) : delete target[name]));
  }

  /** Stops recording, puts the adapter back as it was and hands over the routes in registration order. */
  stop(): readonly RecordedRoute<R>[] {
    for (const undo of this.restore.splice(0)) undo();
    return this.recorded.splice(0);
  }

  private tagControllerMethods(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller?.prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(controller.prototype)) {
        const method = controller.prototype[methodName] as object;
        const owners = (Reflect.getOwnMetadata(ROUTE_OWNERS, method) ?? []) as RouteOwner[];
        if (!owners.some((o) => o.controller === controller && o.methodName === methodName)) {
          Reflect.defineMetadata(ROUTE_OWNERS, [...owners, { controller, methodName }], method);
        }
      }
    }
  }
}

/** What Nest registers, wrapped so that it announces itself when reached. */
function announcing<R>(
  handler: Registration,
  served: ServedRouteSlot<R>,
  onServedRoute: ServedRouteListener<R>,
): Registration {
  return carrying(handler, announcerOf(handler, served, onServedRoute));
}

/** What Nest registers, wrapped so that it calls the route-triggered hook first. */
function triggering(handler: Registration, trigger: () => void): Registration {
  return carrying(handler, function (this: unknown, ...args: unknown[]) {
    trigger();
    return handler.apply(this, args);
  });
}

/**
 * The adapters read route options (fastify's version, config, constraints and
 * schema) from the registered function's own properties and reflect-metadata,
 * so a wrapper carries both, as Nest 12's own route-triggered wrapper does.
 */
function carrying(handler: Registration, wrapper: Registration): Registration {
  Object.assign(wrapper, handler);
  Object.defineProperty(wrapper, 'name', { configurable: true, value: handler.name });
  for (const key of Reflect.getOwnMetadataKeys(handler) as unknown[])
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, handler), wrapper);
  return wrapper;
}

/** Calls a handler, announcing its route first once the table has given it one. */
function announcerOf<R>(
  handler: Registration,
  served: ServedRouteSlot<R>,
  onServedRoute: ServedRouteListener<R>,
): Registration {
  return function (this: unknown, ...args: unknown[]) {
    const { route } = served;
    return route === undefined
      ? handler.apply(this, args)
      : onServedRoute(route, handler, this, args, served.decidedForIt === true);
  };
}
