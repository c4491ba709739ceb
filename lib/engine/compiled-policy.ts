import type { CorsPolicyOptions } from './cors-policy-options.interface.js';
import type { ActualDecision, HeaderPair } from './cors-decision.js';
import type { OriginMatcher } from './origin/origin-matcher.js';

/**
 * A validated policy with every header value it can send worked out in advance.
 * Immutable; the request path only looks things up in it.
 */
export interface CompiledCorsPolicy {
  /** The options it was compiled from, after defaults, for diagnostics. */
  readonly options: Readonly<CorsPolicyOptions>;
  /** False when `origin: false`: no CORS headers, preflights refused. */
  readonly enabled: boolean;
  readonly origin: OriginMatcher;
  readonly credentials: boolean;
  /** Whether Access-Control-Allow-Origin is a constant `*`, so responses need no `Vary: Origin`. */
  readonly staticAnyOrigin: boolean;
  /**
   * Configured methods; `'any'` (from `'*'`) echoes the requested method;
   * undefined means "the methods routed at the path".
   */
  readonly allowedMethods: ReadonlySet<string> | 'any' | undefined;
  readonly allowMethodsHeader: string | undefined;
  /** Lowercase configured header names; undefined means "reflect what was requested". */
  readonly allowedHeaders: ReadonlySet<string> | undefined;
  readonly allowHeadersHeader: string | undefined;
  readonly maxAgeHeader: string | undefined;
  readonly allowPrivateNetwork: boolean;
  readonly preflightContinue: boolean;
  readonly optionsSuccessStatus: number;
  /** Headers of an allowed actual request other than Access-Control-Allow-Origin. */
  readonly actualHeaders: readonly HeaderPair[];
  /** The allowed answer to each exact origin, and to any origin under `'*'`: made once, not per request. */
  readonly exactOriginAnswers: ReadonlyMap<string, ActualDecision>;
  readonly anyOriginAnswer: ActualDecision | undefined;
  /** The answer to a request without Origin: `anyOriginAnswer` where there is one, else no headers. */
  readonly notCorsAnswer: ActualDecision;
  /** Headers of an allowed preflight that never depend on the request. */
  readonly preflightHeaders: readonly HeaderPair[];
  /** The same with `Access-Control-Max-Age: 0` in place of the policy's own. */
  readonly uncachedPreflightHeaders: readonly HeaderPair[];
}
