import { parse, type Token } from 'path-to-regexp';

/** One way a registered path can match: its find-my-way path, and the same in the adapter's syntax. */
export interface PathVariant {
  readonly radixPath: string;
  /** For express, a path-to-regexp path without optional groups; for fastify, the path itself. */
  readonly pattern: string;
}

/**
 * Converts a route path as an adapter registered it into the syntax of
 * find-my-way, the radix tree the policy table looks routes up in. Fastify paths
 * already are find-my-way paths; express 5 paths are path-to-regexp 8 paths,
 * whose optional groups become one variant per combination. Returns undefined
 * for the few shapes find-my-way cannot express (a wildcard before the end,
 * reserved characters), which are matched by path-to-regexp instead.
 */
export function toPathVariants(
  path: string,
  syntax: 'express' | 'fastify',
  trailingSlashOptional: boolean,
): PathVariant[] | undefined {
  if (syntax === 'fastify') return [{ radixPath: path, pattern: path }];
  let tokens: Token[];
  try {
    tokens = parse(trailingSlashOptional ? loosen(path) : path).tokens;
  } catch {
    return undefined;
  }
  const variants = expand(tokens, { next: 0 });
  if (variants === undefined) return undefined;
  const complete = variants.map(({ radixPath, pattern }) => ({
    radixPath: radixPath === '' ? '/' : radixPath,
    pattern,
  }));
  return complete.every(({ radixPath }) => !radixPath.slice(0, -1).includes('*'))
    ? complete
    : undefined;
}

/** What express's router matches when trailing slashes are optional: the path without its own. */
export function loosen(path: string): string {
  return path === '/' ? path : path.replace(/\/+$/, '');
}

/** Characters path-to-regexp reads as syntax in static text. */
const RESERVED = /[{}()[\]+?!:*\\"]/g;

function expand(tokens: readonly Token[], params: { next: number }): PathVariant[] | undefined {
  let variants: PathVariant[] = [{ radixPath: '', pattern: '' }];
  const append = (radixPath: string, pattern: string) => {
    variants = variants.map((v) => concat(v, { radixPath, pattern }));
  };
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
        // find-my-way reads "*" and "(" in static text as syntax (":" is escaped
        // as "::"), and compares "%" with the decoded request path, where express
        // compares it with the path as sent.
        if (/[*()%]/.test(token.value)) return undefined;
        append(token.value.replace(/:/g, '::'), token.value.replace(RESERVED, '\\$&'));
        break;
      case 'param': {
        const name = `p${params.next++}`;
        append(`:${name}`, `:${name}`);
        break;
      }
      case 'wildcard':
        append('*', `*w${params.next++}`);
        break;
      case 'group': {
        const optional = expand(token.tokens, params);
        if (optional === undefined) return undefined;
        variants = variants.flatMap((v) => [v, ...optional.map((o) => concat(v, o))]);
        break;
      }
    }
  }
  return variants;
}

/** Two registrations at the same pattern, whatever their parameter names, share this key. */
export function patternKey(radixPath: string): string {
  return radixPath.replace(/(^|[^:]):[A-Za-z0-9_]+/g, '$1:');
}

/** The same for a path matched whole by path-to-regexp: its parameter and wildcard names dropped. */
export function matcherKey(path: string): string {
  return path.replace(/(^|[^\\])([:*])(?:[A-Za-z_$][\w$]*|"(?:[^"\\]|\\.)*")/g, '$1$2');
}

function concat(head: PathVariant, tail: PathVariant): PathVariant {
  return { radixPath: head.radixPath + tail.radixPath, pattern: head.pattern + tail.pattern };
}
