// Compiles the sample app with tsc (which, unlike esbuild-based runners, emits
// the decorator metadata Nest's injector needs) and starts it.
import { execFileSync, spawn } from 'node:child_process';

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.sample.json'], {
  stdio: 'inherit',
});
const child = spawn(process.execPath, ['.sample-build/sample/main.js', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
