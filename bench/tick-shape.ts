import { createHook } from 'node:async_hooks';

/**
 * Keeps one of Node's tick objects alive for the life of the process, when the
 * server is started with KEEP_TICK_SHAPE=1 (the scaling rows that read route
 * count without Node's nextTick cliff).
 *
 * `process.nextTick` builds each tick object from one object literal. While no
 * tick is pending nothing holds that literal's maps, so a full GC collects them;
 * a bootstrap with thousands of routes runs several, and each time the next
 * tick makes new maps. After four the property stores in `nextTick` go
 * megamorphic, TurboFan compiles them as runtime calls, and every `nextTick`
 * (Node's HTTP server makes several per request) costs about a microsecond
 * more for the life of the process, in any app, with CORS or without. A tick
 * object that stays alive keeps the maps, and the stores stay monomorphic.
 *
 * Imported first by server.ts, so that it runs before Nest is loaded.
 */
/** Held by this module for the life of the process. */
export const keptTickObjects: object[] = [];

if (process.env.KEEP_TICK_SHAPE === '1') {
  const hook = createHook({
    init(_id, type, _trigger, resource: object) {
      if (type === 'TickObject' && keptTickObjects.length === 0) keptTickObjects.push(resource);
    },
  }).enable();
  process.nextTick(() => {});
  hook.disable();
}
