import {
  checkOrigin,
  DEFAULT_ALLOWED_METHODS,
  type CompiledCorsPolicy,
  type RoutedMethods,
} from '../engine/index.js';
import type { HostMatcher } from './host-matcher.js';
import type { PolicyLevel } from './effective-policy.js';
import type { RouteIndex, RouteSlot } from './route-index.js';

/** The compiled policy of one controller method (or of the global fallback). */
export interface RoutePolicy {
  readonly policy: CompiledCorsPolicy;
  /** `UsersController.remove (DELETE /api/users/:id)`, for errors and logs. */
  readonly location: string;
  /** Where each field of the policy came from. */
  readonly sources: Readonly<Record<string, PolicyLevel>>;
}

/** A route as the index holds it: a handler's policy and the host its controller is bound to. */
export interface RouteEntry {
  readonly route: RoutePolicy;
  readonly host: HostMatcher | undefined;
  /** Entries with the same key are alternatives for one request (header or media-type versions). */
  readonly hostKey: string;
  /** `[route]`, made once: the common answer of a lookup. */
  readonly alone: readonly RoutePolicy[];
}

/** One registered route, as diagnostics list it. */
export interface TableRoute {
  readonly method: string;
  readonly path: string;
  /** The controller's `host` option, when it has one. */
  readonly host: string | undefined;
  /** `Controller.method`, or undefined for a route registered on the adapter directly. */
  readonly handler: string | undefined;
  readonly route: RoutePolicy;
}

const NONE: readonly RoutePolicy[] = [];

/**
 * Every route's compiled policy, built once at bootstrap. The request path asks
 * it which policies a method, URL and host resolve to, and which methods are
 * routed at that path: lookups, nothing compiled or merged per request.
 */
export class CorsPolicyTable {
  private readonly uniformMethods = new WeakMap<object, RoutedMethods | null>();
  /** `[global]`, made once. */
  readonly globalAlone: readonly RoutePolicy[];

  constructor(
    /** Answers requests no route serves. */
    readonly global: RoutePolicy,
    private readonly index: RouteIndex<RouteEntry>,
    /** Every registered route, in registration order. */
    readonly routes: readonly TableRoute[],
    /** Refusals are logged at log level (the module's `debug` option) rather than debug. */
    readonly debug: boolean,
  ) {
    this.globalAlone = [global];
  }

  /** The slot a request reaches, if a route serves it. */
  findSlot(method: string, url: string): RouteSlot<RouteEntry> | undefined {
    return this.index.find(method, url);
  }

  /**
   * The policies that may serve a request in a slot: the first route whose host
   * matches, plus its alternatives (versions sharing the path). Empty when no
   * route's host matches.
   */
  candidates(slot: RouteSlot<RouteEntry>, host: string | undefined): readonly RoutePolicy[] {
    const entries = slot.routes;
    if (entries.length === 1) {
      const [entry] = entries;
      return entry.host === undefined || entry.host(host) ? entry.alone : NONE;
    }
    const first = entries.find((entry) => entry.host === undefined || entry.host(host));
    if (first === undefined) return NONE;
    return entries.filter((entry) => entry.hostKey === first.hostKey).map((entry) => entry.route);
  }

  /** The methods routed at a slot's path whose policies allow the origin: the default Allow-Methods. */
  routedMethods(
    slot: RouteSlot<RouteEntry>,
    host: string | undefined,
    origin: string,
  ): RoutedMethods {
    const uniform = this.uniform(slot.siblings);
    if (uniform !== null) return uniform;
    const methods: string[] = [];
    for (const [method, sibling] of slot.siblings) {
      const allows = this.candidates(sibling, host).some(({ policy }) =>
        allowsCheaply(policy, origin),
      );
      if (allows) methods.push(method);
    }
    return methodsOf(methods);
  }

  /** When all routes at a path share one policy and no host, the answer never changes. */
  private uniform(siblings: Map<string, RouteSlot<RouteEntry>>): RoutedMethods | null {
    let methods = this.uniformMethods.get(siblings);
    if (methods === undefined) {
      const entries = [...siblings.values()].flatMap((slot) => slot.routes);
      const shared = entries.every(
        (entry) => entry.host === undefined && entry.route.policy === entries[0].route.policy,
      );
      methods = shared ? methodsOf([...siblings.keys()]) : null;
      this.uniformMethods.set(siblings, methods);
    }
    return methods;
  }
}

/** An origin check without calling user code: an origin function counts as allowing. */
function allowsCheaply(policy: CompiledCorsPolicy, origin: string): boolean {
  if (!policy.enabled) return false;
  if (policy.origin.kind === 'function') return true;
  return checkOrigin(policy, origin, undefined) === true;
}

const DEFAULT_METHODS: readonly string[] = DEFAULT_ALLOWED_METHODS.split(',');

/** An `@All()` route serves every method: it lists the usual ones plus the one asked for. */
function methodsOf(methods: readonly string[]): RoutedMethods {
  if (methods.includes('ALL')) {
    return {
      has: () => true,
      header: (method) =>
        DEFAULT_METHODS.includes(method)
          ? DEFAULT_ALLOWED_METHODS
          : `${DEFAULT_ALLOWED_METHODS},${method}`,
    };
  }
  const set = new Set(methods);
  const header = methods.join(',');
  return { has: (method) => set.has(method), header: () => header };
}
