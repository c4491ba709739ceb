import type { CompiledCorsPolicy } from './compiled-policy.js';
import {
  allowedActual,
  type ActualDecision,
  type CorsRefusal,
  type HeaderPair,
  type PreflightDecision,
} from './cors-decision.js';
import { parseHeaderList } from './headers/header-list.js';
import { DEFAULT_ALLOWED_METHODS, SAFELISTED_METHODS, isToken } from './headers/http-token.js';
import { VARY_ACTUAL, VARY_PREFLIGHT, VARY_PREFLIGHT_ANY_ORIGIN } from './headers/vary.js';
import { askOriginFunction, type OriginVerdict } from './origin/origin-function.js';
import { listAllows, listAllowsBeyondExact, reflectAllows } from './origin/origin-matcher.js';

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
 * is allowed, the refusal otherwise, and the Vary tokens either way. Answers
 * that never change (`'*'`, an exact origin) are the policy's own, made when it
 * was compiled, as is `notCorsAnswer` for a request without Origin.
 */
export function decideActual(
  policy: CompiledCorsPolicy,
  origin: string,
  request?: unknown,
): ActualDecision | Promise<ActualDecision> {
  if (!policy.enabled)
    return { outcome: 'refused', refusal: { reason: 'disabled', value: origin }, vary: undefined };
  if (policy.anyOriginAnswer !== undefined) return policy.anyOriginAnswer;
  const ready = policy.exactOriginAnswers.get(origin);
  if (ready !== undefined) return ready;
  // The answers are keyed by the list's exact origins: looking the origin up
  // in the list again would repeat the miss.
  const verdict =
    policy.origin.kind === 'list'
      ? listAllowsBeyondExact(policy.origin, origin)
      : checkOrigin(policy, origin, request);
  return verdict instanceof Promise
    ? verdict.then((settled) => answerActual(policy, origin, settled))
    : answerActual(policy, origin, verdict);
}

function answerActual(
  policy: CompiledCorsPolicy,
  origin: string,
  verdict: OriginVerdict,
): ActualDecision {
  return verdict === true
    ? allowedActual(origin, policy.actualHeaders, VARY_ACTUAL)
    : { outcome: 'refused', refusal: originRefusal(origin, verdict), vary: VARY_ACTUAL };
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
 * The methods routed at the requested path, used when the policy lists none,
 * and which of them the answer may name.
 * Without it the policy falls back to what `app.enableCors()` allows.
 */
export interface RoutedMethods {
  has(method: string): boolean;
  /** The value of Access-Control-Allow-Methods for a preflight asking for `method`, when the policy lists none. */
  header(method: string): string;
  /**
   * Whether Access-Control-Allow-Methods names the requested method alone,
   * whatever the policy lists. A browser caches each method the answer names
   * for the URL, origin and credentials mode, with each header it allows, and
   * then sends them without a preflight of their own; where another method at
   * the path has other rules (origins, credentials, headers, methods), or no
   * route is known, naming it would skip its own preflight.
   */
  readonly requestedAlone?: boolean;
  /**
   * Whether an answer under `policy` must not be cached (Access-Control-Max-Age: 0):
   * a browser caches the request headers it allows for the URL, origin and
   * credentials mode, whatever the method, so where other routes at the path
   * have other rules, a cached answer would let a request past the route that
   * refuses it. Absent where every answer may be cached.
   */
  readonly uncacheable?: (policy: CompiledCorsPolicy) => boolean;
}

const DEFAULT_METHODS = new Set(DEFAULT_ALLOWED_METHODS.split(','));
export const DEFAULT_ROUTED_METHODS: RoutedMethods = {
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
  if (!policy.enabled)
    return refusePreflight(policy, { reason: 'disabled', value: preflight.origin });
  const verdict = checkOrigin(policy, preflight.origin, request);
  return verdict instanceof Promise
    ? verdict.then((settled) => answerPreflight(policy, preflight, routed, settled))
    : answerPreflight(policy, preflight, routed, verdict);
}

function answerPreflight(
  policy: CompiledCorsPolicy,
  preflight: PreflightRequest,
  routed: RoutedMethods,
  verdict: OriginVerdict,
): PreflightDecision {
  if (verdict !== true) return refusePreflight(policy, originRefusal(preflight.origin, verdict));
  const { method } = preflight;
  const { allowedMethods } = policy;
  const anyMethod = allowedMethods === 'any';
  const methodAllowed =
    SAFELISTED_METHODS.has(method) ||
    anyMethod ||
    (allowedMethods ? allowedMethods.has(method) : routed.has(method));
  if (!methodAllowed || !isToken(method))
    return refusePreflight(policy, { reason: 'method', value: method });

  const requested = parseHeaderList(preflight.headers);
  if (!requested.ok) {
    return refusePreflight(policy, {
      reason: 'headers',
      value: joinHeaderLines(preflight.headers),
    });
  }
  const allowed = policy.allowedHeaders;
  if (allowed !== undefined) {
    const denied = requested.names.filter((name) => !allowed.has(name));
    if (denied.length > 0)
      return refusePreflight(policy, { reason: 'headers', value: denied.join(',') });
  }
  if (preflight.privateNetwork && !policy.allowPrivateNetwork) {
    return refusePreflight(policy, { reason: 'private-network', value: 'true' });
  }

  const headers: HeaderPair[] = [
    ['Access-Control-Allow-Origin', allowOriginValue(policy, preflight.origin)],
    [
      'Access-Control-Allow-Methods',
      anyMethod || routed.requestedAlone
        ? method
        : (policy.allowMethodsHeader ?? routed.header(method)),
    ],
  ];
  const fixed =
    routed.uncacheable?.(policy) === true
      ? policy.uncachedPreflightHeaders
      : policy.preflightHeaders;
  for (let i = 0; i < fixed.length; i++) headers.push(fixed[i]);
  if (allowed === undefined && requested.joined !== '') {
    headers.push(['Access-Control-Allow-Headers', requested.joined]);
  }
  if (preflight.privateNetwork) headers.push(['Access-Control-Allow-Private-Network', 'true']);
  return {
    outcome: 'allowed',
    status: policy.optionsSuccessStatus,
    headers,
    vary: preflightVary(policy),
    continue: policy.preflightContinue,
  };
}

function refusePreflight(policy: CompiledCorsPolicy, refusal: CorsRefusal): PreflightDecision {
  return { outcome: 'refused', status: 403, refusal, vary: preflightVary(policy) };
}

function preflightVary(policy: CompiledCorsPolicy): string {
  return policy.staticAnyOrigin ? VARY_PREFLIGHT_ANY_ORIGIN : VARY_PREFLIGHT;
}

function joinHeaderLines(value: string | readonly string[] | undefined): string {
  return typeof value === 'string' ? value : (value ?? []).join(',');
}
