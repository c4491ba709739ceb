import { loosen } from './route-path.js';

export interface SegmentOptions {
  readonly caseSensitive: boolean;
  readonly ignoreTrailingSlash: boolean;
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
export function sharesMethod(a: string, b: string): boolean {
  return servesMethod(a, b) || servesMethod(b, a);
}

const PLAIN_SEGMENT = /^(?::[A-Za-z_$][\w$]*|[^:*{}()[\]+?!\\"]*)$/;

/**
 * A path of static segments and whole-segment parameters only. The tree
 * matches it as express does but for percent-decoding and empty parameters;
 * anything else (a wildcard, a parameter with text around it, an escape) it
 * may match more loosely.
 */
export function isPlainPath(path: string): boolean {
  return path.startsWith('/') && path.split('/').every((segment) => PLAIN_SEGMENT.test(segment));
}

/**
 * Express serves the first registered route whose path-to-regexp matcher
 * accepts the request; find-my-way prefers static segments to parameters and
 * parameters to wildcards, decodes the path, lets a parameter match an empty
 * segment, and holds one route per method and path. For each route variant's
 * path, the other variants whose paths may match a request it matches, in
 * registration order: of them, those of a method it shares (`sharesMethod`)
 * are, with it, the only routes express may serve a request the tree gives to it.
 *
 * Overlap is decided segment by segment through a trie, so it costs time
 * linear in the number of routes for the usual shapes: a segment with a
 * parameter may match any segment, one with a wildcard any rest of the path.
 * A path with an escape, a quoted name or an optional group (one the tree
 * cannot hold, matched whole) is taken to overlap with everything (a false
 * overlap costs one matcher test on the requests that reach it).
 */
export function overlappingPaths(paths: readonly string[], options: SegmentOptions): number[][] {
  const root = newNode();
  const irregular: number[] = [];
  const shapes = paths.map((path) => segmentsOf(path, options));
  shapes.forEach((segments, at) => {
    if (segments === undefined) irregular.push(at);
    else insert(root, segments, at);
  });
  const everyPath = paths.map((_, at) => at);
  return paths.map((_, at) => {
    const segments = shapes[at];
    const candidates = segments === undefined ? everyPath : collect(root, segments, 0, irregular);
    return [...new Set(candidates)].filter((other) => other !== at).sort((a, b) => a - b);
  });
}

type Segment = { readonly kind: 'static'; readonly text: string } | { readonly kind: 'parameter' };

interface SegmentNode {
  readonly statics: Map<string, SegmentNode>;
  parameter: SegmentNode | undefined;
  /** Routes whose segments end here. */
  readonly ends: number[];
  /** Routes with a wildcard in their next segment: they may match whatever follows. */
  readonly rests: number[];
}

const newNode = (): SegmentNode => ({
  statics: new Map(),
  parameter: undefined,
  ends: [],
  rests: [],
});

/**
 * A path's segments as express compares them (statics case-folded unless
 * case-sensitive, trailing slashes dropped when optional), up to and including
 * the first with a wildcard (`'rest'`); undefined for shapes compared with everything.
 */
function segmentsOf(path: string, options: SegmentOptions): Array<Segment | 'rest'> | undefined {
  if (/[\\"{}]/.test(path) || !path.startsWith('/')) return undefined;
  // A path of slashes alone loosens to nothing; express compares it as "/".
  const trimmed = (options.ignoreTrailingSlash ? loosen(path) : path) || '/';
  const segments: Array<Segment | 'rest'> = [];
  for (const segment of trimmed.split('/')) {
    if (segment.includes('*')) {
      segments.push('rest');
      break;
    }
    if (segment.includes(':')) segments.push({ kind: 'parameter' });
    else
      segments.push({
        kind: 'static',
        text: options.caseSensitive ? segment : segment.toLowerCase(),
      });
  }
  return segments;
}

function insert(root: SegmentNode, segments: ReadonlyArray<Segment | 'rest'>, route: number): void {
  let node = root;
  for (const segment of segments) {
    if (segment === 'rest') {
      node.rests.push(route);
      return;
    }
    if (segment.kind === 'parameter') node = node.parameter ??= newNode();
    else {
      let next = node.statics.get(segment.text);
      if (next === undefined) node.statics.set(segment.text, (next = newNode()));
      node = next;
    }
  }
  node.ends.push(route);
}

/** The routes in the trie that may match a request these segments match, plus `always`. */
function collect(
  node: SegmentNode,
  segments: ReadonlyArray<Segment | 'rest'>,
  depth: number,
  always: readonly number[],
): number[] {
  const found = [...always, ...node.rests];
  const segment = segments[depth];
  if (segment === undefined) return [...found, ...node.ends];
  if (segment === 'rest') return [...found, ...everythingBelow(node)];
  const next =
    segment.kind === 'parameter'
      ? [...node.statics.values()]
      : [node.statics.get(segment.text)].filter((child) => child !== undefined);
  if (node.parameter !== undefined) next.push(node.parameter);
  for (const child of next) found.push(...collect(child, segments, depth + 1, []));
  return found;
}

function everythingBelow(node: SegmentNode): number[] {
  const children = [...node.statics.values(), ...(node.parameter ? [node.parameter] : [])];
  return [...node.ends, ...node.rests, ...children.flatMap(everythingBelow)];
}
