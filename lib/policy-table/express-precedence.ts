/** A route as express registered it. */
export interface RegisteredPath {
  readonly method: string;
  readonly path: string;
}

export interface SegmentOptions {
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
}

/**
 * A path of static segments and parameters only. The tree matches it as
 * express does but for percent-decoding and empty parameters; a wildcard or an
 * optional group it matches more loosely (an empty wildcard, a bare "/").
 */
export function isPlainPath(path: string): boolean {
  return !/[*{}()\\]/.test(path);
}

interface SegmentNode {
  readonly statics: Map<string, SegmentNode>;
  dynamic: SegmentNode | undefined;
  /** Routes whose last segment ends here. */
  readonly ends: number[];
}

const newNode = (): SegmentNode => ({ statics: new Map(), dynamic: undefined, ends: [] });

/**
 * Express serves the first registered route whose path-to-regexp matcher
 * accepts the request; find-my-way prefers static segments to parameters and
 * parameters to wildcards, decodes the path, lets a parameter match an empty
 * segment, and holds one route per method and path. For each route, the other
 * routes of a method it shares whose paths may match a request it matches, in
 * registration order: with it, the only routes express may serve a request
 * the tree gives to it. Overlap is decided segment by segment through a trie,
 * so the usual shapes cost time linear in the number of routes; a wildcard, an
 * optional group or an escape is taken to overlap with everything (a false
 * overlap costs one matcher test on the requests that reach that route).
 */
export function overlappingRoutes(
  routes: readonly RegisteredPath[],
  options: SegmentOptions,
): number[][] {
  const root = newNode();
  const irregular: number[] = [];
  const shapes = routes.map(({ path }) => segmentsOf(path, options));
  shapes.forEach((segments, at) => {
    if (segments === undefined) irregular.push(at);
    else insert(root, segments, at);
  });
  const everyRoute = routes.map((_, at) => at);
  return routes.map(({ method }, at) => {
    const segments = shapes[at];
    const candidates =
      segments === undefined ? everyRoute : [...collect(root, segments, 0), ...irregular];
    return candidates
      .filter((other) => other !== at && sharesMethod(routes[other].method, method))
      .sort((a, b) => a - b);
  });
}

/** Whether express lets a route of `routeMethod` serve a `requestMethod` request (GET routes serve HEAD). */
export function servesMethod(routeMethod: string, requestMethod: string): boolean {
  return (
    routeMethod === requestMethod ||
    routeMethod === 'ALL' ||
    (routeMethod === 'GET' && requestMethod === 'HEAD')
  );
}

/** Whether two routes may serve a request of the same method. */
function sharesMethod(a: string, b: string): boolean {
  return servesMethod(a, b) || servesMethod(b, a);
}

/** A path's segments, statics case-folded as express compares them; undefined for shapes compared with everything. */
function segmentsOf(path: string, options: SegmentOptions): string[] | undefined {
  if (!isPlainPath(path)) return undefined;
  const segments = path.split('/');
  if (options.ignoreTrailingSlash && segments.length > 2 && segments.at(-1) === '') segments.pop();
  return options.caseSensitive ? segments : segments.map((segment) => segment.toLowerCase());
}

const isParameter = (segment: string) => segment.includes(':');

function insert(node: SegmentNode, segments: readonly string[], route: number): void {
  let at = node;
  for (const segment of segments) {
    if (isParameter(segment)) at = at.dynamic ??= newNode();
    else {
      let next = at.statics.get(segment);
      if (next === undefined) at.statics.set(segment, (next = newNode()));
      at = next;
    }
  }
  at.ends.push(route);
}

/** The routes in the trie whose segments may each match the same request segment as these. */
function collect(node: SegmentNode, segments: readonly string[], depth: number): number[] {
  if (depth === segments.length) return node.ends;
  const segment = segments[depth];
  const next = isParameter(segment)
    ? [...node.statics.values()]
    : [node.statics.get(segment)].filter((child) => child !== undefined);
  if (node.dynamic !== undefined) next.push(node.dynamic);
  return next.flatMap((child) => collect(child, segments, depth + 1));
}
