import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { METHODS } from 'node:http';
import { corsLogger } from '../cors.logger.js';
import {
  printable,
  type ActualDecision,
  type HeaderPair,
  type PreflightDecision,
} from '../engine/index.js';
import { CorsPolicyTableHost } from '../policy-table/cors-policy-table.host.js';
import type { CorsPolicyTable, RoutePolicy } from '../policy-table/policy-table.js';
import {
  candidateRoutes,
  decideWithoutOrigin,
  resolveActual,
  resolvePreflight,
} from '../request-path/resolve-request.js';
import type {
  CorsExplainQuery,
  CorsExplanation,
  CorsRouteDescription,
} from './cors-inspector.interfaces.js';
import { describeAllowedOrigins, describePolicy, explainRefusal } from './policy-description.js';

/**
 * Answers "why was this allowed or blocked?" from the same policy table and
 * decisions the request path uses. Inject it anywhere (the module is global).
 *
 * @example
 * const why = await inspector.explain({ path: '/api/users/1', origin: 'https://evil.example', requestMethod: 'PUT' });
 * // why.reason: 'origin "https://evil.example" is not allowed for UsersController.update (PUT /api/users/:id); allowed: https://admin.example.com'
 */
@Injectable()
export class CorsInspector implements OnApplicationBootstrap {
  /** @internal */
  constructor(private readonly tables: CorsPolicyTableHost) {}

  /** The effective policy of every route, in registration order; serialisable to JSON. */
  routes(): CorsRouteDescription[] {
    return this.table().routes.map((route) => ({
      method: route.method,
      path: route.path,
      ...(route.host !== undefined && { host: route.host }),
      handler: route.handler ?? null,
      policy: describePolicy(route.route),
    }));
  }

  /** Resolves a request as the early hook would and says what it decides and why. */
  async explain(query: CorsExplainQuery): Promise<CorsExplanation> {
    const table = this.table();
    checkQuery(query);
    const method = query.method ?? (query.requestMethod !== undefined ? 'OPTIONS' : 'GET');
    // As the early hook tells them apart: only an OPTIONS request is a preflight.
    const preflight = method === 'OPTIONS' && query.requestMethod !== undefined;
    const target = { method, url: query.path, host: query.host };
    const headers: Record<string, string> = {};
    for (const [name, value] of [
      ['origin', query.origin],
      ['host', query.host],
      ['access-control-request-method', query.requestMethod],
      ['access-control-request-headers', query.requestHeaders],
      ['access-control-request-private-network', query.privateNetwork ? 'true' : undefined],
    ] as const) {
      if (value !== undefined) headers[name] = value;
    }
    // What an origin function receives in place of the framework's request:
    // what both adapters' requests have of it, the host fields included.
    const request = {
      method,
      url: query.path,
      headers,
      host: query.host,
      hostname: query.host?.replace(/:\d+$/, ''),
    };
    const kind = preflight ? 'preflight' : 'actual';

    if (query.origin === undefined) {
      const [route] = candidateRoutes(table, target);
      const decision = decideWithoutOrigin(table, target);
      const anyOrigin = decision.outcome === 'allowed';
      return explanation(
        kind,
        route,
        'not-cors',
        anyOrigin ? decision.headers : [],
        anyOrigin
          ? `no Origin header: not a CORS request; ${route.location} allows any origin, so its * answer goes out, which a cache may hand to any request`
          : 'no Origin header: not a CORS request, so no CORS headers',
        decision.vary,
      );
    }
    if (preflight) {
      const { route, decision } = await resolvePreflight(
        table,
        target,
        {
          origin: query.origin,
          method: query.requestMethod!,
          headers: query.requestHeaders,
          privateNetwork: query.privateNetwork === true,
        },
        request,
      );
      const explained = fromDecision(kind, route, decision, query.origin);
      if (decision.outcome !== 'allowed' || !route.policy.preflightContinue) return explained;
      // The app's own OPTIONS route answers, with its own status.
      const answered = table.findSlot('OPTIONS', query.path) !== undefined;
      const reason = explained.reason + (answered ? HANDED_ON : HANDED_ON_TO_NOTHING);
      return explanation(kind, route, 'allowed', decision.headers, reason, decision.vary);
    }
    const { route, decision, provisional } = await resolveActual(
      table,
      target,
      query.origin,
      request,
    );
    const explained = fromDecision(kind, route, decision, query.origin);
    return provisional ? { ...explained, reason: explained.reason + UNTIL_SERVED } : explained;
  }

  /**
   * With `debug: true`, the route/policy table goes to the log once, at startup.
   * @internal
   */
  onApplicationBootstrap(): void {
    const table = this.tables.table;
    if (table === undefined || !table.debug) return;
    for (const route of this.routes()) {
      corsLogger.log(
        `${route.method} ${route.path}${route.host ? ` (host ${route.host})` : ''} -> ${route.handler ?? 'adapter'}: ${JSON.stringify(route.policy)}`,
      );
    }
  }

  private table(): CorsPolicyTable {
    const table = this.tables.table;
    if (table === undefined)
      throw new Error(
        'CorsInspector: no routes are known yet: call app.init() first (a standalone context, ' +
          'such as createApplicationContext or a microservice, serves no HTTP and has none)',
      );
    return table;
  }
}

const HANDED_ON =
  "; preflightContinue hands it on to the app's own OPTIONS route, which sets the status " +
  '(the browser fails the preflight unless it is 200-299)';
const HANDED_ON_TO_NOTHING =
  '; preflightContinue hands it on, but no OPTIONS route serves this path: it ends in a 404, ' +
  'and the browser fails the preflight';

const OPTIONAL_STRINGS = ['origin', 'requestMethod', 'requestHeaders', 'host'] as const;

/** Turns away a query no request could make, naming the field and what to give. */
function checkQuery(query: CorsExplainQuery): void {
  const fail = (detail: string) => {
    throw new TypeError(`CorsInspector.explain: ${detail}`);
  };
  if (typeof query !== 'object' || query === null)
    fail(`expected a query such as { path: "/api/users/1", origin: "https://app.example.com" }`);
  if (typeof query.path !== 'string' || !query.path.startsWith('/'))
    fail(
      `path must start with "/" (got ${JSON.stringify(query.path)}), as the request line has ` +
        'it: "/api/users/1"',
    );
  for (const field of OPTIONAL_STRINGS)
    if (query[field] !== undefined && typeof query[field] !== 'string')
      fail(`${field} must be a string, as its header is (got ${printable(query[field])})`);
  if (query.method !== undefined && !(METHODS as readonly unknown[]).includes(query.method))
    fail(
      `method must be one Node's HTTP parser accepts, in capitals such as "PUT" (got ` +
        `${printable(query.method)})`,
    );
  if (query.privateNetwork !== undefined && typeof query.privateNetwork !== 'boolean')
    fail(`privateNetwork must be true or false (got ${printable(query.privateNetwork)})`);
}

/** For an actual request whose serving handler may have another policy (see `Alternatives.provisional`). */
const UNTIL_SERVED =
  '; this is the early answer: routes at this path are chosen by version or host, or hand requests on, ' +
  'so the handler that serves the request puts its own policy in place before its guards run, ' +
  'and a middleware answering first sends this one';

function fromDecision(
  kind: CorsExplanation['kind'],
  route: RoutePolicy,
  decision: ActualDecision | PreflightDecision,
  origin: string,
): CorsExplanation {
  const status = 'status' in decision ? decision.status : undefined;
  switch (decision.outcome) {
    case 'allowed': {
      const reason = `origin ${JSON.stringify(origin)} is allowed by ${route.location} (allowed: ${describeAllowedOrigins(route.policy)})`;
      return explanation(kind, route, 'allowed', decision.headers, reason, decision.vary, status);
    }
    case 'refused':
      return explanation(
        kind,
        route,
        'refused',
        [],
        explainRefusal(decision.refusal, route),
        decision.vary,
        status,
      );
    default:
      return explanation(kind, route, 'not-cors', [], 'not a CORS request', decision.vary);
  }
}

function explanation(
  kind: CorsExplanation['kind'],
  route: RoutePolicy,
  outcome: CorsExplanation['outcome'],
  headers: readonly HeaderPair[],
  reason: string,
  vary?: string,
  status?: number,
): CorsExplanation {
  const all: Record<string, string> = Object.fromEntries(headers);
  if (vary !== undefined) all.Vary = vary;
  return {
    kind,
    route: route.location,
    policy: describePolicy(route),
    outcome,
    ...(status !== undefined && { status }),
    headers: all,
    reason,
  };
}
