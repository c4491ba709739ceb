/**
 * A fixed string, not a Symbol or `Reflector.createDecorator`: two copies of the
 * library in one process (its ESM and CommonJS builds) then read each other's
 * `@Cors()` metadata.
 */
export const CORS_METADATA = 'nestjs-cors:cors';

export const CORS_MODULE_OPTIONS = Symbol('CORS_MODULE_OPTIONS');
