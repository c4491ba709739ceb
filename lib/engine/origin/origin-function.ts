import { LRUCache } from 'lru-cache';
import type { CorsOriginFunction } from '../cors-policy-options.interface.js';

/** An origin check: decided, or denied because the origin function failed. */
export type OriginVerdict = boolean | { readonly error: unknown };

export interface OriginFunctionMatcher {
  readonly kind: 'function';
  readonly allow: CorsOriginFunction;
  /** Milliseconds an asynchronous answer may take before the origin is denied. */
  readonly timeout: number;
  /** Answers already given, when `originCache` is set; bounded, so a flood of origins cannot grow it. */
  readonly cache: LRUCache<string, boolean> | undefined;
}

export const DEFAULT_ORIGIN_FUNCTION_TIMEOUT = 1000;

/**
 * Asks the origin function. Never throws and never leaves a rejection
 * unhandled: a throw, a rejection or an answer later than the timeout denies
 * the origin as `{ error }`, so the caller can log it.
 */
export function askOriginFunction(
  matcher: OriginFunctionMatcher,
  origin: string,
  request: unknown,
): OriginVerdict | Promise<OriginVerdict> {
  const cached = matcher.cache?.get(origin);
  if (cached !== undefined) return cached;
  let answer: unknown;
  try {
    answer = matcher.allow(origin, request);
  } catch (error) {
    return { error };
  }
  if (!isPromiseLike(answer)) return remember(matcher, origin, answer === true);
  return new Promise<OriginVerdict>((resolve) => {
    const timer = setTimeout(
      () =>
        resolve({
          error: new Error(`the origin function did not answer within ${matcher.timeout} ms`),
        }),
      matcher.timeout,
    );
    timer.unref?.();
    Promise.resolve(answer).then(
      (allowed) => {
        clearTimeout(timer);
        resolve(remember(matcher, origin, allowed === true));
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ error });
      },
    );
  });
}

function remember(matcher: OriginFunctionMatcher, origin: string, allowed: boolean): boolean {
  matcher.cache?.set(origin, allowed);
  return allowed;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
