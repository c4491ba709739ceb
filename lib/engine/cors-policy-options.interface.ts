/**
 * Decides whether an origin is allowed, per request. Receives only well-formed
 * serialized origins (never `null`, never a malformed value) and the framework's
 * request object. Throwing or rejecting denies the origin for that request.
 *
 * @example
 * origin: async (origin) => tenants.isRegistered(origin)
 */
export type CorsOriginFunction = (origin: string, request: unknown) => boolean | Promise<boolean>;

/**
 * One allowed-origin entry: an exact serialized origin (`https://app.example.com`),
 * a wildcard pattern (`https://*.example.com`, `http://localhost:*`) or a RegExp
 * tested against the serialized origin.
 */
export type CorsOriginEntry = string | RegExp;

/**
 * Which origins a policy allows:
 * - `'*'`: any origin, answered with `Access-Control-Allow-Origin: *`;
 * - `true`: any well-formed origin except `null`, echoed back;
 * - `false`: CORS off;
 * - an entry or a list of entries (see {@link CorsOriginEntry});
 * - a function (see {@link CorsOriginFunction}).
 */
export type CorsOrigin =
  boolean | CorsOriginEntry | readonly CorsOriginEntry[] | CorsOriginFunction;

/**
 * The options of one CORS policy. The names are those of Nest's own `CorsOptions`,
 * so the options given to `app.enableCors()` carry over unchanged.
 */
export interface CorsPolicyOptions {
  /** Allowed origins. Default `'*'`. */
  origin?: CorsOrigin;
  /**
   * Allowed methods for preflights, as a list or a comma-separated string; `'*'`
   * allows any method (the requested one is echoed, which also works with
   * credentials). Default: the methods routed at the requested path.
   */
  methods?: string | readonly string[];
  /** Allowed request headers, or `'*'`. Default: the requested headers are reflected. */
  allowedHeaders?: string | readonly string[];
  /** Response headers the page may read (`Access-Control-Expose-Headers`). Default none. */
  exposedHeaders?: string | readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Default `false`. */
  credentials?: boolean;
  /** Seconds a browser may cache a preflight answer. Default: no header (browsers use 5 s). */
  maxAge?: number;
  /** Answer Private Network Access preflights with `Access-Control-Allow-Private-Network: true`. */
  allowPrivateNetwork?: boolean;
  /** Set the preflight headers, then pass the request on to the app's own OPTIONS route. */
  preflightContinue?: boolean;
  /** Status of an allowed preflight, 200-299. Default `204`. */
  optionsSuccessStatus?: number;
  /**
   * Milliseconds an origin function may take; a later answer denies the origin
   * for that request. Default `1000`.
   */
  originFunctionTimeout?: number;
  /**
   * Remembers an origin function's answers per origin, at most `max` of them for
   * `ttl` milliseconds each: for functions that look origins up in a database.
   * Bounded, so a flood of distinct origins cannot grow memory. Default: no cache.
   */
  originCache?: {
    /** How many origins' answers are kept at most. */
    max: number;
    /** How long, in milliseconds, an answer is kept. */
    ttl: number;
  };
  /**
   * Allows `origin: true` together with `credentials: true`: every site on the web
   * may then make credentialed requests and read the answers. Only for development
   * or for APIs that are truly public per user; the name is meant to be noticed.
   */
  dangerouslyReflectAnyOriginWithCredentials?: boolean;
}
