import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

export interface SoakResult {
  seconds: number;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  errors: number;
  unexpectedStatuses: number;
  statuses: Record<string, number>;
  rssAfterWarmUp: number;
  rssAtEnd: number;
}

export interface BenchResults {
  quick: boolean;
  machine: Record<string, string | number | boolean>;
  /** adapter -> workload -> variant -> median requests/second */
  throughput: Record<string, Record<string, Record<string, number>>>;
  /** adapter -> "20 routes" | "10,000 routes" -> median preflights/second */
  scaling: Record<string, Record<string, number>>;
  memory: Record<string, { requests: number; errors: number; rssBefore: number; rssAfter: number }>;
  /** The same run against the app without CORS, for reference. */
  memoryWithoutCors: Record<
    string,
    { requests: number; errors: number; rssBefore: number; rssAfter: number }
  >;
  /** "engine, N origins" -> decision -> decisions/second */
  engine: Record<string, Record<string, number>>;
  /** adapter -> the last `npm run soak` */
  soak?: Record<string, SoakResult>;
  /** The last `npm run bench:instructions` */
  instructions?: InstructionCounts;
}

/** Instructions per request, counted by callgrind (bench/instructions.ts). */
export interface InstructionCounts {
  valgrind: string;
  /** adapter -> requests before the counters were zeroed, and counted */
  requests: Record<string, { warmUp: number; counted: number }>;
  /** adapter -> workload -> variant -> instructions per request */
  perRequest: Record<string, Record<string, Record<string, number>>>;
}

const require = createRequire(import.meta.url);
const version = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
const majorOf = (range: string) => /\d+/.exec(range)?.[0];

/** Where the results of a run on one Nest major go, and how to run the bench on it. */
interface ReportPlace {
  /** From the project's root: bench/ on the Nest major the project is developed on, bench/nest<major>/ on another. */
  readonly folder: string;
  /** What the bench's commands run behind on this major: nothing, or `bash scripts/with-nest11.sh`. */
  readonly runPrefix: string;
  readonly otherMajor: boolean;
}

/**
 * A run on another Nest major than the project's devDependency
 * (`bash scripts/with-nest11.sh npm run bench`) keeps a report of its own,
 * whose results.json gathers its own timed run, count and soak.
 */
function placeOf(nestVersion: string): ReportPlace {
  const project = require('../../package.json') as { devDependencies: Record<string, string> };
  const major = majorOf(nestVersion);
  const otherMajor = major !== majorOf(project.devDependencies['@nestjs/core']);
  return otherMajor
    ? { folder: `bench/nest${major}/`, runPrefix: `bash scripts/with-nest${major}.sh `, otherMajor }
    : { folder: 'bench/', runPrefix: '', otherMajor };
}

const fileIn = (place: ReportPlace, file: string) =>
  new URL(`../../${place.folder}${file}`, import.meta.url);
/** The results.json of the Nest major installed, which `npm run bench:instructions` and `npm run soak` add to. */
export const resultsFile = fileIn(placeOf(version('@nestjs/core')), 'results.json');

export function machineDescription(): Record<string, string | number> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    nest: version('@nestjs/core'),
    express: version('express'),
    fastify: version('fastify'),
  };
}

interface Target {
  readonly what: string;
  readonly target: number;
  readonly atMost?: boolean;
  readonly values: Record<string, number>;
}

type ByAdapter = (f: (adapter: string) => number) => Record<string, number>;
const perAdapterOf =
  (adapters: readonly string[]): ByAdapter =>
  (f) =>
    Object.fromEntries(adapters.map((a) => [a, f(a)]));

/**
 * The targets that compare variants under one workload, from `speed`
 * (adapter -> workload -> variant -> requests/second, or any measure of speed).
 */
function comparisonTargets(speed: BenchResults['throughput']): Target[] {
  const per = perAdapterOf(Object.keys(speed));
  const ratio = (workload: string, variant: string, base: string) =>
    per((a) => speed[a][workload][variant] / speed[a][workload][base]);
  const list: Target[] = [
    {
      what: 'actual GET, library with per-route overrides / no CORS',
      target: 0.95,
      values: ratio('actual allowed', 'library-overrides', 'none'),
    },
    {
      what: 'actual GET, library with per-route overrides / no CORS, same headers (reference)',
      target: 0.95,
      values: ratio('actual allowed', 'library-overrides', 'headers-only'),
    },
  ];
  for (const workload of ['actual allowed', 'preflight', 'actual disallowed']) {
    for (const variant of ['library', 'library-overrides']) {
      list.push({
        what: `${workload}: ${variant} / app.enableCors()`,
        target: 1,
        values: ratio(workload, variant, 'enable-cors'),
      });
    }
  }
  return list;
}

function targets(r: BenchResults): Target[] {
  const per = perAdapterOf(Object.keys(r.throughput));
  const list = comparisonTargets(r.throughput);
  list.push({
    what: 'preflight with 10,000 routes / with 20 routes',
    target: 0.9,
    values: per((a) => r.scaling[a]['10,000 routes'] / r.scaling[a]['20 routes']),
  });
  list.push({
    what: 'the same OPTIONS request without CORS (a 404), 10,000 routes / 20 routes (reference)',
    target: 0.9,
    values: per((a) => r.scaling[a]['no CORS, 10,000 routes'] / r.scaling[a]['no CORS, 20 routes']),
  });
  list.push({
    what: `RSS growth over ${Object.values(r.memory)[0]?.requests.toLocaleString('en')} distinct origins (MiB)`,
    target: 16,
    atMost: true,
    values: per((a) => (r.memory[a].rssAfter - r.memory[a].rssBefore) / 2 ** 20),
  });
  for (const decision of ['allowed', 'refused', 'preflight']) {
    list.push({
      what: `engine ${decision} decisions/s, 1,000 exact origins / 3`,
      target: 0.9,
      values: {
        engine:
          r.engine['nestjs-cors, 1000 origins'][decision] /
          r.engine['nestjs-cors, 3 origins'][decision],
      },
    });
  }
  return list;
}

const met = (t: Target, value: number) => (t.atMost ? value <= t.target : value >= t.target);
const fixed = (value: number) => value.toFixed(2);
/** Two decimals, or three where two would round a value across its target (0.997 read as 1.00). */
const shownAgainst = (t: Target, value: number) =>
  met(t, Number(fixed(value))) === met(t, value) ? fixed(value) : value.toFixed(3);
const thousands = (value: number) => Math.round(value).toLocaleString('en');

function markdownOf(r: BenchResults, place: ReportPlace): string {
  const { folder, runPrefix, otherMajor } = place;
  const lines: string[] = [];
  const list = targets(r);
  lines.push('# Benchmark results', '');
  lines.push(
    `Generated by \`${runPrefix}npm run bench${r.quick ? ' -- --quick' : ''}\` from \`${folder}results.json\`, on Nest ${r.machine.nest}; ` +
      'every number below comes from one run on the machine described at the end, but the ' +
      `instruction counts and the soak, which come from runs of their own (\`${runPrefix}npm run bench:instructions\`, \`${runPrefix}npm run soak\`). ` +
      'Ratios are of median requests/second over interleaved rounds, each variant in several processes. ' +
      `Every server keeps one of Node’s tick objects alive, as CorsModule does (see ${otherMajor ? '../' : ''}profile-notes.md), so that no variant meets Node’s nextTick cliff. ` +
      'Before measuring, one answer of every server is checked against what its variant stands for ' +
      '(bench/answers.ts: every CORS variant allows the allowed origin with the same headers, and ' +
      'gives the refused one no Access-Control-Allow-Origin), and a run ' +
      'fails on any other status while measuring.',
    '',
    ...otherMajorsLines(place),
    '![ratios](chart.svg)',
    '',
    '## Targets',
    '',
    ...targetTable(list),
  );
  lines.push('', '## Requests per second (medians)', '');
  for (const [adapter, workloads] of Object.entries(r.throughput)) {
    lines.push(`### ${adapter}`, '', ...variantTable(workloads));
    lines.push(
      '',
      `Preflights/s with 20 routes: ${thousands(r.scaling[adapter]['20 routes'])}; with 10,000: ${thousands(r.scaling[adapter]['10,000 routes'])}; the same requests without CORS (404s, one process each): ${thousands(r.scaling[adapter]['no CORS, 20 routes'])} and ${thousands(r.scaling[adapter]['no CORS, 10,000 routes'])}.`,
    );
    const m = r.memory[adapter];
    const n = r.memoryWithoutCors[adapter];
    lines.push(
      `RSS after a GC, once settled (young generation held at 1 MiB semi-spaces), before and after ${thousands(m.requests)} requests with distinct origins: ${fixed(m.rssBefore / 2 ** 20)} MiB, ${fixed(m.rssAfter / 2 ** 20)} MiB (${m.errors} errors); ` +
        `the same app without CORS: ${fixed(n.rssBefore / 2 ** 20)} MiB, ${fixed(n.rssAfter / 2 ** 20)} MiB.`,
      '',
    );
  }
  if (r.instructions !== undefined)
    lines.push(...instructionSection(r.instructions, runPrefix), '');
  lines.push(
    '## Engine alone (decisions per second)',
    '',
    "Every decision gets request values of its own, new strings as Node's HTTP parser makes " +
      "them, so that V8 hashes each Origin as it does a request's. Allowed origins are taken in " +
      'turn from four places in the list, refused ones in turn from four near misses (another ' +
      'host, scheme or suffix). Each list size runs in processes of its own, in turn; ' +
      'in each, every case (a loop compiled for it alone) is warmed up, then all are measured ' +
      'in five interleaved rounds. Each number is the median over the processes of their ' +
      'medians: how V8 compiles a decision, and which origins share a hash bucket, vary from ' +
      'process to process.',
    '',
    '| engine | allowed | refused | preflight |',
    '|---|---|---|---|',
  );
  for (const [engine, byDecision] of Object.entries(r.engine)) {
    lines.push(
      `| ${engine} | ${thousands(byDecision.allowed)} | ${thousands(byDecision.refused)} | ${thousands(byDecision.preflight)} |`,
    );
  }
  if (r.soak !== undefined) {
    lines.push(
      '',
      `## Soak (\`${runPrefix}npm run soak\`)`,
      '',
      'Mixed allowed and refused preflights and actual requests, one after the other on every ' +
        'connection. RSS is read after a GC, once it has stopped falling (five reads a second ' +
        'apart within 2%): V8 hands memory back over several seconds after the load stops. ' +
        'The server holds its young generation at 1 MiB semi-spaces, which V8 would otherwise ' +
        'grow to 32 MiB under load and give back at a moment of its own.',
      '',
      '| adapter | connections | seconds | requests | requests/s | errors | unexpected statuses | RSS after warm-up | RSS at end |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const [adapter, s] of Object.entries(r.soak)) {
      lines.push(
        `| ${adapter} | ${s.connections} | ${s.seconds} | ${thousands(s.requests)} | ${thousands(s.requestsPerSecond)} | ${s.errors} | ${s.unexpectedStatuses} | ${fixed(s.rssAfterWarmUp / 2 ** 20)} MiB | ${fixed(s.rssAtEnd / 2 ** 20)} MiB |`,
      );
    }
  }
  const notes = fileIn(place, 'profile-notes.md');
  if (existsSync(notes)) lines.push('', readFileSync(notes, 'utf8').trim());
  lines.push(
    '',
    '## Machine',
    '',
    ...Object.entries(r.machine).map(([key, value]) => `- ${key}: ${value}`),
    '',
  );
  return lines.join('\n');
}

/** Links between the reports of the Nest majors the bench has run on. */
function otherMajorsLines(place: ReportPlace): string[] {
  if (place.otherMajor)
    return [
      `The same bench on the Nest major the project is developed on: [../RESULTS.md](../RESULTS.md).`,
      '',
    ];
  const bench = fileIn(place, '');
  const others = readdirSync(bench)
    .filter((name) => /^nest\d+$/.test(name) && existsSync(new URL(`${name}/RESULTS.md`, bench)))
    .map((name) => `[Nest ${name.slice(4)}](${name}/RESULTS.md)`);
  return others.length === 0
    ? []
    : [`The same bench on other Nest majors: ${others.join(', ')}.`, ''];
}

function targetTable(list: readonly Target[]): string[] {
  const rows = ['| what | value | target | met |', '|---|---|---|---|'];
  for (const t of list) {
    for (const [where, value] of Object.entries(t.values)) {
      rows.push(
        `| ${t.what} (${where}) | ${shownAgainst(t, value)} | ${t.atMost ? '<=' : '>='} ${t.target.toFixed(2)} | ${met(t, value) ? 'yes' : '**no**'} |`,
      );
    }
  }
  return rows;
}

/** A row per workload, a column per variant measured on any ("-" where one was not). */
function variantTable(byWorkload: Record<string, Record<string, number>>): string[] {
  const variants = Object.keys(Object.values(byWorkload)[0]);
  return [
    `| workload | ${variants.join(' | ')} |`,
    `|---|${variants.map(() => '---').join('|')}|`,
    ...Object.entries(byWorkload).map(
      ([workload, byVariant]) =>
        `| ${workload} | ${variants.map((v) => (byVariant[v] === undefined ? '-' : thousands(byVariant[v]))).join(' | ')} |`,
    ),
  ];
}

function instructionSection(
  { valgrind, requests, perRequest }: InstructionCounts,
  runPrefix: string,
): string[] {
  const speed = Object.fromEntries(
    Object.entries(perRequest).map(([adapter, byWorkload]) => [
      adapter,
      Object.fromEntries(
        Object.entries(byWorkload).map(([workload, byVariant]) => [
          workload,
          Object.fromEntries(Object.entries(byVariant).map(([v, count]) => [v, 1 / count])),
        ]),
      ),
    ]),
  );
  const windows = Object.entries(requests)
    .map(
      ([adapter, n]) => `${thousands(n.counted)} ${adapter} requests after ${thousands(n.warmUp)}`,
    )
    .join(' and ');
  const lines = [
    `## Instructions per request (\`${runPrefix}npm run bench:instructions\`)`,
    '',
    `Counted by callgrind (${valgrind}) in each variant's server: every instruction it runs on ` +
      "any of its threads, V8's compiled code and garbage collection included, over " +
      `${windows} of warm-up, for the same variants and workloads as above. ` +
      'Two servers are counted at once, one per core, with nothing else running; two runs ' +
      'agreed within 0.5% on most express counts (one moved 13% between two runs: see ' +
      'profile-notes.md), where the requests/second above move by about 10% from one second ' +
      "to the next. Compare counts within this run only: a server's " +
      'count also moves with how it is run, most likely because V8 paces parts of its garbage ' +
      'collection by the clock, which valgrind slows about fifty times (bench/instructions.ts). ' +
      'A count is not time (a cache miss is one instruction in it), so it does not ' +
      'replace the targets above; it tells which way a row that the noise moves leans, and by ' +
      'how much. The same ratios, counted (fewer instructions per request reads as faster):',
    '',
    ...targetTable(comparisonTargets(speed)),
  ];
  for (const [adapter, byWorkload] of Object.entries(perRequest))
    lines.push('', `### ${adapter}, instructions per request`, '', ...variantTable(byWorkload));
  return lines;
}

/** A bar per ratio target and adapter, with the target drawn as a line: the comparison at a glance. */
function chartOf(r: BenchResults): string {
  const bars = targets(r)
    .filter((t) => !t.atMost)
    .flatMap((t) =>
      Object.entries(t.values).map(([where, value]) => ({
        label: `${t.what} (${where})`,
        value,
        target: t.target,
        ok: met(t, value),
      })),
    );
  const rowHeight = 26;
  const left = 600;
  const scale = 220; // pixels per 1.0
  const height = bars.length * rowHeight + 40;
  const rows = bars.map((bar, i) => {
    const y = 20 + i * rowHeight;
    const width = Math.min(bar.value, 2.2) * scale;
    return [
      `<text x="${left - 8}" y="${y + 16}" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${width.toFixed(1)}" height="16" fill="${bar.ok ? '#3c8d5a' : '#c0392b'}"/>`,
      `<line x1="${left + bar.target * scale}" x2="${left + bar.target * scale}" y1="${y + 1}" y2="${y + 23}" stroke="#222" stroke-dasharray="3,2"/>`,
      `<text x="${left + width + 6}" y="${y + 16}">${fixed(bar.value)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + 2.4 * scale + 60}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...rows,
    `<text x="${left}" y="${height - 8}" fill="#555">bars: measured ratio (green: target met); dashed line: target</text>`,
    '</svg>',
  ].join('\n');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function writeReport(results: BenchResults): { markdown: string } {
  const place = placeOf(String(results.machine.nest));
  const markdown = markdownOf(results, place);
  mkdirSync(fileIn(place, ''), { recursive: true });
  writeFileSync(fileIn(place, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(fileIn(place, 'RESULTS.md'), markdown);
  writeFileSync(fileIn(place, 'chart.svg'), chartOf(results));
  return { markdown };
}
