/**
 * `npm run bench:cli`: wall time of CLI invocations as the user sees them (process start to exit),
 * each beside `node -e 0` measured in the same run, interleaved so that both see the same load.
 * `kairos search` runs against a `kairos serve` started here (a warm server: its model is loaded
 * by a first search before the timed runs), from a folder outside any git checkout.
 *
 * Runs per command: KAIROS_BENCH_RUNS (default 15); the median is reported. KAIROS_BENCH_BASE=<path
 * to another build's kairos.mjs> adds its rows ("… (base)"), interleaved in the same run, for a
 * before/after table measured under the same load.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const CLI = resolve(import.meta.dirname, 'kairos.mjs');
const BASE = process.env.KAIROS_BENCH_BASE ? resolve(process.env.KAIROS_BENCH_BASE) : undefined;
const runs = Number(process.env.KAIROS_BENCH_RUNS ?? 15);
/** The budgets of issue 13, for reading the table; nothing here asserts them. */
const BUDGET_MS: Record<string, number> = { 'kairos --version': 150, 'kairos search <q>': 300 };

interface Case {
  name: string;
  args: string[];
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolvePromise(ms);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}

/** Starts `kairos serve` on a free port and resolves once it printed its MCP endpoint. */
function startServe(env: NodeJS.ProcessEnv, cwd: string): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((res) => child.on('close', () => res()));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
  };
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start:\n${out}\n${err}`)), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/MCP endpoint: http:\/\/\S+\/mcp/.test(out)) {
        clearTimeout(timer);
        res(stop);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`serve exited:\n${out}\n${err}`));
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'kairos-bench-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, KAIROS_HOME: home, KAIROS_PORT: '0' };
  for (const k of ['KAIROS_MODE', 'DATABASE_URL', 'KAIROS_EXIT_WHEN_UNUSED']) delete env[k];
  const stop = await startServe(env, home);
  try {
    const kairos: Case[] = [
      { name: 'kairos --version', args: ['--version'] },
      { name: 'kairos --help', args: ['--help'] },
      { name: 'kairos search <q>', args: ['search', 'how', 'do', 'we', 'run', 'tests'] },
    ];
    // The floor for any ESM entry (dist/kairos.mjs is one): a file that only prints a version.
    const floor = join(home, 'floor.mjs');
    await writeFile(floor, "process.stdout.write('0.0.0\\n');\n");
    const cases: Case[] = [
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'node <1-line .mjs>', args: [floor] },
      ...kairos.flatMap((c) => [{ name: c.name, args: [CLI, ...c.args] }, ...(BASE ? [{ name: `${c.name} (base)`, args: [BASE, ...c.args] }] : [])]),
    ];
    const search = cases.find((c) => c.name === 'kairos search <q>')!;
    // A memory to find, and a first search that loads the server's model: the timed runs see a warm server.
    await run([CLI, 'remember', 'Run the tests with npm test'], env, home);
    await run(search.args, env, home);
    const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    for (let i = 0; i < runs; i++) {
      process.stderr.write(`\r\x1b[Kround ${i + 1}/${runs}`);
      for (const c of cases) samples.get(c.name)!.push(await run(c.args, env, home));
    }
    process.stderr.write('\r\x1b[K');
    const base = median(samples.get('node -e 0')!);
    console.log(`CLI start-up, median of ${runs} runs (wall, spawn to exit), against a running \`kairos serve\` where it applies\n`);
    console.log(['command'.padEnd(28), 'median'.padStart(10), 'ratio to node -e 0'.padStart(20), 'budget'.padStart(10)].join(''));
    for (const c of cases) {
      const m = median(samples.get(c.name)!);
      const budget = BUDGET_MS[c.name];
      console.log(
        [c.name.padEnd(28), `${m.toFixed(0)} ms`.padStart(10), `${(m / base).toFixed(2)}×`.padStart(20), (budget ? `${budget} ms` : '').padStart(10)].join(''),
      );
    }
  } finally {
    await stop();
    await rm(home, { recursive: true, force: true });
  }
}

await main();
