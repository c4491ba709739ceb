import { METHODS } from 'node:http';
import FindMyWay from 'find-my-way';
import { match, type MatchFunction } from 'path-to-regexp';
import { isPlainPath, overlappingPaths, servesMethod, sharesMethod } from './express-precedence.js';
import { loosen, matcherKey, patternKey, toPathVariants, type PathVariant } from './route-path.js';

/** How the adapter matches paths, so that the index finds what the adapter would. */
export interface PathMatching {
  readonly syntax: 'express' | 'fastify';
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
  readonly ignoreDuplicateSlashes: boolean;
  readonly maxParamLength: number;
  /**
   * fastify: whether Nest hands a request whose route parameter (other than
   * `*`) is empty to the not-found handler (`requireNonEmptyParams`), as
   * express would not match it.
   */
  readonly emptyParameterNotFound?: boolean;
  /** fastify: whether a `;` ends the path as a `?` does (`useSemicolonDelimiter`). */
  readonly semicolonEndsPath?: boolean;
  /** The methods an `ALL` route serves; undefined for every method Node knows (express). */
  readonly allMethods?: readonly string[];
  /**
   * fastify: whether it adds a HEAD route for each GET route (`exposeHeadRoutes`,
   * its default) where no HEAD route is registered at that path first.
   */
  readonly exposesHeadRoutes?: boolean;
}

/** The routes of one method at one path pattern, in registration order. */
export interface RouteSlot<T> {
  readonly method: string;
  readonly routes: T[];
  /** Every method's slot at the same pattern: what "the methods routed at that path" means. */
  readonly siblings: Map<string, RouteSlot<T>>;
  /** Its pattern in the adapter's syntax (on express, without optional groups). */
  readonly pattern: string;
}

type FindMyWayRouter = ReturnType<typeof FindMyWay>;
type FindMyWayMethod = Parameters<FindMyWayRouter['find']>[0];

const sameMethodOrAll = (routeMethod: string, requestMethod: string) =>
  routeMethod === requestMethod || routeMethod === 'ALL';

/** A route variant as registered: its pattern in the adapter's syntax, its slot and the route. */
interface RegisteredVariant<T> {
  readonly pattern: string;
  readonly slot: RouteSlot<T>;
  readonly route: T;
}

/**
 * A route tested with its own path-to-regexp matcher, made on first use: one
 * express may serve a slot's request with, or one the tree cannot hold.
 */
interface Contender<T> {
  readonly method: string;
  readonly path: string;
  readonly slot: RouteSlot<T>;
  readonly route: T;
  matches?: MatchFunction<object> | null;
}

const noop = () => undefined;

function hasEmptyParameter(params: Record<string, string | undefined>, but?: string): boolean {
  for (const name in params) if (params[name] === '' && name !== but) return true;
  return false;
}

/**
 * The path of a request URL as the routers read it: up to a query or a
 * fragment, and without the scheme and host of an absolute-form target.
 */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  const fragment = url.indexOf('#');
  const end = Math.min(query < 0 ? url.length : query, fragment < 0 ? url.length : fragment);
  const path = end === url.length ? url : url.slice(0, end);
  return path.startsWith('/') ? path : path.replace(/^[A-Za-z][\w+.-]*:\/\/[^/]*/, '');
}

/**
 * Finds the routes of a method and path in time that does not grow with the
 * number of routes: a find-my-way radix tree, with a short ordered list of
 * path-to-regexp matchers behind it for paths the tree cannot hold.
 *
 * find-my-way ranks static over parametric over wildcard, as fastify does.
 * Express serves the first registered route that matches instead; on express
 * the tree's choice is checked against the routes that may contend for it
 * (see `expressChoice`).
 */
export class RouteIndex<T> {
  private readonly tree: FindMyWayRouter;
  private readonly slots = new Map<string, RouteSlot<T>>();
  private readonly patterns = new Map<string, Map<string, RouteSlot<T>>>();
  /** Tried in registration order when the tree finds nothing (on express, nothing express serves). */
  private readonly fallback: Contender<T>[] = [];
  private readonly methods = new Set<string>();
  /** Express only: for a slot other routes may contend for, the routes express may serve its requests with, in registration order. */
  private readonly contenders = new Map<RouteSlot<T>, Contender<T>[]>();
  /** Slots whose pattern may match a path another pattern matches: the routes at those paths (`routesAtPathsOf`). */
  private readonly atSamePaths = new Map<RouteSlot<T>, T[]>();
  /** Express only: slots alone in their requests, as tested when the tree read a path loosely. */
  private readonly ownContenders = new Map<RouteSlot<T>, Contender<T>>();
  /** Every route's variants, in registration order; only sealing reads them. */
  private readonly registrations: Array<RegisteredVariant<T> & { readonly method: string }> = [];
  /** Static paths by method, each with the slot the tree finds for it: one Map lookup instead of a tree walk. */
  private readonly staticPaths = new Map<string, Map<string, RouteSlot<T>>>();
  /** fastify only: for an `ALL` slot the tree holds for a method, the slot that joins it with that method's own routes (see `joinSharedPaths`). */
  private readonly joined = new Map<RouteSlot<T>, Map<string, RouteSlot<T>>>();
  /** fastify only: whether the tree holds the HEAD routes fastify adds for GET routes (see `addHeadsOfGets`). */
  private headsTakeGets = false;

  constructor(
    private readonly matching: PathMatching,
    /** Whether a route has constraints fastify picks by (a version, a host): see `joinSharedPaths`. */
    private readonly isConstrained: (route: T) => boolean = () => false,
  ) {
    this.tree = FindMyWay({
      caseSensitive: matching.caseSensitive,
      ignoreTrailingSlash: matching.ignoreTrailingSlash,
      ignoreDuplicateSlashes: matching.ignoreDuplicateSlashes,
      maxParamLength: matching.maxParamLength,
      // An option of find-my-way's router that its types leave out (9.x).
      ...({ useSemicolonDelimiter: matching.semicolonEndsPath === true } as object),
    });
  }

  /** Express tries routes in registration order; fastify picks the most specific. */
  get triesRoutesInOrder(): boolean {
    return this.matching.syntax === 'express';
  }

  /** Adds a route; `ALL` adds it under every method. */
  add(method: string, path: string, route: T): void {
    const variants = toPathVariants(path, this.matching.syntax, this.matching.ignoreTrailingSlash);
    const added =
      (variants && this.addToTree(method, variants, route)) ??
      this.addToFallback(method, path, route);
    for (const entry of added) this.registrations.push({ method, ...entry });
  }

  /**
   * The slot a request for `method` and `url` (a query string is ignored)
   * reaches, if any. HEAD is also served by GET routes: on express by whichever
   * was registered first; on fastify through the HEAD route it adds for a GET
   * route, which competes with the HEAD routes registered (see `addHeadsOfGets`).
   */
  find(method: string, url: string): RouteSlot<T> | undefined {
    if (method === 'HEAD' && this.matching.syntax === 'fastify' && !this.headsTakeGets) {
      return (
        this.lookup('HEAD', url) ?? (this.exposesHeadRoutes ? this.lookup('GET', url) : undefined)
      );
    }
    return this.lookup(method, url);
  }

  private lookup(method: string, url: string): RouteSlot<T> | undefined {
    // Express matches the path alone, however the target was written; find-my-way as fastify does.
    const target = this.matching.syntax === 'express' ? pathOf(url) : url;
    const staticPaths = this.staticPaths.get(method);
    if (staticPaths !== undefined) {
      const query = target.indexOf('?');
      const slot = staticPaths.get(query < 0 ? target : target.slice(0, query));
      if (slot !== undefined) return slot;
    }
    const found = this.treeFind(method, target);
    if (found !== null) {
      const slot = found.store as RouteSlot<T>;
      if (this.matching.syntax !== 'express') {
        // Nest turns such a request away (a 404), unless fastify's constraints may pick another
        // route first; those routes learn from their handler which one serves the request.
        if (
          this.matching.emptyParameterNotFound === true &&
          hasEmptyParameter(found.params, '*') &&
          !slot.routes.some(this.isConstrained)
        )
          return undefined;
        return this.joined.size === 0 ? slot : (this.joined.get(slot)?.get(method) ?? slot);
      }
      const served = this.expressChoice(slot, method, target, found.params);
      if (served !== undefined) return served;
    }
    if (this.foldsCase) {
      // find-my-way compares the text after a parameter (`:id.json`) case by
      // case whatever its `caseSensitive` says, so `/7.JSON` misses a route
      // express serves it with; the tree holds such text in lowercase.
      const folded = target.toLowerCase();
      const again = folded === target ? null : this.treeFind(method, folded);
      if (again !== null) {
        const served = this.expressChoice(again.store as RouteSlot<T>, method, target, {}, true);
        if (served !== undefined) return served;
      }
    }
    if (this.fallback.length > 0) {
      const path = pathOf(target);
      const serves = this.matching.syntax === 'express' ? servesMethod : sameMethodOrAll;
      for (const entry of this.fallback) {
        if (serves(entry.method, method) && this.matches(entry, path)) return entry.slot;
      }
    }
    return undefined;
  }

  /**
   * What the tree holds for a request. On express a HEAD request the tree has
   * no HEAD or ALL route for goes to the GET route, whose contenders then name
   * the earliest HEAD, GET or ALL route that matches.
   */
  private treeFind(method: string, target: string) {
    const found = this.holds(method) ? this.tree.find(method as FindMyWayMethod, target) : null;
    if (found !== null || method !== 'HEAD' || this.matching.syntax !== 'express') return found;
    return this.holds('GET') ? this.tree.find('GET', target) : null;
  }

  private holds(method: string): boolean {
    return this.methods.has(method) || this.methods.has('ALL');
  }

  /**
   * What express serves of the routes that may take a request the tree gives
   * to `slot`: the first in registration order whose own matcher accepts the
   * path (the tree's choice may be a later route, or accept a path express
   * does not). Undefined when none does. A plain slot no other route may
   * contend for is tested only when the tree read the path more loosely than
   * express: percent-decoded, or with an empty parameter.
   */
  private expressChoice(
    slot: RouteSlot<T>,
    method: string,
    path: string,
    params: Record<string, string | undefined>,
    readLoosely = false,
  ): RouteSlot<T> | undefined {
    const contenders = this.contenders.get(slot);
    if (contenders === undefined) {
      const loose = readLoosely || path.includes('%') || hasEmptyParameter(params);
      return !loose || this.matches(this.ownContender(slot), path) ? slot : undefined;
    }
    const first = this.firstMatching(contenders, method, path);
    if (first === undefined || first.slot === slot) return first?.slot;
    // The tree read the path more loosely than express (decoded, say) and
    // landed on a route that does not match it; the one that does matches the
    // request, so its own contenders hold every route that may come before it.
    const theirs = this.contenders.get(first.slot);
    return (theirs && this.firstMatching(theirs, method, path))?.slot ?? first.slot;
  }

  private firstMatching(
    contenders: readonly Contender<T>[],
    method: string,
    path: string,
  ): Contender<T> | undefined {
    for (const contender of contenders) {
      if (servesMethod(contender.method, method) && this.matches(contender, path)) return contender;
    }
    return undefined;
  }

  private matches(contender: Contender<T>, path: string): boolean {
    contender.matches ??= this.matcher(contender.path) ?? null;
    return contender.matches !== null && contender.matches(path) !== false;
  }

  /** A slot as the one contender for its requests, made on first use. */
  private ownContender(slot: RouteSlot<T>): Contender<T> {
    let own = this.ownContenders.get(slot);
    if (own === undefined) {
      own = { method: slot.method, path: slot.pattern, slot, route: slot.routes[0] };
      this.ownContenders.set(slot, own);
    }
    return own;
  }

  /**
   * Express only: visits the routes a request `find` gave to `slot` may be
   * served by, in the order express tries them (every route whose path
   * matches, from the first), until `visit` returns true. False, visiting
   * nothing, where no other route may contend for the slot's requests.
   */
  visitInOrder(
    slot: RouteSlot<T>,
    method: string,
    url: string,
    visit: (route: T) => boolean,
  ): boolean {
    const contenders = this.contenders.get(slot);
    if (contenders === undefined) return false;
    const path = pathOf(url);
    // A route with optional groups has several variants; express tries it once.
    const tried = new Set<T>();
    for (const contender of contenders) {
      const { route } = contender;
      if (tried.has(route) || !servesMethod(contender.method, method)) continue;
      if (!this.matches(contender, path)) continue;
      tried.add(route);
      if (visit(route)) break;
    }
    return true;
  }

  /**
   * Every route, of any method, whose pattern may match a path the slot's
   * pattern matches (its own included): what may answer a request for a URL
   * the slot's route is found for, whatever its method.
   */
  routesAtPathsOf(slot: RouteSlot<T>): readonly T[] {
    return this.atSamePaths.get(slot) ?? slot.routes;
  }

  /** Every route that may serve a request the tree gives to `slot` (on express, its contenders' as well). */
  contendingRoutes(slot: RouteSlot<T>): readonly T[] {
    return this.contenders.get(slot)?.map(({ route }) => route) ?? slot.routes;
  }

  /**
   * Every route that may serve a request the tree gives to a slot `where`
   * holds: on express its contenders (see `contendingRoutes`); on fastify,
   * which falls back from a route's constraints to any route whose pattern
   * matches the path, every route once one slot qualifies.
   */
  routesServingSlots(where: (slot: RouteSlot<T>) => boolean): Set<T> {
    const slots = [...this.slots.values()];
    const from = this.triesRoutesInOrder ? slots.filter(where) : slots.some(where) ? slots : [];
    return new Set(from.flatMap((slot) => this.contendingRoutes(slot)));
  }

  /** Call once all routes are added. */
  seal(): void {
    const overlaps = overlappingPaths(
      this.registrations.map(({ pattern }) => pattern),
      this.matching,
    );
    if (this.matching.syntax === 'express') this.findExpressContenders(overlaps);
    else {
      this.addHeadsOfGets();
      this.joinSharedPaths();
    }
    this.findRoutesAtSamePaths(overlaps);
    this.indexStaticPaths();
    // Only sealing reads them: with 10,000 routes they would hold megabytes.
    this.registrations.splice(0);
  }

  /**
   * fastify adds a HEAD route for each GET route (`exposeHeadRoutes`), which
   * competes with the HEAD (and `ALL`) routes registered: a static GET path
   * outranks a parametric HEAD route. Where there are such routes, each GET
   * route takes HEAD at its path in the tree too, unless a route holds it
   * there (fastify adds none then). Where there are none, a HEAD request is
   * looked up as a GET, without a second tree of every GET path.
   */
  private addHeadsOfGets(): void {
    if (!this.exposesHeadRoutes || !this.holds('HEAD')) return;
    for (const { method, pattern, slot } of this.registrations) {
      if (method === 'GET' && this.tree.findRoute('GET', pattern)?.store === slot)
        this.register('HEAD', pattern, slot);
    }
    this.headsTakeGets = true;
  }

  /**
   * fastify picks among the routes at one path by their constraints (versions,
   * hosts), across methods too: an `@All()` route and a route of one method
   * both take that method's requests, and the HEAD route fastify adds for a
   * GET route competes with a HEAD route registered there whose constraints
   * differ (taken as: either has constraints). Each method's slot gets every
   * route that may take its requests, in registration order, so that all are
   * weighed; where the tree holds the `ALL` slot for a method, a lookup is
   * turned to that method's slot.
   */
  private joinSharedPaths(): void {
    const order = new Map<T, number>();
    this.registrations.forEach(({ route }, at) => {
      if (!order.has(route)) order.set(route, at);
    });
    const join = (slot: RouteSlot<T>, routes: readonly T[]) => {
      const both = [...slot.routes, ...routes].sort((a, b) => order.get(a)! - order.get(b)!);
      slot.routes.splice(0, slot.routes.length, ...both);
    };
    for (const siblings of this.patterns.values()) {
      const head = siblings.get('HEAD');
      const get = siblings.get('GET');
      if (
        this.headsTakeGets &&
        head?.routes.length &&
        get?.routes.length &&
        [...head.routes, ...get.routes].some(this.isConstrained)
      )
        join(head, get.routes);
      const all = siblings.get('ALL');
      if (all === undefined || all.routes.length === 0) continue;
      const turned = new Map<string, RouteSlot<T>>();
      for (const [method, slot] of siblings) {
        if (method === 'ALL' || slot.routes.length === 0) continue;
        join(slot, all.routes);
        turned.set(method, slot);
        if (method === 'GET' && this.headsTakeGets && !siblings.has('HEAD'))
          turned.set('HEAD', slot);
      }
      if (turned.size > 0) this.joined.set(all, turned);
    }
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
        this.indexStaticPath(method, path, slot);
        if (method === 'GET' && this.headsTakeGets) this.indexStaticPath('HEAD', path, slot);
      }
    }
  }

  private indexStaticPath(method: string, path: string, slot: RouteSlot<T>): void {
    const found = this.tree.find(method as FindMyWayMethod, path);
    if (found === null || found.store !== slot) return;
    let paths = this.staticPaths.get(method);
    if (paths === undefined) this.staticPaths.set(method, (paths = new Map()));
    const served =
      this.matching.syntax === 'express' ? this.expressChoice(slot, method, path, {}) : slot;
    if (served !== undefined) paths.set(path, served);
  }

  /**
   * Adds a route under each of its tree paths (several for optional groups).
   * A tree path an earlier route already holds stays with that route, as
   * express serves the earliest; the variant keeps a slot of its own outside
   * the tree, which the holder's contenders include (it overlaps the holder),
   * so express's next choice is still found. A variant the tree would read
   * unlike express (see `dropsSlash`) goes to the fallback matchers, and so
   * does a route the tree takes under none of its paths.
   */
  private addToTree(
    method: string,
    variants: readonly PathVariant[],
    route: T,
  ): RegisteredVariant<T>[] | undefined {
    const added: RegisteredVariant<T>[] = [];
    let held = 0;
    for (const { radixPath, pattern } of variants) {
      const slot = this.slot(method, this.slotKey(radixPath), pattern);
      added.push({ pattern, slot, route });
      if (slot.routes.includes(route)) {
        held++;
        continue;
      }
      slot.routes.push(route);
      if (slot.routes.length > 1) held++;
      else if (this.dropsSlash(pattern)) {
        this.fallback.push({ method, path: pattern, slot, route });
        held++;
      } else if (this.registerEach(method, this.treePath(radixPath), slot)) held++;
      // fastify: an `ALL` route holds the method here; fastify picks between
      // them by their constraints, so this route joins it (see `joinSharedPaths`).
      else if (this.matching.syntax === 'fastify' && slot.siblings.has('ALL')) held++;
    }
    if (held > 0) return added;
    for (const { slot } of added) slot.routes.pop();
    return undefined;
  }

  /**
   * The key a path's slots share, in the case the adapter tells paths apart
   * by: find-my-way (fastify's router) folds case unless case-sensitive, so
   * an `@All('Docs')` and a `@Get('docs')` share one path there.
   */
  private slotKey(radixPath: string): string {
    const key = patternKey(radixPath);
    return this.matching.syntax === 'fastify' && !this.matching.caseSensitive
      ? key.toLowerCase()
      : key;
  }

  /** Whether lookups fold case: express's router, unless it was made case-sensitive. */
  private get foldsCase(): boolean {
    return this.matching.syntax === 'express' && !this.matching.caseSensitive;
  }

  /**
   * What the tree holds for a route path: in lowercase where lookups fold case
   * (see `lookup`). An express path in the tree has no regular expression to
   * spoil; a fastify path is held as fastify holds it.
   */
  private treePath(radixPath: string): string {
    return this.foldsCase ? radixPath.toLowerCase() : radixPath;
  }

  /** Registers a slot under its method, or each method of `ALL`; false when none registered. */
  private registerEach(method: string, radixPath: string, slot: RouteSlot<T>): boolean {
    const methods = method === 'ALL' ? (this.matching.allMethods ?? METHODS) : [method];
    let registered = 0;
    for (const each of methods) if (this.register(each, radixPath, slot)) registered++;
    return registered > 0;
  }

  private get exposesHeadRoutes(): boolean {
    return this.matching.syntax === 'fastify' && this.matching.exposesHeadRoutes !== false;
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

  private addToFallback(method: string, path: string, route: T): RegisteredVariant<T>[] {
    const pattern = this.dropsTrailingSlashes ? loosen(path) : path;
    const slot = this.slot(method, `regexp:${matcherKey(pattern)}`, pattern);
    slot.routes.push(route);
    // A path neither matcher can read matches nothing: it gets the global policy.
    if (slot.routes.length === 1) this.fallback.push({ method, path: pattern, slot, route });
    return [{ pattern, slot, route }];
  }

  /** A matcher for a pattern as registered (on express, its own trailing slashes already dropped where express drops them). */
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
   * Finds, for each slot, the routes of other patterns (any method) that may
   * match its paths; `overlaps` is `overlappingPaths` of the registrations.
   */
  private findRoutesAtSamePaths(overlaps: readonly number[][]): void {
    this.registrations.forEach(({ slot }, at) => {
      if (overlaps[at].length === 0) return;
      const routes = this.atSamePaths.get(slot) ?? [...slot.routes];
      for (const other of overlaps[at]) {
        const { route } = this.registrations[other];
        if (!routes.includes(route)) routes.push(route);
      }
      this.atSamePaths.set(slot, routes);
    });
  }

  /**
   * For each slot, the route variants registered at its pattern and those that
   * may match the same requests (`overlappingPaths` of a method it shares), in registration order.
   * A slot with one plain variant alone needs none: the tree reaches it as
   * express does, but for loosely read paths (see `expressChoice`).
   */
  private findExpressContenders(overlaps: readonly number[][]): void {
    const { registrations } = this;
    const sameMethod = (at: number) =>
      overlaps[at].filter((other) =>
        sharesMethod(registrations[other].method, registrations[at].method),
      );
    const contenderOf = this.registrations.map(
      ({ method, pattern, slot, route }): Contender<T> => ({ method, path: pattern, slot, route }),
    );
    const members = new Map<RouteSlot<T>, number[]>();
    this.registrations.forEach(({ slot }, at) => {
      const own = members.get(slot);
      if (own === undefined) members.set(slot, [at]);
      else own.push(at);
    });
    for (const [slot, own] of members) {
      const candidates = new Set(own.flatMap((at) => [at, ...sameMethod(at)]));
      if (candidates.size === 1 && isPlainPath(slot.pattern)) continue;
      this.contenders.set(
        slot,
        [...candidates].sort((a, b) => a - b).map((at) => contenderOf[at]),
      );
    }
  }

  /**
   * Whether an express variant ends in the slash before an optional group
   * (`/a/` of `/a/{b}`). A tree that ignores trailing slashes reads it as `/a`
   * and misses `/a//`, where express asks for `/a/` and takes `/a//`: such a
   * variant is matched by path-to-regexp instead.
   */
  private dropsSlash(pattern: string): boolean {
    return this.dropsTrailingSlashes && pattern.length > 1 && pattern.endsWith('/');
  }

  /** Express's router, unless strict, drops a route's own trailing slashes. */
  private get dropsTrailingSlashes(): boolean {
    return this.matching.syntax === 'express' && this.matching.ignoreTrailingSlash;
  }

  private slot(method: string, key: string, pattern: string): RouteSlot<T> {
    let slot = this.slots.get(`${method} ${key}`);
    if (slot === undefined) {
      let siblings = this.patterns.get(key);
      if (siblings === undefined) this.patterns.set(key, (siblings = new Map()));
      slot = { method, routes: [], siblings, pattern };
      siblings.set(method, slot);
      this.slots.set(`${method} ${key}`, slot);
      this.methods.add(method);
    }
    return slot;
  }
}
