import { METHODS } from 'node:http';
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
  /** The methods an `ALL` route serves; undefined for every method Node knows (express). */
  readonly allMethods?: readonly string[];
}

/** The routes of one method at one path pattern, in registration order. */
export interface RouteSlot<T> {
  readonly method: string;
  readonly routes: T[];
  /** Every method's slot at the same pattern: what "the methods routed at that path" means. */
  readonly siblings: Map<string, RouteSlot<T>>;
  /** When its first route was registered: express serves the earliest route that matches. */
  readonly order: number;
}

type FindMyWayRouter = ReturnType<typeof FindMyWay>;
type FindMyWayMethod = Parameters<FindMyWayRouter['find']>[0];

interface PatternRoute<T> {
  readonly method: string;
  readonly matches: MatchFunction<object>;
  readonly slot: RouteSlot<T>;
}

const noop = () => undefined;

/**
 * Finds the routes of a method and path in time that does not grow with the
 * number of routes: a find-my-way radix tree, with a short ordered list of
 * path-to-regexp matchers behind it for paths the tree cannot hold.
 *
 * find-my-way ranks static over parametric over wildcard, as fastify does.
 * Express serves the first registered route that matches instead; `seal()`
 * finds the static paths an earlier parametric route takes on express.
 */
export class RouteIndex<T> {
  private readonly tree: FindMyWayRouter;
  private readonly slots = new Map<string, RouteSlot<T>>();
  private readonly patterns = new Map<string, Map<string, RouteSlot<T>>>();
  private readonly fallback: PatternRoute<T>[] = [];
  private readonly methods = new Set<string>();
  /** Static slots whose requests an earlier express route serves. */
  private readonly shadows = new Map<RouteSlot<T>, RouteSlot<T>>();
  private readonly registrations: Array<{ method: string; path: string; slots: RouteSlot<T>[] }> =
    [];
  /** Static paths by method, each with the slot the tree finds for it: one Map lookup instead of a tree walk. */
  private readonly staticPaths = new Map<string, Map<string, RouteSlot<T>>>();

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
    const slots =
      (radixPaths && this.addToTree(method, radixPaths, route)) ??
      this.addToFallback(method, path, route);
    this.registrations.push({ method, path, slots });
  }

  /**
   * The slot a request for `method` and `url` (a query string is ignored)
   * reaches, if any. HEAD is also served by GET routes: on express by whichever
   * was registered first, on fastify by GET only when no HEAD route exists.
   */
  find(method: string, url: string): RouteSlot<T> | undefined {
    if (method !== 'HEAD') return this.lookup(method, url);
    const head = this.lookup('HEAD', url);
    const get = this.lookup('GET', url);
    if (head === undefined || get === undefined) return head ?? get;
    return this.matching.syntax === 'express' && get.order < head.order ? get : head;
  }

  private lookup(method: string, url: string): RouteSlot<T> | undefined {
    const staticPaths = this.staticPaths.get(method);
    if (staticPaths !== undefined) {
      const query = url.indexOf('?');
      const slot = staticPaths.get(query < 0 ? url : url.slice(0, query));
      if (slot !== undefined) return slot;
    }
    if (this.methods.has(method) || this.methods.has('ALL')) {
      const found = this.tree.find(method as FindMyWayMethod, url);
      if (found !== null) {
        const slot = found.store as RouteSlot<T>;
        return this.shadows.size === 0 ? slot : (this.shadows.get(slot) ?? slot);
      }
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

  /** Call once all routes are added. */
  seal(): void {
    if (this.matching.syntax === 'express') this.findExpressShadows();
    this.indexStaticPaths();
    // Only sealing reads them: with 10,000 routes they would hold megabytes.
    this.registrations.splice(0);
  }

  /**
   * Most requests are for static paths. A request path equal to one of them
   * reaches what the tree finds for that same string (nothing in it for the
   * tree to decode or strip), so the answer is looked up once here.
   */
  private indexStaticPaths(): void {
    for (const [path, slots] of this.patterns) {
      if (/[:*%#;?]/.test(path)) continue;
      for (const [method, slot] of slots) {
        if (method === 'ALL') continue;
        const found = this.tree.find(method as FindMyWayMethod, path);
        if (found === null || found.store !== slot) continue;
        let paths = this.staticPaths.get(method);
        if (paths === undefined) this.staticPaths.set(method, (paths = new Map()));
        paths.set(path, this.shadows.get(slot) ?? slot);
      }
    }
  }

  private addToTree(
    method: string,
    radixPaths: readonly string[],
    route: T,
  ): RouteSlot<T>[] | undefined {
    const slots: RouteSlot<T>[] = [];
    for (const radixPath of radixPaths) {
      const slot = this.slot(method, patternKey(radixPath));
      slots.push(slot);
      if (slot.routes.includes(route)) continue;
      slot.routes.push(route);
      if (slot.routes.length > 1) continue;
      const methods = method === 'ALL' ? (this.matching.allMethods ?? METHODS) : [method];
      let registered = 0;
      for (const each of methods) if (this.register(each, radixPath, slot)) registered++;
      if (registered === 0) {
        slot.routes.pop();
        return undefined;
      }
    }
    return slots;
  }

  /**
   * One method at a time, so that under `ALL` a method an earlier route holds
   * at the same path stays with it (express serves the earliest route) while
   * the others register. False for a method find-my-way does not know, one
   * already held, or a shape it rejects.
   */
  private register(method: string, radixPath: string, slot: RouteSlot<T>): boolean {
    try {
      this.tree.on(method as FindMyWayMethod, radixPath, noop, slot);
      return true;
    } catch {
      return false;
    }
  }

  private addToFallback(method: string, path: string, route: T): RouteSlot<T>[] {
    const slot = this.slot(method, `regexp:${path}`);
    slot.routes.push(route);
    if (slot.routes.length === 1) {
      const matches = this.matcher(path);
      // A path neither matcher can read gets the global policy.
      if (matches !== undefined) this.fallback.push({ method, matches, slot });
    }
    return [slot];
  }

  private matcher(path: string): MatchFunction<object> | undefined {
    try {
      return match(path, {
        sensitive: this.matching.caseSensitive,
        trailing: this.matching.ignoreTrailingSlash,
        decode: false,
      });
    } catch {
      return undefined;
    }
  }

  /**
   * For each static path, the earliest registered parametric route of the same
   * method that also matches it, if registered before it. Parametric routes are
   * bucketed by their static prefix, so each static path is tested only against
   * the few routes that could match it.
   */
  private findExpressShadows(): void {
    const fold = (path: string) => (this.matching.caseSensitive ? path : path.toLowerCase());
    const buckets = new Map<string, PatternRoute<T>[]>();
    const staticPaths: Array<{ method: string; path: string; slot: RouteSlot<T> }> = [];
    for (const { method, path, slots } of this.registrations) {
      const dynamicAt = path.search(/[:*{(]/);
      if (dynamicAt < 0) {
        for (const slot of slots) staticPaths.push({ method, path, slot });
        continue;
      }
      const matches = this.matcher(path);
      if (matches === undefined) continue;
      const prefix = fold(path.slice(0, path.lastIndexOf('/', dynamicAt) + 1));
      const bucket = buckets.get(prefix) ?? [];
      bucket.push({ method, matches, slot: slots[0] });
      buckets.set(prefix, bucket);
    }
    for (const { method, path, slot } of staticPaths) {
      const folded = fold(path);
      let winner: RouteSlot<T> | undefined;
      for (let end = folded.indexOf('/'); end >= 0; end = folded.indexOf('/', end + 1)) {
        for (const candidate of buckets.get(folded.slice(0, end + 1)) ?? []) {
          const sameMethod = candidate.method === method || candidate.method === 'ALL';
          const earlier = candidate.slot.order < (winner ?? slot).order;
          if (sameMethod && earlier && candidate.matches(path)) winner = candidate.slot;
        }
      }
      if (winner !== undefined) this.shadows.set(slot, winner);
    }
  }

  private slot(method: string, pattern: string): RouteSlot<T> {
    const key = `${method} ${pattern}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      let siblings = this.patterns.get(pattern);
      if (siblings === undefined) this.patterns.set(pattern, (siblings = new Map()));
      slot = { method, routes: [], siblings, order: this.slots.size };
      siblings.set(method, slot);
      this.slots.set(key, slot);
      this.methods.add(method);
    }
    return slot;
  }
}
