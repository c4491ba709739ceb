import {
  DEFAULT_ALLOWED_METHODS,
  DEFAULT_ROUTED_METHODS,
  SAFELISTED_METHODS,
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
  /** The method it is registered under: uppercase, or `ALL`. */
  readonly method: string;
  readonly host: HostMatcher | undefined;
  /** Entries with the same key are alternatives for one request (header or media-type versions). */
  readonly hostKey: string;
  /**
   * Whether a request this route matches may be served by another route:
   * `sometimes` where a version filter, a `@Next()` parameter or (on fastify)
   * a route constraint hands requests on, to a later route on express or to
   * the route fastify falls back to; `unknown` for a handler registered on the
   * adapter, which the library cannot read (on fastify, where such a handler
   * cannot hand a request on, the route it sits beside may still serve it: HEAD
   * by a GET route, or an `@All()` beside one method).
   */
  readonly passesOn: PassesOn;
  /** The route alone, made once: the common answer of a lookup. */
  readonly alone: Alternatives;
}

/**
 * The routes that may serve one request in a slot: several only for versions
 * sharing a path. An actual request weighs them `all`, since its decision comes
 * before the handler is known.
 */
export interface Alternatives {
  readonly all: readonly RoutePolicy[];
  /**
   * Whether the route that serves the request may have another policy than the
   * one decided before its handler runs: that route announces itself then.
   */
  readonly provisional: boolean;
}

export type PassesOn = 'never' | 'sometimes' | 'unknown';

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

/** What a host-bound route is matched against; read only when a route in the slot is bound to a host. */
export interface RequestHost {
  /** The request's hostname as Nest's host filter reads it. */
  readonly host: string | undefined;
}

/** A request's host and its URL, which express matches routes of other slots against. */
export interface RequestedPath extends RequestHost {
  readonly url: string;
}

/** A slot whose routes are all bound to other hosts: the request goes on to another route or a 404. */
const NO_HOST_MATCH: Alternatives = { all: [], provisional: true };

/**
 * Every route's compiled policy, built once at bootstrap. The request path asks
 * it which policies a method, URL and host resolve to, and which methods are
 * routed at that path: lookups, nothing compiled or merged per request.
 */
export class CorsPolicyTable {
  private readonly methodsByPath = new WeakMap<object, RoutedMethods>();
  /** Whether deciding a request a slot gets may need the adapter's request: made on first use. */
  private readonly slotsReadingAdapterRequest = new WeakMap<RouteSlot<RouteEntry>, boolean>();
  /** A slot's routes that are alternatives for one request, by host key: made on first use. */
  private readonly alternativesByHost = new WeakMap<
    readonly RouteEntry[],
    Map<string, Alternatives>
  >();
  /** `[global]`, made once. */
  readonly globalAlone: readonly RoutePolicy[];
  /** What a preflight no route serves may name and cache (see `UNROUTED_METHODS`). */
  readonly unroutedMethods: RoutedMethods;
  /**
   * Whether deciding may need more of a request than Node's own: a host-bound
   * route (its hostname as the adapter reads it, behind a trusted proxy) or an
   * origin function (which is handed the adapter's request).
   */
  readonly readsAdapterRequest: boolean;

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
    const uncacheable = cachingRule(global.policy, routes);
    this.unroutedMethods =
      uncacheable === undefined ? UNROUTED_METHODS : { ...UNROUTED_METHODS, uncacheable };
    this.readsAdapterRequest = isOriginFunction(global) || routes.some(needsAdapterRequest);
  }

  /** The slot a request reaches, if a route serves it. */
  findSlot(method: string, url: string): RouteSlot<RouteEntry> | undefined {
    return this.index.find(method, url);
  }

  /**
   * Whether deciding a request with this method (a preflight's: the one it
   * names) at this URL may need the adapter's request (see
   * `readsAdapterRequest`): a route that may serve it, its own or one express
   * tries before or after it, is host-bound or has an origin function, or no
   * route serves it and the global policy has one.
   */
  readsAdapterRequestFor(method: string, url: string): boolean {
    if (!this.readsAdapterRequest) return false;
    const slot = this.findSlot(method, url);
    if (slot === undefined) return isOriginFunction(this.global);
    let reads = this.slotsReadingAdapterRequest.get(slot);
    if (reads === undefined) {
      const mayServe = [...slot.routes, ...this.index.contendingRoutes(slot)];
      reads = mayServe.some(needsAdapterRequest);
      this.slotsReadingAdapterRequest.set(slot, reads);
    }
    return reads;
  }

  /**
   * The policies that may serve a request in a slot: the first route whose host
   * matches, plus its alternatives (versions sharing the path), or on express
   * that route alone where it never hands requests on. Empty when no route's
   * host matches.
   */
  candidates(slot: RouteSlot<RouteEntry>, request: RequestHost): Alternatives {
    const entries = slot.routes;
    if (entries.length === 1) {
      const [entry] = entries;
      return entry.host === undefined || entry.host(request.host) ? entry.alone : NO_HOST_MATCH;
    }
    const first = entries.find((entry) => entry.host === undefined || entry.host(request.host));
    if (first === undefined) return NO_HOST_MATCH;
    // Express tries them in order: one that never hands a request on serves it, whatever follows.
    if (this.index.triesRoutesInOrder && first.passesOn === 'never') return first.alone;
    let byHost = this.alternativesByHost.get(entries);
    if (byHost === undefined) this.alternativesByHost.set(entries, (byHost = new Map()));
    const { hostKey } = first;
    let alternatives = byHost.get(hostKey);
    if (alternatives === undefined) {
      const all = entries.filter((entry) => entry.hostKey === hostKey).map(({ route }) => route);
      alternatives = { all, provisional: true };
      byHost.set(hostKey, alternatives);
    }
    return alternatives;
  }

  /**
   * The policies a preflight weighs: those of the routes the request may reach.
   * On express, the routes whose path matches, in registration order (of any
   * slot: an `@All()`, another pattern), up to the first that serves every
   * request it gets: its host matches and it does not pass requests on by
   * design (one registered on the adapter counts as serving them: the unknown
   * fails closed). A route behind it never answers, so its policy must not let
   * a preflight through. On fastify, the slot's alternatives: its constraints
   * pick among them.
   */
  preflightCandidates(
    slot: RouteSlot<RouteEntry>,
    request: RequestedPath,
    method: string,
  ): readonly RoutePolicy[] {
    const alternatives = this.candidates(slot, request);
    const reachable: RoutePolicy[] = [];
    const walked = this.visitReachable(slot, alternatives, request, method, (route) => {
      reachable.push(route);
      return false;
    });
    return walked ? reachable : alternatives.all;
  }

  /**
   * Visits the routes `preflightCandidates` names until `visit` returns true;
   * false, visiting nothing, where the slot's alternatives are the answer.
   */
  private visitReachable(
    slot: RouteSlot<RouteEntry>,
    alternatives: Alternatives,
    request: RequestedPath,
    method: string,
    visit: (route: RoutePolicy) => boolean,
  ): boolean {
    if (!this.index.triesRoutesInOrder || !alternatives.provisional) return false;
    return this.index.visitInOrder(slot, method, request.url, (entry) => {
      if (entry.host !== undefined && !entry.host(request.host)) return false;
      return visit(entry.route) || entry.passesOn !== 'sometimes';
    });
  }

  /**
   * The methods routed at a slot's path, and whether a preflight's answer may
   * name them all: only where every route that may answer them has the same
   * rules (see `RoutedMethods.requestedAlone`).
   */
  routedMethods(slot: RouteSlot<RouteEntry>): RoutedMethods {
    return this.pathMethods(slot.siblings);
  }

  private pathMethods(siblings: Map<string, RouteSlot<RouteEntry>>): RoutedMethods {
    let answer = this.methodsByPath.get(siblings);
    if (answer === undefined) {
      const slots = [...siblings.values()];
      // Every route that may answer a URL of this path, whatever the method:
      // its methods' routes and those of other patterns that match its paths.
      const entries = [...new Set(slots.flatMap((slot) => this.index.routesAtPathsOf(slot)))];
      const [first] = entries;
      const shared = entries.every(
        (entry) =>
          entry.host === undefined &&
          entry.passesOn === 'never' &&
          haveSamePreflightRules(entry.route.policy, first.route.policy),
      );
      const routed = methodsOf([...siblings.keys()]);
      answer = shared
        ? routed
        : {
            ...routed,
            requestedAlone: true,
            uncacheable: cachingRule(first.route.policy, entries),
          };
      this.methodsByPath.set(siblings, answer);
    }
    return answer;
  }
}

const isOriginFunction = (route: RoutePolicy) => route.policy.origin.kind === 'function';

/** Whether deciding for this route reads the adapter's request: a host filter, or an origin function. */
const needsAdapterRequest = ({ host, route }: { readonly host?: unknown; route: RoutePolicy }) =>
  host !== undefined || isOriginFunction(route);

/**
 * What a preflight with no route at its path may name: the method asked for
 * alone. Routes at the URL may have other rules;
 * `CorsPolicyTable.unroutedMethods` says whether the answer may be cached.
 */
const UNROUTED_METHODS: RoutedMethods = { ...DEFAULT_ROUTED_METHODS, requestedAlone: true };

const neverCached = () => true;

/**
 * Which answers at a URL must not be cached (`RoutedMethods.uncacheable`),
 * given a policy that may answer it (the global one where no route serves the
 * preflight) and every route that may answer it. A browser caches the request
 * headers an answer allows for the URL, origin and credentials mode, whatever
 * the method: a method with a preflight of its own then carries them, so every
 * route must allow the same headers; and a GET, HEAD or POST they cover is
 * sent without any preflight, so the answer's policy must have the rules of
 * each route that serves those. Undefined where every answer may be cached.
 */
function cachingRule(
  answering: CompiledCorsPolicy,
  routes: ReadonlyArray<{ readonly method: string; readonly route: RoutePolicy }>,
): RoutedMethods['uncacheable'] {
  const policies = routes.map(({ route }) => route.policy);
  if (!policies.every((policy) => haveSameHeaderRules(policy, answering))) return neverCached;
  const ofSafelistedMethods = routes
    .filter(servesSafelistedMethod)
    .map(({ route }) => route.policy);
  const all = new Set([answering, ...policies]);
  const cacheable = [...all].filter((policy) =>
    ofSafelistedMethods.every((safe) => haveSameCachedRules(safe, policy)),
  );
  if (cacheable.length === all.size) return undefined;
  const cached = new Set(cacheable);
  return (policy) => !cached.has(policy);
}

/** Whether a route serves GET, HEAD or POST, which a browser sends without a preflight where its cache covers the headers. */
function servesSafelistedMethod({ method }: { readonly method: string }): boolean {
  return method === 'ALL' || SAFELISTED_METHODS.has(method);
}

/**
 * Whether a preflight's answer under one policy holds for requests under the
 * other as a browser's preflight cache applies it: the same origins, the same
 * credentials, the same allowed headers and methods, the same private-network
 * access. Policies compiled apart (a controller's and a route's that restate
 * the origins) compare by what they were given; two spellings of one origin
 * count as different, which costs only speed.
 */
function haveSamePreflightRules(a: CompiledCorsPolicy, b: CompiledCorsPolicy): boolean {
  return (
    a === b ||
    (haveSameCachedRules(a, b) &&
      a.allowPrivateNetwork === b.allowPrivateNetwork &&
      a.allowMethodsHeader === b.allowMethodsHeader &&
      (a.allowedMethods === 'any') === (b.allowedMethods === 'any'))
  );
}

/**
 * Whether the request headers a browser caches from an answer under one policy
 * are what the other allows the same origin in the same credentials mode: the
 * same origins, credentials and allowed headers.
 */
function haveSameCachedRules(a: CompiledCorsPolicy, b: CompiledCorsPolicy): boolean {
  return (
    a === b ||
    (a.enabled === b.enabled &&
      a.credentials === b.credentials &&
      haveSameHeaderRules(a, b) &&
      sameOriginOption(a.options.origin, b.options.origin))
  );
}

/** Whether two policies allow the same request headers. */
function haveSameHeaderRules(a: CompiledCorsPolicy, b: CompiledCorsPolicy): boolean {
  return (
    a.allowHeadersHeader === b.allowHeadersHeader &&
    (a.allowedHeaders === undefined) === (b.allowedHeaders === undefined)
  );
}

function sameOriginOption(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((entry, at) => sameOriginOption(entry, b[at]));
  return a instanceof RegExp && b instanceof RegExp && a.source === b.source && a.flags === b.flags;
}

const DEFAULT_METHODS: readonly string[] = DEFAULT_ALLOWED_METHODS.split(',');

/**
 * The methods routed at a path. An `@All()` route serves every method: the
 * usual ones are named, plus the one asked for.
 */
function methodsOf(methods: readonly string[]): RoutedMethods {
  if (methods.includes('ALL')) {
    const header = DEFAULT_ALLOWED_METHODS;
    return {
      has: () => true,
      header: (method) => (DEFAULT_METHODS.includes(method) ? header : `${header},${method}`),
    };
  }
  const set = new Set(methods);
  const header = methods.join(',');
  return { has: (method) => set.has(method), header: () => header };
}
