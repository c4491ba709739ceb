import type { Type } from '@nestjs/common';
import { HOST_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { CORS_METADATA } from '../cors.constants.js';
import type { CorsMetadata } from '../cors.decorator.js';
import {
  compileCorsPolicy,
  CorsConfigurationError,
  type CompiledCorsPolicy,
  type CorsConfigurationWarning,
  type CorsPolicyOptions,
} from '../engine/index.js';
import { resolveEffectivePolicy, type PolicyLevel } from './effective-policy.js';
import { compileHostMatcher, type HostOption } from './host-matcher.js';
import {
  CorsPolicyTable,
  type PassesOn,
  type RouteEntry,
  type RoutePolicy,
  type TableRoute,
} from './policy-table.js';
import { RouteIndex, type PathMatching } from './route-index.js';
import type { RecordedRoute, RouteOwner, ServedRouteSlot } from './route-recorder.js';

export interface PolicyTableInput {
  /** The global policy: `forRoot()` options without `policies` and `debug`. */
  readonly global: CorsPolicyOptions;
  readonly policies: Readonly<Record<string, CorsPolicyOptions>>;
  /** Log refusals at log level rather than debug. */
  readonly debug: boolean;
  /** The controllers of this application. */
  readonly controllers: ReadonlySet<Type>;
  readonly routes: readonly RecordedRoute<RouteEntry>[];
  readonly matching: PathMatching;
  /**
   * Whether middleware runs before the router picks a route, and so may send a
   * request to another route than its URL as sent names (express; fastify
   * routes first).
   */
  readonly middlewareMayReroute: boolean;
  readonly warn: (location: string, warning: CorsConfigurationWarning) => void;
}

const GLOBAL_LOCATION = 'CorsModule.forRoot() global policy';
/** `@nestjs/platform-fastify`'s key, which this package does not depend on. */
const FASTIFY_ROUTE_CONSTRAINTS_METADATA = '__fastify_route_constraints__';

/**
 * Builds the policy table: compiles the global policy, every named policy and
 * every route's effective policy (routes sharing the same decorators share one
 * compiled policy), and indexes the routes by method, path and host. Throws a
 * CorsConfigurationError naming the route at the first invalid policy.
 */
export function buildPolicyTable(input: PolicyTableInput): CorsPolicyTable {
  const { global: globalOptions, policies } = input;
  const warn = onceEach(input.warn);
  const global = compileAt(
    GLOBAL_LOCATION,
    globalOptions,
    sourcesOf(globalOptions, 'global'),
    warn,
  );
  for (const [name, named] of Object.entries(policies)) {
    const location = `CorsModule.forRoot({ policies: { ${JSON.stringify(name)} } })`;
    compileAt(location, { ...globalOptions, ...named }, {}, warn);
  }

  const compiled = new Map<string, RoutePolicy>();
  const handlerPolicies = new Map<string, RoutePolicy>();
  const entries = new Map<string, RouteEntry>();
  const index = new RouteIndex<RouteEntry>(input.matching, hasConstraints);
  const listing: TableRoute[] = [];
  const announced: Array<[ServedRouteSlot<RouteEntry>, RouteEntry]> = [];

  /** The policy of a controller method; methods with the same decorators share one compilation. */
  const policyOf = (owner: RouteOwner, location: string): RoutePolicy => {
    const handlerKey = handlerIdentity(owner);
    const known = handlerPolicies.get(handlerKey);
    if (known !== undefined) return known;
    const controllerMetadata = Reflect.getMetadata(CORS_METADATA, owner.controller) as
      CorsMetadata | undefined;
    const methodMetadata = Reflect.getMetadata(
      CORS_METADATA,
      owner.controller.prototype[owner.methodName],
    ) as CorsMetadata | undefined;
    const policyKey = `${identity(controllerMetadata)}|${identity(methodMetadata)}`;
    let shared = compiled.get(policyKey);
    if (shared === undefined) {
      shared =
        controllerMetadata === undefined && methodMetadata === undefined
          ? global
          : compileRoute(location, input, controllerMetadata, methodMetadata, warn);
      compiled.set(policyKey, shared);
    }
    const policy = { ...shared, location };
    handlerPolicies.set(handlerKey, policy);
    return policy;
  };

  for (const route of input.routes) {
    const owner = ownerOf(route, input.controllers);
    const host =
      owner && (Reflect.getMetadata(HOST_METADATA, owner.controller) as HostOption | undefined);
    const hostKey = host === undefined ? '' : String(host);
    const passesOn: PassesOn =
      owner === undefined
        ? 'unknown'
        : route.versionHandsOn ||
            takesNext(owner) ||
            (input.matching.syntax === 'fastify' && hasRouteConstraints(owner))
          ? 'sometimes'
          : 'never';
    // A handler inherited by a versioned and an unversioned controller is two entries.
    const entryKey =
      owner === undefined
        ? `direct ${route.method} ${route.path}`
        : `${handlerIdentity(owner)}|${hostKey}|${passesOn}`;
    let entry = entries.get(entryKey);
    if (entry === undefined) {
      const policy =
        owner === undefined
          ? // Registered on the adapter directly (Swagger's UI, a health check): the global policy.
            { ...global, location: `${route.method} ${route.path} (registered on the adapter)` }
          : policyOf(
              owner,
              `${owner.controller.name}.${owner.methodName} (${route.method} ${route.path})`,
            );
      entry = {
        route: policy,
        method: route.method,
        host: host === undefined ? undefined : compileHostMatcher(host),
        hostKey,
        passesOn,
        alone: { all: [policy], provisional: passesOn !== 'never' },
      };
      entries.set(entryKey, entry);
    }
    index.add(route.method, route.path, entry);
    announced.push([route.served, entry]);
    listing.push({
      method: route.method,
      path: route.path,
      host: host === undefined ? undefined : hostKey,
      handler: owner && `${owner.controller.name}.${owner.methodName}`,
      route: entry.route,
    });
  }
  index.seal();
  warnOfContinueWithoutOptionsRoute(global, listing, warn);
  // A handler announces itself so that its policy replaces a provisional
  // decision: those that may serve a request decided so. Where middleware may
  // reroute a request, every other handler announces itself too, as decided
  // for already: only a rerouted request is decided again, and the others
  // skip the lookup of a provisional decision, which would find nothing.
  const announcing = index.routesServingSlots(
    (slot) => slot.routes.length > 1 || slot.routes.some(mayDecideProvisionally),
  );
  for (const [served, entry] of announced) {
    if (announcing.has(entry)) served.route = entry;
    else if (input.middlewareMayReroute)
      Object.assign(served, { route: entry, decidedForIt: true });
  }
  return new CorsPolicyTable(global, index, listing, input.debug);
}

/**
 * `preflightContinue` hands allowed preflights on to the app's own OPTIONS
 * route; in an app with none, every one becomes a 404 the browser fails on.
 */
function warnOfContinueWithoutOptionsRoute(
  global: RoutePolicy,
  listing: readonly TableRoute[],
  warn: PolicyTableInput['warn'],
): void {
  if (listing.some(({ method }) => method === 'OPTIONS' || method === 'ALL')) return;
  // Once per compiled policy, where it is first given.
  const continuing = new Map<CompiledCorsPolicy, string>();
  for (const { policy, location } of [global, ...listing.map(({ route }) => route)])
    if (policy.preflightContinue && !continuing.has(policy)) continuing.set(policy, location);
  for (const location of continuing.values())
    warn(location, {
      option: 'preflightContinue',
      message:
        'the app has no OPTIONS route to answer the preflights it passes on, so each allowed one ' +
        'ends in a 404 and the browser blocks the request; add an @Options() route, or drop ' +
        'preflightContinue to have preflights answered here',
    });
}

/** Whether a request for the entry's slot may be decided before the handler that serves it is known (`CorsPolicyTable.candidates`). */
function mayDecideProvisionally(entry: RouteEntry): boolean {
  return entry.alone.provisional || entry.host !== undefined;
}

/** Whether fastify picks the entry's route by a constraint: a version or a host (`RouteIndex.joinSharedPaths`). */
function hasConstraints(entry: RouteEntry): boolean {
  return entry.passesOn === 'sometimes' || entry.host !== undefined;
}

/** Whether a controller method has a `@Next()` parameter, with which it may pass a request on. */
function takesNext({ controller, methodName }: RouteOwner): boolean {
  const parameters = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) as
    Record<string, unknown> | undefined;
  return Object.keys(parameters ?? {}).some((key) => key.startsWith(`${RouteParamtypes.NEXT}:`));
}

/**
 * Whether a controller method carries fastify route constraints
 * (`@RouteConstraints()`): when one fails, fastify routes the request elsewhere.
 */
function hasRouteConstraints({ controller, methodName }: RouteOwner): boolean {
  return (
    Reflect.getMetadata(FASTIFY_ROUTE_CONSTRAINTS_METADATA, controller.prototype[methodName]) !==
    undefined
  );
}

/** A key for one controller method, distinct for same-named classes. */
function handlerIdentity(owner: RouteOwner): string {
  return `${idOf(owner.controller)}.${owner.methodName}`;
}

function compileRoute(
  location: string,
  input: PolicyTableInput,
  controllerMetadata: CorsMetadata | undefined,
  methodMetadata: CorsMetadata | undefined,
  warn: PolicyTableInput['warn'],
): RoutePolicy {
  const effective = placedAt(location, () =>
    resolveEffectivePolicy(input.global, input.policies, controllerMetadata, methodMetadata),
  );
  return compileAt(location, effective.options, effective.sources, warn);
}

function compileAt(
  location: string,
  options: CorsPolicyOptions,
  sources: Readonly<Record<string, PolicyLevel>>,
  warn: PolicyTableInput['warn'],
): RoutePolicy {
  const { policy, warnings } = placedAt(location, () => compileCorsPolicy(options));
  for (const warning of warnings) warn(location, warning);
  return { policy, location, sources };
}

/**
 * Logs each warning once, where it first arises: every policy compiled over
 * the global one (or a named one) inherits its options, and would repeat its
 * warnings under each route's name. The global policy is compiled first, then
 * the named ones, then the routes.
 */
function onceEach(warn: PolicyTableInput['warn']): PolicyTableInput['warn'] {
  const logged = new Set<string>();
  return (location, warning) => {
    const key = `${warning.option}\n${warning.message}`;
    if (logged.has(key)) return;
    logged.add(key);
    warn(location, warning);
  };
}

/** Runs `build`, naming `location` in a configuration error that does not name a place yet. */
function placedAt<T>(location: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw error instanceof CorsConfigurationError && error.location === undefined
      ? error.at(location)
      : error;
  }
}

function sourcesOf(options: object, level: PolicyLevel): Record<string, PolicyLevel> {
  return Object.fromEntries(Object.keys(options).map((key) => [key, level]));
}

const ids = new WeakMap<object, number>();
let lastId = 0;
/** A number for an object, the same each time it is asked. */
function idOf(object: object): number {
  let id = ids.get(object);
  if (id === undefined) ids.set(object, (id = ++lastId));
  return id;
}

/** Routes whose decorators are the very same metadata objects share one compiled policy. */
function identity(metadata: CorsMetadata | undefined): string {
  if (metadata === undefined) return 'none';
  if (metadata === false) return 'off';
  return String(idOf(metadata));
}

/**
 * The controller method behind a registered handler. A method inherited by
 * several controllers carries all of them; the registered path tells them apart.
 */
function ownerOf(
  route: RecordedRoute<RouteEntry>,
  controllers: ReadonlySet<Type>,
): RouteOwner | undefined {
  const owners = route.owners.filter((owner) => controllers.has(owner.controller));
  if (owners.length <= 1) return owners[0];
  const corsOf = (owner: RouteOwner) =>
    Reflect.getMetadata(CORS_METADATA, owner.controller) as unknown;
  if (owners.every((owner) => corsOf(owner) === corsOf(owners[0]))) return owners[0];
  // The controller whose path stands, as whole segments, longest in the route path.
  const routeSegments = segmentsOf(route.path);
  const scored = owners.map((owner) => {
    const paths = [
      Reflect.getMetadata(PATH_METADATA, owner.controller) as string | string[] | undefined,
    ].flat();
    const score = Math.max(
      0,
      ...paths.map((path) => {
        const segments = segmentsOf(path ?? '');
        return segments.length > 0 && containsRun(routeSegments, segments) ? segments.length : 0;
      }),
    );
    return { owner, score };
  });
  const best = Math.max(...scored.map(({ score }) => score));
  const winners = scored.filter(({ score }) => score === best && score > 0);
  if (winners.length === 1) return winners[0].owner;
  throw new CorsConfigurationError(
    'unknown-policy',
    '@Cors',
    `the handler is inherited by ${owners.map((o) => o.controller.name).join(', ')}, whose @Cors differ, and the path does not tell them apart; override the method in each controller`,
    `${route.method} ${route.path}`,
  );
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function containsRun(haystack: readonly string[], run: readonly string[]): boolean {
  for (let start = 0; start + run.length <= haystack.length; start++) {
    if (run.every((segment, i) => haystack[start + i] === segment)) return true;
  }
  return false;
}
