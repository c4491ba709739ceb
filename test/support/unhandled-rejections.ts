/**
 * Records unhandled promise rejections of the Node process while a test runs.
 *
 * Jest gives each test file a copy of `process` whose `on('unhandledRejection')`
 * listeners are never called; the real process is reached through a function of
 * the outer realm (jest's `setTimeout` is Node's own).
 */
export function watchUnhandledRejections(): { readonly reasons: unknown[]; stop(): void } {
  const nodeProcess = (setTimeout.constructor as FunctionConstructor)(
    'return process',
  )() as NodeJS.Process;
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  nodeProcess.on('unhandledRejection', listener);
  return { reasons, stop: () => void nodeProcess.off('unhandledRejection', listener) };
}

/** Lets pending rejections surface: Node reports them once the microtask queue drains. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
