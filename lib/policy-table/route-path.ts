import { parse, type Token } from 'path-to-regexp';

/**
 * Converts a route path as an adapter registered it into the syntax of
 * find-my-way, the radix tree the policy table looks routes up in. Fastify paths
 * already are find-my-way paths; express 5 paths are path-to-regexp 8 paths,
 * whose optional groups become one find-my-way path per combination. Returns
 * undefined for the few shapes find-my-way cannot express (a wildcard before the
 * end, reserved characters), which are matched by path-to-regexp instead.
 */
export function toRadixPaths(path: string, syntax: 'express' | 'fastify'): string[] | undefined {
  if (syntax === 'fastify') return [path];
  let tokens: Token[];
  try {
    tokens = parse(path).tokens;
  } catch {
    return undefined;
  }
  const variants = expand(tokens, { next: 0 });
  if (variants === undefined) return undefined;
  return variants.every((variant) => !variant.slice(0, -1).includes('*')) ? variants : undefined;
}

function expand(tokens: readonly Token[], params: { next: number }): string[] | undefined {
  let variants = [''];
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
        // find-my-way reads "*" and "(" in static text as syntax; ":" is escaped as "::".
        if (/[*()]/.test(token.value)) return undefined;
        variants = variants.map((v) => v + token.value.replace(/:/g, '::'));
        break;
      case 'param': {
        const name = `:p${params.next++}`;
        variants = variants.map((v) => v + name);
        break;
      }
      case 'wildcard':
        variants = variants.map((v) => `${v}*`);
        break;
      case 'group': {
        const optional = expand(token.tokens, params);
        if (optional === undefined) return undefined;
        variants = variants.flatMap((v) => [v, ...optional.map((o) => v + o)]);
        break;
      }
    }
  }
  return variants.map((v) => (v === '' ? '/' : v));
}

/** Two registrations at the same pattern, whatever their parameter names, share this key. */
export function patternKey(radixPath: string): string {
  return radixPath.replace(/(^|[^:]):[A-Za-z0-9_]+/g, '$1:');
}
