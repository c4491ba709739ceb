import type { PolicyLevel } from '../policy-table/effective-policy.js';

/** A policy as diagnostics show it: JSON-serialisable, functions and RegExps as text. */
export interface CorsPolicyDescription {
  readonly origin: string | boolean | readonly string[];
  readonly methods?: readonly string[];
  readonly allowedHeaders?: readonly string[];
  readonly exposedHeaders?: readonly string[];
  readonly credentials: boolean;
  readonly maxAge?: number;
  readonly allowPrivateNetwork: boolean;
  readonly preflightContinue: boolean;
  readonly optionsSuccessStatus: number;
  /** For each field set, where it came from: `global`, `policy:<name>`, `controller` or `method`. */
  readonly sources: Readonly<Record<string, PolicyLevel>>;
}

/** One registered route and its effective policy. */
export interface CorsRouteDescription {
  readonly method: string;
  /** The full path as registered (global prefix, version and RouterModule path included). */
  readonly path: string;
  /** The controller's `host` option, if any. */
  readonly host?: string;
  /** `Controller.method`, or null for a route registered on the adapter directly. */
  readonly handler: string | null;
  readonly policy: CorsPolicyDescription;
}

/** A request to explain: an actual request, or a preflight when `requestMethod` is given. */
export interface CorsExplainQuery {
  /** The request's method; for a preflight, `OPTIONS` (the default when `requestMethod` is set). */
  readonly method?: string;
  /** The request path, as the browser sends it (query string allowed). */
  readonly path: string;
  readonly origin?: string;
  /** Access-Control-Request-Method: makes this a preflight. */
  readonly requestMethod?: string;
  /** Access-Control-Request-Headers, comma-separated. */
  readonly requestHeaders?: string;
  /** The Host header, for host-bound controllers. */
  readonly host?: string;
}

export interface CorsExplanation {
  readonly kind: 'preflight' | 'actual';
  /** The route whose policy decided, e.g. `UsersController.remove (DELETE /api/users/:id)`, or the global policy. */
  readonly route: string;
  readonly policy: CorsPolicyDescription;
  readonly outcome: 'allowed' | 'refused' | 'not-cors';
  /** The status of a preflight answer. */
  readonly status?: number;
  /** The CORS headers the answer carries (Vary included). */
  readonly headers: Readonly<Record<string, string>>;
  /** The decision in plain words. */
  readonly reason: string;
}
