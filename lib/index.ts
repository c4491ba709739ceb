export { CorsConfigurationError } from './engine/index.js';
export type {
  CorsConfigurationProblem,
  CorsConfigurationWarning,
  CorsOrigin,
  CorsOriginEntry,
  CorsOriginFunction,
  CorsPolicyOptions,
} from './engine/index.js';
