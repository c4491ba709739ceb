/**
 * The CORS engine: options in, compiled policies and decisions out. It knows
 * nothing of Nest, so it can be tested and benchmarked on its own.
 */
export type { CompiledCorsPolicy } from './compiled-policy.js';
export {
  compileCorsPolicy,
  DEFAULT_POLICY_OPTIONS,
  type CompiledPolicyResult,
} from './compile-policy.js';
export {
  CorsConfigurationError,
  type CorsConfigurationProblem,
  type CorsConfigurationWarning,
} from './cors-configuration.error.js';
export type {
  HeaderPair,
  ActualDecision,
  CorsRefusal,
  CorsRefusalReason,
  PreflightDecision,
} from './cors-decision.js';
export { describeRefusal, describeRefusalToClient } from './cors-decision.js';
export { printable } from './printable.js';
export { statelessCopy } from './stateless-regexp.js';
export type {
  CorsOrigin,
  CorsOriginEntry,
  CorsOriginFunction,
  CorsPolicyOptions,
} from './cors-policy-options.interface.js';
export {
  checkOrigin,
  decideActual,
  decidePreflight,
  DEFAULT_ROUTED_METHODS,
  type OriginVerdict,
  type PreflightRequest,
  type RoutedMethods,
} from './decide.js';
export { appendVary, VARY_ACTUAL } from './headers/vary.js';
export {
  DEFAULT_ALLOWED_METHODS,
  normalizeMethod,
  SAFELISTED_METHODS,
} from './headers/http-token.js';
