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

export interface RecordedRoute {
  /** Uppercase HTTP method, or `ALL`. */
  readonly method: string;
  /** The path exactly as the adapter received it. */
  readonly path: string;
  /** The controller methods the handler may belong to (several for an inherited method). */
  readonly owners: readonly RouteOwner[];
}

type Registration = (...args: unknown[]) => unknown;

export class RouteRecorder {
  private readonly recorded: RecordedRoute[] = [];
  private readonly restore: Array<() => void> = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** Starts recording; must run before `app.init()` registers the routes. */
  start(adapter: AbstractHttpAdapter): void {
    this.tagControllerMethods();
    const target = adapter as unknown as Record<string, Registration>;
    for (const name of REGISTRATION_METHODS) {
      const original = target[name];
      if (typeof original !== 'function') continue;
      const hadOwn = Object.prototype.hasOwnProperty.call(target, name);
      const recorded = this.recorded;
      target[name] = function (this: unknown, ...args: unknown[]) {
        const [path, handler] = args;
        if (typeof path === 'string' && typeof handler === 'function') {
          const owners = (Reflect.getMetadata(ROUTE_OWNERS, handler) ?? []) as RouteOwner[];
          recorded.push({ method: name.toUpperCase(), path, owners });
        }
        return original.apply(this, args);
      };
      this.restore.push(() => (hadOwn ? (target[name] = original) : delete target[name]));
    }
  }

  /** Stops recording, puts the adapter back as it was and returns the routes in registration order. */
  stop(): readonly RecordedRoute[] {
    for (const undo of this.restore.splice(0)) undo();
    return this.recorded;
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
