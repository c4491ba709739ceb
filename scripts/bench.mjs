// Compiles the benchmarks (tsc keeps the decorator metadata Nest needs) and runs one:
// `node scripts/bench.mjs run [--quick]` or `node scripts/bench.mjs soak [--seconds N]`.
import { execFileSync } from 'node:child_process';

const [entry = 'run', ...args] = process.argv.slice(2);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'bench/tsconfig.json'], {
  stdio: 'inherit',
});
execFileSync(process.execPath, [`.bench-build/bench/${entry}.js`, ...args], { stdio: 'inherit' });
