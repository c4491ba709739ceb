import { printable } from './printable.js';

/** A response header a decision sets, name and value. */
export type HeaderPair = readonly [name: string, value: string];

/** What made a request fail the policy. */
export type CorsRefusalReason = 'origin' | 'method' | 'headers' | 'private-network' | 'disabled';

export interface CorsRefusal {
  readonly reason: CorsRefusalReason;
  /** The request value at fault (the origin, the method, the header names), as sent. */
  readonly value: string;
  /** What an origin function threw or rejected with, when that denied the origin. */
  readonly error?: unknown;
}

export type ActualDecision =
  | {
      readonly outcome: 'allowed';
      readonly headers: readonly HeaderPair[];
      readonly vary: string | undefined;
    }
  | {
      readonly outcome: 'refused';
      readonly refusal: CorsRefusal;
      readonly vary: string | undefined;
    }
  /** No Origin header: nothing to add but, when the answer depends on Origin, Vary. */
  | { readonly outcome: 'not-cors'; readonly vary: string | undefined };

/** An allowed actual-request answer: Access-Control-Allow-Origin, then the policy's other headers. */
export function allowedActual(
  allowOrigin: string,
  otherHeaders: readonly HeaderPair[],
  vary: string | undefined,
): ActualDecision {
  return {
    outcome: 'allowed',
    headers: [['Access-Control-Allow-Origin', allowOrigin], ...otherHeaders],
    vary,
  };
}

export type PreflightDecision =
  | {
      readonly outcome: 'allowed';
      readonly status: number;
      readonly headers: readonly HeaderPair[];
      readonly vary: string;
      /** Pass the request on to the app's own OPTIONS route after setting the headers. */
      readonly continue: boolean;
    }
  | {
      readonly outcome: 'refused';
      readonly status: 403;
      readonly refusal: CorsRefusal;
      readonly vary: string;
    };

/** Request values are the client's: quote at most 64 characters of one, so a refusal stays short. */
function quote(value: string): string {
  return value.length > 64
    ? `${JSON.stringify(value.slice(0, 64))}... (${value.length} characters)`
    : JSON.stringify(value);
}

const REFUSAL_TEXT: Readonly<Record<CorsRefusalReason, (value: string) => string>> = {
  origin: (value) => `origin ${quote(value)} is not allowed`,
  method: (value) => `method ${quote(value)} is not allowed`,
  headers: (value) => `request header(s) ${quote(value)} not allowed`,
  'private-network': () => 'private network access is not allowed',
  disabled: () => 'CORS is disabled for this route',
};

/**
 * The refusal as the client may read it (the 403 body): what its request asked
 * for. Never what an origin function threw, which may name the app's internals.
 */
export function describeRefusalToClient(refusal: CorsRefusal): string {
  return REFUSAL_TEXT[refusal.reason](refusal.value);
}

/** The refusal in plain words for the app's logs and diagnostics, with what an origin function threw. */
export function describeRefusal(refusal: CorsRefusal): string {
  const text = describeRefusalToClient(refusal);
  return refusal.error === undefined
    ? text
    : `${text} (the origin function failed: ${printable(refusal.error)})`;
}
