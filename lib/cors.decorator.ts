import { SetMetadata } from '@nestjs/common';
import { CORS_METADATA } from './cors.constants.js';
import type { CorsDecoratorOptions } from './interfaces/cors-module-options.interface.js';

/** What `@Cors()` stores: `false` switches CORS off, anything else switches it on. */
export type CorsMetadata = false | CorsDecoratorOptions;

/**
 * Sets the CORS policy of a controller or a route. Only writes metadata; the
 * policy table reads it once at bootstrap.
 *
 * @example
 * @Cors()                                      // on, with the global policy
 * @Cors({ origin: ['https://a.example'] })     // override fields here
 * @Cors('partners')                            // a named policy from forRoot({ policies })
 * @Cors({ policy: 'partners', maxAge: 60 })    // a named policy plus overrides
 * @Cors(false)                                 // no CORS here
 */
export function Cors(
  policy?: string | false | CorsDecoratorOptions,
): ClassDecorator & MethodDecorator {
  const metadata: CorsMetadata =
    policy === false ? false : typeof policy === 'string' ? { policy } : { ...policy };
  return SetMetadata(CORS_METADATA, metadata);
}
