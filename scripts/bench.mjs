// Compiles the benchmark (tsc keeps the decorator metadata Nest needs) and runs it.
import { execFileSync } from 'node:child_process';

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'bench/tsconfig.json'], {
  stdio: 'inherit',
});
execFileSync(process.execPath, ['.bench-build/bench/run.js', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
