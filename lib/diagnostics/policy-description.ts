import type { CompiledCorsPolicy, CorsOrigin, CorsRefusal } from '../engine/index.js';
import { describeRefusal } from '../engine/index.js';
import type { RoutePolicy } from '../policy-table/policy-table.js';
import type { CorsPolicyDescription } from './cors-inspector.interfaces.js';

function describeOriginOption(origin: CorsOrigin | undefined): CorsPolicyDescription['origin'] {
  if (typeof origin === 'function') return '[function]';
  if (typeof origin === 'boolean') return origin;
  if (Array.isArray(origin)) return origin.map(String);
  return String(origin ?? '*');
}

const list = (value: string | readonly string[] | undefined) =>
  value === undefined
    ? undefined
    : typeof value === 'string'
      ? value.split(',').map((v) => v.trim())
      : [...value];

export function describePolicy(route: RoutePolicy): CorsPolicyDescription {
  const { options, credentials, allowPrivateNetwork, preflightContinue, optionsSuccessStatus } =
    route.policy;
  return {
    origin: describeOriginOption(options.origin),
    ...(options.methods !== undefined && { methods: list(options.methods) }),
    ...(options.allowedHeaders !== undefined && { allowedHeaders: list(options.allowedHeaders) }),
    ...(options.exposedHeaders !== undefined && { exposedHeaders: list(options.exposedHeaders) }),
    credentials,
    ...(options.maxAge !== undefined && { maxAge: options.maxAge }),
    allowPrivateNetwork,
    preflightContinue,
    optionsSuccessStatus,
    sources: route.sources,
  };
}

/** Which origins a policy allows, in words. */
export function describeAllowedOrigins(policy: CompiledCorsPolicy): string {
  const origin = describeOriginOption(policy.options.origin);
  if (origin === '*') return "any origin ('*')";
  if (origin === true) return 'any well-formed origin (true)';
  if (origin === false) return 'none (CORS is off)';
  if (origin === '[function]') return 'whatever the origin function decides';
  return Array.isArray(origin) ? (origin.length > 0 ? origin.join(', ') : 'none') : String(origin);
}

/** A refusal in plain words, with what the route would have accepted. */
export function explainRefusal(refusal: CorsRefusal, route: RoutePolicy): string {
  const { policy } = route;
  const what = `${describeRefusal(refusal)} for ${route.location}`;
  switch (refusal.reason) {
    case 'origin':
      return `${what}; allowed: ${describeAllowedOrigins(policy)}`;
    case 'method':
      return `${what}; allowed: ${allowedMethodsText(policy)}`;
    case 'headers':
      return `${what}; allowed: ${policy.allowHeadersHeader ?? 'any requested header'}`;
    default:
      return what;
  }
}

function allowedMethodsText(policy: CompiledCorsPolicy): string {
  if (policy.allowedMethods === 'any') return 'any method name';
  return policy.allowMethodsHeader ?? 'the methods routed at this path';
}
