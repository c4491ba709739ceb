import type { CompiledCorsPolicy } from './compiled-policy.js';
import {
  CorsConfigurationError,
  type CorsConfigurationWarning,
} from './cors-configuration.error.js';
import { allowedActual, type ActualDecision, type HeaderPair } from './cors-decision.js';
import type { CorsPolicyOptions } from './cors-policy-options.interface.js';
import { isToken, normalizeMethod, splitList } from './headers/http-token.js';
import { VARY_ACTUAL } from './headers/vary.js';
import { compileOrigin, type OriginFunctionOptions } from './origin/origin-matcher.js';
import { isLoopbackHost } from './origin/serialized-origin.js';
import { printable } from './printable.js';

export interface CompiledPolicyResult {
  readonly policy: CompiledCorsPolicy;
  /** Things that work but are probably mistakes, for the caller to log once. */
  readonly warnings: readonly CorsConfigurationWarning[];
}

/** Defaults that match `app.enableCors()` with no options. */
export const DEFAULT_POLICY_OPTIONS = {
  origin: '*',
  credentials: false,
  allowPrivateNetwork: false,
  preflightContinue: false,
  optionsSuccessStatus: 204,
} as const satisfies CorsPolicyOptions;

const KNOWN_OPTIONS = new Set<string>([
  'origin',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'credentials',
  'maxAge',
  'allowPrivateNetwork',
  'preflightContinue',
  'optionsSuccessStatus',
  'dangerouslyReflectAnyOriginWithCredentials',
  'originFunctionTimeout',
  'originCache',
]);

type ListOption = 'methods' | 'allowedHeaders' | 'exposedHeaders';

const NAME_EXAMPLES: Readonly<Record<ListOption, string>> = {
  methods: 'PUT',
  allowedHeaders: 'Content-Type',
  exposedHeaders: 'X-Request-Id',
};

function readList(options: CorsPolicyOptions, option: ListOption): string[] | undefined {
  const value = options[option];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && !Array.isArray(value)) {
    throw new CorsConfigurationError(
      'invalid-option-type',
      option,
      `expected a list of names or a comma-separated string, got ${typeof value}`,
    );
  }
  const at = Array.isArray(value) ? value.findIndex((item) => typeof item !== 'string') : -1;
  if (at >= 0) {
    throw new CorsConfigurationError(
      'invalid-option-type',
      option,
      `entry ${at} is ${printable(value[at])}; every entry is a name, such as "${NAME_EXAMPLES[option]}"`,
    );
  }
  return splitList(value);
}

function readBoolean(options: CorsPolicyOptions, option: keyof CorsPolicyOptions): boolean {
  const value = options[option] ?? false;
  if (typeof value !== 'boolean') {
    throw new CorsConfigurationError(
      'invalid-option-type',
      option,
      `expected true or false, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** An origin no allow-list means to let in: a RegExp that lets it in lets in any site. */
const ANY_SITE = 'https://any-site.invalid';
const matchesAnySite = (regExp: RegExp) => regExp.test(ANY_SITE);

function compileMethods(options: CorsPolicyOptions): ReadonlySet<string> | 'any' | undefined {
  const methods = readList(options, 'methods');
  if (methods === undefined) return undefined;
  for (const method of methods) {
    if (!isToken(method)) {
      throw new CorsConfigurationError(
        'invalid-method',
        'methods',
        `${JSON.stringify(method)} is not a method name; use names such as "GET", "PUT" or "PATCH"`,
      );
    }
  }
  // '*' is answered by echoing the requested method: that also works with
  // credentials, where a literal '*' is a method name browsers never send.
  if (methods.includes('*')) return 'any';
  return new Set(methods.map(normalizeMethod));
}

function compileHeaderNames(options: CorsPolicyOptions, option: ListOption): string[] | undefined {
  const names = readList(options, option);
  if (names === undefined) return undefined;
  for (const name of names) {
    if (!isToken(name)) {
      throw new CorsConfigurationError(
        'invalid-header-name',
        option,
        `${JSON.stringify(name)} is not a header name (letters, digits and !#$%&'*+-.^_\`|~ only)`,
      );
    }
  }
  return names;
}

function compileMaxAge(options: CorsPolicyOptions): string | undefined {
  const { maxAge } = options;
  if (maxAge === undefined) return undefined;
  if (typeof maxAge !== 'number' || !Number.isSafeInteger(maxAge) || maxAge < 0) {
    throw new CorsConfigurationError(
      'invalid-max-age',
      'maxAge',
      `${JSON.stringify(maxAge)} is not a whole number of seconds >= 0 (browsers cap it: Chromium at 7200, Firefox at 86400)`,
    );
  }
  return String(maxAge);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Node fires a longer timer after 1 ms instead. */
const LONGEST_TIMER = 2 ** 31 - 1;

function compileOriginFunctionOptions(options: CorsPolicyOptions): OriginFunctionOptions {
  const { originFunctionTimeout: timeout, originCache: cache } = options;
  if (timeout !== undefined && !(isPositiveInteger(timeout) && timeout <= LONGEST_TIMER)) {
    throw new CorsConfigurationError(
      'invalid-option-type',
      'originFunctionTimeout',
      `${JSON.stringify(timeout)} is not a whole number of milliseconds from 1 to ${LONGEST_TIMER}; the default is 1000`,
    );
  }
  if (cache !== undefined && !(isPositiveInteger(cache?.max) && isPositiveInteger(cache?.ttl))) {
    throw new CorsConfigurationError(
      'invalid-option-type',
      'originCache',
      `${JSON.stringify(cache)} needs a whole number max (entries) and ttl (milliseconds), both > 0, e.g. { max: 10000, ttl: 60000 }`,
    );
  }
  return { timeout, cache };
}

function compileSuccessStatus(options: CorsPolicyOptions): number {
  const status = options.optionsSuccessStatus ?? DEFAULT_POLICY_OPTIONS.optionsSuccessStatus;
  if (!Number.isInteger(status) || status < 200 || status > 299) {
    throw new CorsConfigurationError(
      'invalid-options-success-status',
      'optionsSuccessStatus',
      `${JSON.stringify(status)} is not an ok status: browsers fail any preflight answered outside 200-299; use 204 (or 200 for very old clients)`,
    );
  }
  return status;
}

function rejectUnknownOptions(options: CorsPolicyOptions): void {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new CorsConfigurationError(
        'invalid-option-type',
        key,
        `unknown option; the options are ${[...KNOWN_OPTIONS].join(', ')}`,
      );
    }
  }
}

/**
 * Validates options and compiles them into an immutable policy. Throws a
 * {@link CorsConfigurationError} naming the option, the value and the fix.
 */
export function compileCorsPolicy(input: CorsPolicyOptions = {}): CompiledPolicyResult {
  if (typeof input !== 'object' || input === null) {
    throw new CorsConfigurationError(
      'invalid-option-type',
      'options',
      'expected an object of CORS options',
    );
  }
  rejectUnknownOptions(input);
  const options: CorsPolicyOptions = { ...DEFAULT_POLICY_OPTIONS, ...ownCopy(input) };
  const origin = options.origin!;
  const credentials = readBoolean(options, 'credentials');
  const allowPrivateNetwork = readBoolean(options, 'allowPrivateNetwork');
  const preflightContinue = readBoolean(options, 'preflightContinue');
  const reflectWithCredentials = readBoolean(options, 'dangerouslyReflectAnyOriginWithCredentials');

  const validOriginType =
    typeof origin === 'boolean' ||
    typeof origin === 'string' ||
    typeof origin === 'function' ||
    origin instanceof RegExp ||
    Array.isArray(origin);
  if (!validOriginType) {
    throw new CorsConfigurationError(
      'invalid-option-type',
      'origin',
      `expected '*', true, false, an origin, a pattern, a RegExp, a list of these or a function, got ${typeof origin}`,
    );
  }
  const compiledOrigin = compileOrigin(origin, compileOriginFunctionOptions(options));
  const { matcher } = compiledOrigin;
  const warnings = [...compiledOrigin.warnings];

  if (credentials && matcher.kind === 'any') {
    throw new CorsConfigurationError(
      'credentials-with-any-origin',
      'origin',
      `'*' cannot be combined with credentials: true (browsers reject "Access-Control-Allow-Origin: *" on credentialed requests); list the origins that may send credentials, e.g. origin: ['https://app.example.com'], or set credentials: false where this policy is given (a @Cors() inherits credentials from the levels above)`,
    );
  }
  if (credentials && matcher.kind === 'reflect' && !reflectWithCredentials) {
    throw new CorsConfigurationError(
      'credentials-with-reflected-origin',
      'origin',
      "true with credentials: true lets every website make requests with your users' cookies and read the answers; list the trusted origins, or set dangerouslyReflectAnyOriginWithCredentials: true if that is really meant",
    );
  }
  if (allowPrivateNetwork && (matcher.kind === 'any' || matcher.kind === 'reflect')) {
    throw new CorsConfigurationError(
      'private-network-with-any-origin',
      'allowPrivateNetwork',
      `true with origin ${matcher.kind === 'any' ? "'*'" : 'true'} opens this private-network service to every public website; list the origins that may reach it`,
    );
  }
  if (credentials || allowPrivateNetwork) {
    // A RegExp that a made-up site passes lets every site in, as '*' would.
    const anySite = matcher.kind === 'list' ? matcher.regExps.find(matchesAnySite) : undefined;
    if (anySite !== undefined)
      warnings.push({
        option: 'origin',
        message: `the RegExp ${anySite} matches origins of any site (${ANY_SITE} passes it), and this policy ${credentials ? "sends credentials: every website could act with your users' cookies and read the answers" : 'allows private-network access: every website could reach this service'}; list the trusted origins`,
      });
  }

  const exposedHeaders = compileHeaderNames(options, 'exposedHeaders');
  if (credentials && exposedHeaders?.includes('*')) {
    throw new CorsConfigurationError(
      'exposed-wildcard-with-credentials',
      'exposedHeaders',
      "'*' is a literal header name on credentialed requests, not a wildcard; list the headers the page may read",
    );
  }

  if (credentials) {
    for (const listed of compiledOrigin.listed) {
      if (listed.scheme === 'http' && !isLoopbackHost(listed.host)) {
        warnings.push({
          option: 'origin',
          message: `http://${listed.host} is allowed with credentials: anyone on the network path can impersonate a plain-http origin and act with your users' cookies; use https`,
        });
      }
    }
  }

  const allowedMethods = compileMethods(options);
  if (allowedMethods instanceof Set) {
    for (const method of allowedMethods) {
      if (method !== method.toUpperCase())
        warnings.push({
          option: 'methods',
          message: `${JSON.stringify(method)} is not in capitals: browsers send it as written (they capitalise only DELETE, GET, HEAD, OPTIONS, POST and PUT) and Node's HTTP/1 parser refuses it with 400, so no request for it reaches a route; write ${JSON.stringify(method.toUpperCase())}`,
        });
    }
  }
  const allowedHeaderNames = compileHeaderNames(options, 'allowedHeaders');
  // '*' is answered by echoing the requested names: that also works with
  // credentials and covers Authorization, which a literal '*' never does.
  const reflectHeaders = allowedHeaderNames === undefined || allowedHeaderNames.includes('*');
  const maxAgeHeader = compileMaxAge(options);
  const optionsSuccessStatus = compileSuccessStatus(options);

  const actualHeaders: HeaderPair[] = [];
  if (credentials) actualHeaders.push(['Access-Control-Allow-Credentials', 'true']);
  if (exposedHeaders !== undefined && exposedHeaders.length > 0) {
    actualHeaders.push(['Access-Control-Expose-Headers', exposedHeaders.join(',')]);
  }
  const allowHeadersHeader = reflectHeaders ? undefined : allowedHeaderNames!.join(',');
  const allowMethodsHeader =
    allowedMethods === undefined || allowedMethods === 'any'
      ? undefined
      : [...allowedMethods].join(',');
  const preflightHeaders: HeaderPair[] = [];
  if (credentials) preflightHeaders.push(['Access-Control-Allow-Credentials', 'true']);
  if (allowHeadersHeader !== undefined && allowHeadersHeader !== '') {
    preflightHeaders.push(['Access-Control-Allow-Headers', allowHeadersHeader]);
  }
  // Where a cached answer could let a request past another route (see RoutedMethods.uncacheable).
  const uncachedPreflightHeaders: HeaderPair[] = [
    ...preflightHeaders,
    ['Access-Control-Max-Age', '0'],
  ];
  if (maxAgeHeader !== undefined) preflightHeaders.push(['Access-Control-Max-Age', maxAgeHeader]);
  const anyOriginAnswer =
    matcher.kind === 'any' ? sharedAnswer('*', actualHeaders, undefined) : undefined;

  const policy: CompiledCorsPolicy = {
    options: Object.freeze(options),
    enabled: matcher.kind !== 'none',
    origin: matcher,
    credentials,
    staticAnyOrigin: matcher.kind === 'any',
    allowedMethods,
    allowMethodsHeader,
    allowedHeaders: reflectHeaders
      ? undefined
      : new Set(allowedHeaderNames!.map((n) => n.toLowerCase())),
    allowHeadersHeader,
    maxAgeHeader,
    allowPrivateNetwork,
    preflightContinue,
    optionsSuccessStatus,
    actualHeaders: Object.freeze(actualHeaders),
    exactOriginAnswers: new Map(
      matcher.kind === 'list'
        ? [...matcher.exact].map((origin) => [
            origin,
            sharedAnswer(origin, actualHeaders, VARY_ACTUAL),
          ])
        : [],
    ),
    anyOriginAnswer,
    // '*' goes to requests without Origin too (the Fetch standard's advice): a
    // shared cache may hand a response it stored for one to a CORS request.
    notCorsAnswer:
      anyOriginAnswer ??
      Object.freeze({
        outcome: 'not-cors',
        vary: matcher.kind === 'none' ? undefined : VARY_ACTUAL,
      }),
    preflightHeaders: Object.freeze(preflightHeaders),
    uncachedPreflightHeaders: Object.freeze(uncachedPreflightHeaders),
  };
  return { policy: Object.freeze(policy), warnings };
}

/** An allowed answer every request with that origin gets: frozen, header list included. */
function sharedAnswer(
  allowOrigin: string,
  otherHeaders: readonly HeaderPair[],
  vary: string | undefined,
): ActualDecision {
  const answer = allowedActual(allowOrigin, otherHeaders, vary);
  if (answer.outcome === 'allowed') Object.freeze(answer.headers);
  return Object.freeze(answer);
}

/**
 * The options set, lists copied: the policy is compiled from what it was given
 * at that moment, and diagnostics describe it from this copy, whatever the
 * caller later does to a list it shares (an origin list other code adds to).
 */
function ownCopy(options: CorsPolicyOptions): CorsPolicyOptions {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options))
    if (value !== undefined) result[key] = Array.isArray(value) ? Object.freeze([...value]) : value;
  return result as CorsPolicyOptions;
}
