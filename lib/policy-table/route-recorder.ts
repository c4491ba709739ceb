import type { Type } from '@nestjs/common';
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
 * Handlers that share a method and path (header, media-type or custom
 * versioning) are told apart only by Nest's version filter, which runs before
 * guards. We wrap the handler the filter receives, so that the one it lets
 * through announces itself: `onExactRoute` then applies that handler's policy.
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

/** Where the policy of a version-filtered handler goes once the table is built. */
export interface ExactRouteSlot<R> {
  route?: R;
}

export interface RecordedRoute<R> {
  /** Uppercase HTTP method, or `ALL`. */
  readonly method: string;
  /** The path exactly as the adapter received it. */
  readonly path: string;
  /** The controller methods the handler may belong to (several for an inherited method). */
  readonly owners: readonly RouteOwner[];
  /** Set when a version filter guards the handler. */
  readonly exact: ExactRouteSlot<R> | undefined;
}

/** Called, before guards, with the exact route a version filter let through. */
export type ExactRouteListener<R> = (route: R, args: unknown[], proceed: () => unknown) => unknown;

type Registration = (...args: unknown[]) => unknown;

/**
 * Marks a handler a version filter guards. A property rather than a WeakMap
 * entry: with `setOnRouteTriggered`, Nest registers a wrapper made with
 * `Object.assign(wrapper, handler)`, which copies the mark but is not the key.
 */
const EXACT_ROUTE_SLOT = Symbol('nestjs-cors:exact-route-slot');
type VersionFiltered<R> = { [EXACT_ROUTE_SLOT]?: ExactRouteSlot<R> };

export class RouteRecorder<R> {
  private readonly recorded: RecordedRoute<R>[] = [];
  private readonly restore: Array<() => void> = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly onExactRoute: ExactRouteListener<R>,
  ) {}

  /** Starts recording; must run before `app.init()` registers the routes. */
  start(adapter: AbstractHttpAdapter): void {
    this.tagControllerMethods();
    const target = adapter as unknown as Record<string, Registration>;
    for (const name of REGISTRATION_METHODS) {
      const { recorded } = this;
      this.patch(
        target,
        name,
        (original) =>
          function (this: unknown, ...args: unknown[]) {
            const [path, handler] = args;
            if (typeof path === 'string' && typeof handler === 'function') {
              const owners = (Reflect.getMetadata(ROUTE_OWNERS, handler) ?? []) as RouteOwner[];
              recorded.push({
                method: name.toUpperCase(),
                path,
                owners,
                exact: (handler as VersionFiltered<R>)[EXACT_ROUTE_SLOT],
              });
            }
            return original.apply(this, args);
          },
      );
    }
    const { onExactRoute } = this;
    this.patch(
      target,
      'applyVersionFilter',
      (original) =>
        function (this: unknown, handler: unknown, ...rest: unknown[]) {
          const slot: ExactRouteSlot<R> = {};
          const inner = handler as Registration;
          const exact = function (this: unknown, ...args: unknown[]) {
            return slot.route === undefined
              ? inner.apply(this, args)
              : onExactRoute(slot.route, args, () => inner.apply(this, args));
          };
          const filtered = original.call(this, exact, ...rest) as VersionFiltered<R>;
          filtered[EXACT_ROUTE_SLOT] = slot;
          return filtered;
        },
    );
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
