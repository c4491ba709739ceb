import type { Provider } from '@nestjs/common';
import { CORS_MODULE_OPTIONS } from './cors.constants.js';
import { CorsConfigurationError, printable } from './engine/index.js';
import type {
  CorsModuleAsyncOptions,
  CorsModuleOptions,
  CorsOptionsFactory,
} from './interfaces/cors-module-options.interface.js';

/** The options provider of `forRoot()`: the options given, once checked. */
export function optionsProvider(options: CorsModuleOptions): Provider {
  return {
    provide: CORS_MODULE_OPTIONS,
    useFactory: () => checkedOptions('CorsModule.forRoot', 'the options are', options),
  };
}

/** The options providers of `forRootAsync()`: its factory's result, once checked. */
export function asyncOptionsProviders(options: CorsModuleAsyncOptions): Provider[] {
  const checked = async (built: CorsModuleOptions | Promise<CorsModuleOptions>) =>
    checkedOptions('CorsModule.forRootAsync', 'the options factory returned', await built);
  const { useFactory } = options;
  if (useFactory) {
    return [
      {
        provide: CORS_MODULE_OPTIONS,
        useFactory: (...args: never[]) => checked(useFactory(...args)),
        inject: options.inject ?? [],
      },
    ];
  }
  const factoryClass = options.useClass ?? options.useExisting;
  if (factoryClass === undefined) {
    throw new Error('CorsModule.forRootAsync() needs useFactory, useClass or useExisting');
  }
  const provider: Provider = {
    provide: CORS_MODULE_OPTIONS,
    useFactory: (factory: CorsOptionsFactory) => checked(factory.createCorsOptions()),
    inject: [factoryClass],
  };
  return options.useClass
    ? [provider, { provide: factoryClass, useClass: factoryClass }]
    : [provider];
}

const isOptionsObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The module options, or a configuration error at bootstrap for a value that
 * is no options object: null, a list (an empty one would otherwise mean the
 * defaults, which allow any origin), `policies` that are not an object of
 * option objects.
 */
function checkedOptions(entry: string, given: string, options: unknown): CorsModuleOptions {
  if (!isOptionsObject(options)) {
    const fix = Array.isArray(options)
      ? 'to list origins, give them as the origin option: { origin: [...] }'
      : `${entry === 'CorsModule.forRoot' ? 'pass' : 'return'} the options object ({} for the defaults)`;
    throw new CorsConfigurationError(
      'invalid-module-options',
      entry,
      `${given} ${printable(options)}, not an options object; ${fix}`,
    );
  }
  const { policies } = options;
  if (policies === undefined) return options;
  const location = `${entry}()`;
  const example = '{ partners: { origin: ["https://*.partner.example"] } }';
  if (!isOptionsObject(policies))
    throw new CorsConfigurationError(
      'invalid-option-type',
      'policies',
      `expected an object of named policies, such as ${example}; got ${printable(policies)}`,
      location,
    );
  for (const [name, policy] of Object.entries(policies))
    if (!isOptionsObject(policy))
      throw new CorsConfigurationError(
        'invalid-option-type',
        `policies.${name}`,
        `expected the policy's options, such as ${example}; got ${printable(policy)}`,
        location,
      );
  return options;
}
