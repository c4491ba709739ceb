/** What a configuration problem concerns, for code that reacts to a specific one. */
export type CorsConfigurationProblem =
  | 'invalid-origin'
  | 'null-origin'
  | 'invalid-origin-pattern'
  | 'credentials-with-any-origin'
  | 'credentials-with-reflected-origin'
  | 'private-network-with-any-origin'
  | 'exposed-wildcard-with-credentials'
  | 'invalid-max-age'
  | 'invalid-method'
  | 'invalid-header-name'
  | 'invalid-options-success-status'
  | 'invalid-option-type'
  | 'no-origin'
  | 'unknown-policy'
  | 'invalid-module-options'
  | 'imported-twice'
  | 'misplaced-decorator';

/** Problems that are no option's fault: their message names the entry point (`CorsModule.forRoot`, `@Cors`) alone. */
const NO_OPTION_AT_FAULT: ReadonlySet<CorsConfigurationProblem> = new Set([
  'invalid-module-options',
  'imported-twice',
  'misplaced-decorator',
]);

/**
 * Thrown when a CORS policy cannot be compiled. The message names the option,
 * the bad value and the fix; when thrown at bootstrap it also names the route.
 *
 * @example
 * try { await app.init() } catch (e) { if (e instanceof CorsConfigurationError) console.error(e.option) }
 */
export class CorsConfigurationError extends Error {
  /** Always `CorsConfigurationError`. */
  override readonly name = 'CorsConfigurationError';

  constructor(
    /** The kind of problem. */
    readonly problem: CorsConfigurationProblem,
    /** The option at fault, e.g. `origin` or `policies.partners.maxAge`; for a problem no option causes, the entry point (`CorsModule.forRoot`, `@Cors`). */
    readonly option: string,
    /** What is wrong and how to fix it. */
    readonly detail: string,
    /** Where the policy applies, e.g. `UsersController.remove (DELETE /api/users/:id)`. */
    readonly location?: string,
  ) {
    const subject = NO_OPTION_AT_FAULT.has(problem) ? option : `invalid CORS option "${option}"`;
    super(`${location ? `${location}: ` : ''}${subject}: ${detail}`);
  }

  /** The same error, placed at a route or a named policy. */
  at(location: string): CorsConfigurationError {
    return new CorsConfigurationError(this.problem, this.option, this.detail, location);
  }
}

/** A configuration that works but is probably not what was meant. */
export interface CorsConfigurationWarning {
  /** The option concerned. */
  readonly option: string;
  /** What is probably wrong, and the fix. */
  readonly message: string;
}
