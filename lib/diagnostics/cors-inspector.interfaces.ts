/** A policy as diagnostics show it: JSON-serialisable, functions and RegExps as text. */
export interface CorsPolicyDescription {
  /** `'*'`, `true`, `false`, the list of origins, patterns and RegExps (as text), or `'[function]'`. */
  readonly origin: string | boolean | readonly string[];
  /** The configured methods; absent when the methods routed at the path apply. */
  readonly methods?: readonly string[];
  /** The configured request headers; absent when the requested ones are reflected. */
  readonly allowedHeaders?: readonly string[];
  /** Response headers the page may read. */
  readonly exposedHeaders?: readonly string[];
  /** Whether Access-Control-Allow-Credentials is sent. */
  readonly credentials: boolean;
  /** Seconds a preflight answer may be cached, when set. */
  readonly maxAge?: number;
  /** Whether Private Network Access preflights are allowed. */
  readonly allowPrivateNetwork: boolean;
  /** Whether allowed preflights go on to the app's own OPTIONS route. */
  readonly preflightContinue: boolean;
  /** The status of an allowed preflight. */
  readonly optionsSuccessStatus: number;
  /** For each field set, where it came from: `global`, `policy:<name>`, `controller` or `method`. */
  readonly sources: Readonly<Record<string, string>>;
}

/** One registered route and its effective policy. */
export interface CorsRouteDescription {
  /** Uppercase method, or `ALL` for `@All()`. */
  readonly method: string;
  /** The full path as registered (global prefix, version and RouterModule path included). */
  readonly path: string;
  /** The controller's `host` option, if any. */
  readonly host?: string;
  /** `Controller.method`, or null for a route registered on the adapter directly. */
  readonly handler: string | null;
  /** Its effective policy. */
  readonly policy: CorsPolicyDescription;
}

/** A request to explain: an actual request, or a preflight when `requestMethod` is given (and `method`, if set, is `OPTIONS`). */
export interface CorsExplainQuery {
  /** The request's method, in capitals; for a preflight, `OPTIONS` (the default when `requestMethod` is set). */
  readonly method?: string;
  /** The request path, as the browser sends it (query string allowed). */
  readonly path: string;
  /** The Origin header; without it the request is not a CORS request. */
  readonly origin?: string;
  /** Access-Control-Request-Method: makes this a preflight. */
  readonly requestMethod?: string;
  /** Access-Control-Request-Headers, comma-separated. */
  readonly requestHeaders?: string;
  /** The Host header, for host-bound controllers. */
  readonly host?: string;
  /** Whether the preflight carries Access-Control-Request-Private-Network: true. */
  readonly privateNetwork?: boolean;
}

/** What the library decides for a request, and why. */
export interface CorsExplanation {
  /** A preflight, or an actual request. */
  readonly kind: 'preflight' | 'actual';
  /** The route whose policy decided, e.g. `UsersController.remove (DELETE /api/users/:id)`, or the global policy. */
  readonly route: string;
  /** That route's effective policy. */
  readonly policy: CorsPolicyDescription;
  /** Allowed, refused, or no CORS at all (no Origin). */
  readonly outcome: 'allowed' | 'refused' | 'not-cors';
  /** The status of a preflight answer; absent where `preflightContinue` hands it to the app's own OPTIONS route. */
  readonly status?: number;
  /** The CORS headers the answer carries (Vary included). */
  readonly headers: Readonly<Record<string, string>>;
  /** The decision in plain words. */
  readonly reason: string;
}
