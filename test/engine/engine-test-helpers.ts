import {
  type ActualDecision,
  type CompiledCorsPolicy,
  compileCorsPolicy,
  CorsConfigurationError,
  type CorsPolicyOptions,
  type HeaderPair,
  type PreflightDecision,
} from '../../lib/engine/index.js';

/** Compiles options that are expected to be valid. */
export function policyOf(options: CorsPolicyOptions = {}): CompiledCorsPolicy {
  return compileCorsPolicy(options).policy;
}

/** The value, or a thrown error when the engine answered asynchronously where it must not. */
export function sync<T>(value: T | Promise<T>): T {
  if (value instanceof Promise) throw new Error('expected a synchronous answer, got a promise');
  return value;
}

/** The headers as a record, after checking that no header name appears twice. */
export function headerRecord(headers: readonly HeaderPair[]): Record<string, string> {
  const names = headers.map(([name]) => name.toLowerCase());
  if (new Set(names).size !== names.length) {
    throw new Error(`a header appears twice: ${JSON.stringify(headers)}`);
  }
  return Object.fromEntries(headers);
}

/** Access-Control-Allow-Origin of a decision, undefined when it sends none. */
export function allowOriginOf(decision: ActualDecision | PreflightDecision): string | undefined {
  if (decision.outcome !== 'allowed') return undefined;
  return headerRecord(decision.headers)['Access-Control-Allow-Origin'];
}

/** The error compileCorsPolicy throws for the options, or a failure when it throws none. */
export function configurationErrorOf(options: unknown): CorsConfigurationError {
  try {
    compileCorsPolicy(options as CorsPolicyOptions);
  } catch (error) {
    if (error instanceof CorsConfigurationError) return error;
    throw new Error(`expected a CorsConfigurationError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected ${describeOptions(options)} to be refused`);
}

function describeOptions(options: unknown): string {
  return JSON.stringify(options, (_key, value: unknown) =>
    value instanceof RegExp ? String(value) : value,
  );
}

/**
 * Origin values that are not serialized origins, each close to
 * `https://app.example.com`, which every "allowing" policy in the tests admits.
 */
export const MALFORMED_ORIGINS: readonly string[] = [
  'https://app.example.com/',
  'https://app.example.com/path',
  'https://app.example.com?query',
  'https://app.example.com#fragment',
  'https://user@app.example.com',
  'https://user:secret@app.example.com',
  'https://app.example.com,https://evil.test',
  'https://app.example.com, https://app.example.com',
  'https://app.example.com https://evil.test',
  'https://app .example.com',
  ' https://app.example.com',
  'https://app.example.com ',
  'https://app.example.com\t',
  'https://app.example.com\n',
  'https://app.example.com:443',
  'http://app.example.com:80',
  'https://app.example.com:',
  'https://app.example.com:0443',
  'https://app.example.com:99999',
  'https://app.example.com.',
  'https://app..example.com',
  'https:/app.example.com',
  '//app.example.com',
  'app.example.com',
  'HTTPS://app.example.com',
  'https://',
  '',
  'null',
  'NULL',
];
