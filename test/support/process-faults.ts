/**
 * Records what the Node process would report as unhandled while a test runs:
 * promise rejections, or exceptions thrown from events and timers (which,
 * recorded, no longer take the process down).
 *
 * Jest gives each test file a copy of `process` whose listeners for these are
 * never called; the real process is reached through a function of the outer
 * realm (jest's `setTimeout` is Node's own).
 */
function watchProcess(event: 'unhandledRejection' | 'uncaughtException'): {
  readonly reasons: unknown[];
  stop(): void;
} {
  const nodeProcess = (setTimeout.constructor as FunctionConstructor)(
    'return process',
  )() as NodeJS.Process;
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  nodeProcess.on(event, listener);
  return { reasons, stop: () => void nodeProcess.off(event, listener) };
}

export const watchUnhandledRejections = () => watchProcess('unhandledRejection');
export const watchUncaughtExceptions = () => watchProcess('uncaughtException');

/** Lets pending rejections surface: Node reports them once the microtask queue drains. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
