export { CorsModule } from './cors.module.js';
export { Cors } from './cors.decorator.js';
export { CorsInspector } from './diagnostics/cors-inspector.service.js';
export type {
  CorsExplainQuery,
  CorsExplanation,
  CorsPolicyDescription,
  CorsRouteDescription,
} from './diagnostics/cors-inspector.interfaces.js';
export { CorsConfigurationError } from './engine/index.js';
export type {
  CorsConfigurationProblem,
  CorsOrigin,
  CorsOriginEntry,
  CorsOriginFunction,
  CorsPolicyOptions,
} from './engine/index.js';
export type {
  CorsDecoratorOptions,
  CorsModuleAsyncOptions,
  CorsModuleOptions,
  CorsOptionsFactory,
} from './interfaces/cors-module-options.interface.js';
