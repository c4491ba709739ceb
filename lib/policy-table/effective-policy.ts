import type { CorsMetadata } from '../cors.decorator.js';
import { CorsConfigurationError, type CorsPolicyOptions } from '../engine/index.js';

/** Where a field of an effective policy was set. */
export type PolicyLevel = 'global' | `policy:${string}` | 'controller' | 'method';

export interface EffectivePolicy {
  /** The merged options; `origin: false` when CORS is off for the route. */
  readonly options: CorsPolicyOptions;
  /** For each field set, the most specific level that set it. */
  readonly sources: Readonly<Record<string, PolicyLevel>>;
}

/**
 * Combines, field by field, the global options, the named policy, the
 * controller's `@Cors` and the method's `@Cors`: a field set at a more specific
 * level replaces the less specific value (lists are replaced, not merged).
 * `@Cors(false)` switches CORS off at its level; a more specific `@Cors(...)`
 * switches it back on.
 */
export function resolveEffectivePolicy(
  globalOptions: CorsPolicyOptions,
  policies: Readonly<Record<string, CorsPolicyOptions>>,
  controllerMetadata: CorsMetadata | undefined,
  methodMetadata: CorsMetadata | undefined,
): EffectivePolicy {
  const options: Record<string, unknown> = {};
  const sources: Record<string, PolicyLevel> = {};
  const apply = (fields: object, level: PolicyLevel) => {
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || key === 'policy') continue;
      options[key] = value;
      sources[key] = level;
    }
  };

  apply(globalOptions, 'global');
  const decorators: Array<[CorsMetadata, PolicyLevel]> = [];
  if (controllerMetadata !== undefined && methodMetadata !== false)
    decorators.push([controllerMetadata, 'controller']);
  if (methodMetadata !== undefined) decorators.push([methodMetadata, 'method']);
  const mostSpecific = decorators.at(-1)?.[0];
  if (mostSpecific === false) return off(decorators.at(-1)![1]);

  const enabling = decorators.filter(
    (d): d is [Exclude<CorsMetadata, false>, PolicyLevel] => d[0] !== false,
  );
  const policyName = enabling
    .map(([d]) => d.policy)
    .filter((name) => name !== undefined)
    .at(-1);
  if (policyName !== undefined) {
    const named = Object.prototype.hasOwnProperty.call(policies, policyName)
      ? policies[policyName]
      : undefined;
    if (named === undefined) {
      const known = Object.keys(policies);
      throw new CorsConfigurationError(
        'unknown-policy',
        'policy',
        `no policy is named ${JSON.stringify(policyName)}; ${
          known.length > 0
            ? `the named policies are ${known.map((n) => JSON.stringify(n)).join(', ')}`
            : 'forRoot() defines no named policies'
        }. Add it to CorsModule.forRoot({ policies }) or fix the name.`,
      );
    }
    apply(named, `policy:${policyName}`);
  }
  for (const [metadata, level] of enabling) apply(metadata, level);

  if (enabling.length > 0 && options.origin === false && sources.origin === 'global') {
    throw new CorsConfigurationError(
      'no-origin',
      'origin',
      '@Cors() switches CORS on here, but nothing supplies an origin (the global policy has origin: false, for opt-in mode). Give one: @Cors({ origin: [...] }), or refer to a named policy that has one.',
    );
  }
  return { options: options as CorsPolicyOptions, sources };

  function off(level: PolicyLevel): EffectivePolicy {
    return { options: { ...options, origin: false }, sources: { ...sources, origin: level } };
  }
}
