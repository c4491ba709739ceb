import FindMyWay from 'find-my-way';
import { match, type MatchFunction } from 'path-to-regexp';
import { patternKey, toRadixPaths } from './route-path.js';

/** How the adapter matches paths, so that the index finds what the adapter would. */
export interface PathMatching {
  readonly syntax: 'express' | 'fastify';
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
  readonly ignoreDuplicateSlashes: boolean;
  readonly maxParamLength: number;
}

/** The routes of one method at one path pattern, in registration order. */
export interface RouteSlot<T> {
  readonly method: string;
  readonly routes: T[];
  /** Every method's slot at the same pattern: what "the methods routed at that path" means. */
  readonly siblings: Map<string, RouteSlot<T>>;
}

type FindMyWayRouter = ReturnType<typeof FindMyWay>;
type FindMyWayMethod = Parameters<FindMyWayRouter['find']>[0];

const noop = () => undefined;

/**
 * Finds the routes of a method and path in time that does not grow with the
 * number of routes: a find-my-way radix tree, with a short ordered list of
 * path-to-regexp matchers behind it for paths the tree cannot hold.
 */
export class RouteIndex<T> {
  private readonly tree: FindMyWayRouter;
  private readonly slots = new Map<string, RouteSlot<T>>();
  private readonly patterns = new Map<string, Map<string, RouteSlot<T>>>();
  private readonly fallback: Array<{
    method: string;
    matches: MatchFunction<object>;
    slot: RouteSlot<T>;
  }> = [];
  private readonly methods = new Set<string>();

  constructor(private readonly matching: PathMatching) {
    this.tree = FindMyWay({
      caseSensitive: matching.caseSensitive,
      ignoreTrailingSlash: matching.ignoreTrailingSlash,
      ignoreDuplicateSlashes: matching.ignoreDuplicateSlashes,
      maxParamLength: matching.maxParamLength,
    });
  }

  /** Adds a route; `ALL` adds it under every method. */
  add(method: string, path: string, route: T): void {
    const radixPaths = toRadixPaths(path, this.matching.syntax);
    if (radixPaths === undefined || !this.addToTree(method, radixPaths, route)) {
      this.addToFallback(method, path, route);
    }
  }

  private addToTree(method: string, radixPaths: readonly string[], route: T): boolean {
    for (const radixPath of radixPaths) {
      const slot = this.slot(method, patternKey(radixPath));
      if (slot.routes.includes(route)) continue;
      slot.routes.push(route);
      if (slot.routes.length > 1) continue;
      try {
        if (method === 'ALL') this.tree.all(radixPath, noop, slot);
        else this.tree.on(method as FindMyWayMethod, radixPath, noop, slot);
      } catch {
        // A method find-my-way does not know, or a shape it rejects.
        slot.routes.pop();
        return false;
      }
    }
    return true;
  }

  private addToFallback(method: string, path: string, route: T): void {
    const slot = this.slot(method, `regexp:${path}`);
    slot.routes.push(route);
    if (slot.routes.length > 1) return;
    try {
      const matches = match(path, {
        sensitive: this.matching.caseSensitive,
        trailing: this.matching.ignoreTrailingSlash,
        decode: false,
      });
      this.fallback.push({ method, matches, slot });
    } catch {
      // Neither matcher can read the path: requests to it get the global policy.
    }
  }

  /** The slot a request for `method` and `url` (a query string is ignored) reaches, if any. */
  find(method: string, url: string): RouteSlot<T> | undefined {
    if (this.methods.has(method) || this.methods.has('ALL')) {
      const found = this.tree.find(method as FindMyWayMethod, url);
      if (found !== null) return found.store as RouteSlot<T>;
    }
    if (this.fallback.length > 0) {
      const path = url.split('?', 1)[0];
      for (const entry of this.fallback) {
        if ((entry.method === method || entry.method === 'ALL') && entry.matches(path))
          return entry.slot;
      }
    }
    return undefined;
  }

  private slot(method: string, pattern: string): RouteSlot<T> {
    const key = `${method} ${pattern}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      let siblings = this.patterns.get(pattern);
      if (siblings === undefined) this.patterns.set(pattern, (siblings = new Map()));
      slot = { method, routes: [], siblings };
      siblings.set(method, slot);
      this.slots.set(key, slot);
      this.methods.add(method);
    }
    return slot;
  }
}
