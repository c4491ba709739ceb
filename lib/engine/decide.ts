import type { CompiledCorsPolicy, HeaderPair } from './compiled-policy.js';
import type { ActualDecision, CorsRefusal, PreflightDecision } from './cors-decision.js';
import { parseHeaderList } from './headers/header-list.js';
import { DEFAULT_ALLOWED_METHODS, SAFELISTED_METHODS, isToken } from './headers/http-token.js';
import { VARY_ACTUAL, VARY_PREFLIGHT, VARY_PREFLIGHT_ANY_ORIGIN } from './headers/vary.js';
import { askOriginFunction, type OriginVerdict } from './origin/origin-function.js';
import { listAllows, reflectAllows } from './origin/origin-matcher.js';

export type { OriginVerdict };

/**
 * Whether the policy allows the origin. Synchronous except for origin functions;
 * a function that throws or rejects yields `{ error }`, never an exception.
 */
export function checkOrigin(
  policy: CompiledCorsPolicy,
  origin: string,
  request: unknown,
): OriginVerdict | Promise<OriginVerdict> {
  const matcher = policy.origin;
  switch (matcher.kind) {
    case 'any':
      return true;
    case 'none':
      return false;
    case 'reflect':
      return reflectAllows(origin);
    case 'list':
      return listAllows(matcher, origin);
    case 'function':
      return reflectAllows(origin) ? askOriginFunction(matcher, origin, request) : false;
  }
}

/** Maps a verdict, synchronously when it is not a promise. */
function then<T>(
  verdict: OriginVerdict | Promise<OriginVerdict>,
  next: (verdict: OriginVerdict) => T,
): T | Promise<T> {
  return verdict instanceof Promise ? verdict.then(next) : next(verdict);
}

function originRefusal(origin: string, verdict: OriginVerdict): CorsRefusal {
  return typeof verdict === 'object'
    ? { reason: 'origin', value: origin, error: verdict.error }
    : { reason: 'origin', value: origin };
}

function allowOriginValue(policy: CompiledCorsPolicy, origin: string): string {
  return policy.staticAnyOrigin && !policy.credentials ? '*' : origin;
}

/**
 * Decides an actual (non-preflight) request: the headers to add when its origin
 * is allowed, the refusal otherwise, and the Vary tokens either way.
 */
export function decideActual(
  policy: CompiledCorsPolicy,
  origin: string | undefined,
  request?: unknown,
): ActualDecision | Promise<ActualDecision> {
  const vary = policy.staticAnyOrigin ? undefined : VARY_ACTUAL;
  if (origin === undefined) return policy.enabled ? { outcome: 'not-cors', vary } : NOT_CORS;
  if (!policy.enabled)
    return { outcome: 'refused', refusal: { reason: 'disabled', value: origin }, vary: undefined };
  if (policy.staticAnyOrigin) return anyOriginDecision(policy);
  return then(checkOrigin(policy, origin, request), (verdict): ActualDecision =>
    verdict === true
      ? {
          outcome: 'allowed',
          headers: [['Access-Control-Allow-Origin', origin], ...policy.actualHeaders],
          vary,
        }
      : { outcome: 'refused', refusal: originRefusal(origin, verdict), vary },
  );
}

const NOT_CORS: ActualDecision = Object.freeze({ outcome: 'not-cors', vary: undefined });

// The answer to any origin under a '*' policy never changes: build it once per policy.
const anyOriginDecisions = new WeakMap<CompiledCorsPolicy, ActualDecision>();
function anyOriginDecision(policy: CompiledCorsPolicy): ActualDecision {
  let decision = anyOriginDecisions.get(policy);
  if (decision === undefined) {
    decision = Object.freeze({
      outcome: 'allowed',
      headers: Object.freeze([
        ['Access-Control-Allow-Origin', '*'] as const,
        ...policy.actualHeaders,
      ]),
      vary: undefined,
    });
    anyOriginDecisions.set(policy, decision);
  }
  return decision;
}

export interface PreflightRequest {
  readonly origin: string;
  /** Access-Control-Request-Method, exactly as sent. */
  readonly method: string;
  /** Access-Control-Request-Headers, as one value or several header lines. */
  readonly headers?: string | readonly string[];
  /** Whether Access-Control-Request-Private-Network: true was sent. */
  readonly privateNetwork?: boolean;
}

/**
 * The methods routed at the requested path, used when the policy lists none.
 * Without it the policy falls back to what `app.enableCors()` allows.
 */
export interface RoutedMethods {
  has(method: string): boolean;
  /** The value of Access-Control-Allow-Methods for a preflight asking for `method`. */
  header(method: string): string;
}

const DEFAULT_METHODS = new Set(DEFAULT_ALLOWED_METHODS.split(','));
const DEFAULT_ROUTED_METHODS: RoutedMethods = {
  has: (method) => DEFAULT_METHODS.has(method),
  header: () => DEFAULT_ALLOWED_METHODS,
};

/**
 * Decides a preflight: status and headers when allowed; 403 and the reason
 * (origin, method, headers, private network) when not.
 */
export function decidePreflight(
  policy: CompiledCorsPolicy,
  preflight: PreflightRequest,
  request?: unknown,
  routed: RoutedMethods = DEFAULT_ROUTED_METHODS,
): PreflightDecision | Promise<PreflightDecision> {
  const vary = policy.staticAnyOrigin ? VARY_PREFLIGHT_ANY_ORIGIN : VARY_PREFLIGHT;
  const refuse = (refusal: CorsRefusal): PreflightDecision => ({
    outcome: 'refused',
    status: 403,
    refusal,
    vary,
  });
  if (!policy.enabled) return refuse({ reason: 'disabled', value: preflight.origin });
  return then(checkOrigin(policy, preflight.origin, request), (verdict): PreflightDecision => {
    if (verdict !== true) return refuse(originRefusal(preflight.origin, verdict));
    const { method } = preflight;
    const methodAllowed =
      SAFELISTED_METHODS.has(method) ||
      (policy.allowedMethods ? policy.allowedMethods.has(method) : routed.has(method));
    if (!methodAllowed || !isToken(method)) return refuse({ reason: 'method', value: method });

    const requested = parseHeaderList(preflight.headers);
    if (!requested.ok)
      return refuse({ reason: 'headers', value: joinHeaderLines(preflight.headers) });
    const allowed = policy.allowedHeaders;
    if (allowed !== undefined) {
      const denied = requested.names.filter((name) => !allowed.has(name));
      if (denied.length > 0) return refuse({ reason: 'headers', value: denied.join(',') });
    }
    if (preflight.privateNetwork && !policy.allowPrivateNetwork) {
      return refuse({ reason: 'private-network', value: 'true' });
    }

    const headers: HeaderPair[] = [
      ['Access-Control-Allow-Origin', allowOriginValue(policy, preflight.origin)],
      ['Access-Control-Allow-Methods', policy.allowMethodsHeader ?? routed.header(method)],
      ...policy.preflightHeaders,
    ];
    if (allowed === undefined && requested.joined !== '') {
      headers.push(['Access-Control-Allow-Headers', requested.joined]);
    }
    if (preflight.privateNetwork) headers.push(['Access-Control-Allow-Private-Network', 'true']);
    return {
      outcome: 'allowed',
      status: policy.optionsSuccessStatus,
      headers,
      vary,
      continue: policy.preflightContinue,
    };
  });
}

function joinHeaderLines(value: string | readonly string[] | undefined): string {
  return typeof value === 'string' ? value : (value ?? []).join(',');
}
