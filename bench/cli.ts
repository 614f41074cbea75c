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
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

/** Starts `kairos serve` (of `entry`) on a free port and resolves once it printed its MCP endpoint. */
function startServe(env: NodeJS.ProcessEnv, cwd: string, entry = CLI): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [entry, 'serve'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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
      const m = /MCP endpoint: (http:\/\/\S+)\/mcp/.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ url: m[1]!, stop });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`serve exited:\n${out}\n${err}`));
    });
  });
}

/**
 * The local engine as the editor starts it (the VSIX's bundled engine when built, with the
 * extension's environment): spawn → its first memory list answered, on a new data dir and again
 * on the same one. Issue 11's budget is 1.5 s.
 */
async function engineStarts(env: NodeJS.ProcessEnv, runs: number): Promise<{ entry: string; fresh: number[]; existing: number[] }> {
  const bundled = resolve(import.meta.dirname, 'engine', 'kairos.mjs');
  const entry = existsSync(bundled) ? bundled : CLI;
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`\r\x1b[Kengine start ${i + 1}/${runs}`);
    const home = await mkdtemp(join(tmpdir(), 'kairos-bench-engine-'));
    const engineEnv = { ...env, KAIROS_HOME: home, KAIROS_PORT: '0', KAIROS_HOST: '127.0.0.1' };
    try {
      for (const samples of [fresh, existing]) {
        const t0 = performance.now();
        const server = await startServe(engineEnv, home, entry);
        const token = (await readFile(join(home, 'token'), 'utf8')).trim();
        const r = await fetch(`${server.url}/v1/memories?limit=1`, { headers: { authorization: `Bearer ${token}` } });
        if (!r.ok) throw new Error(`the first list answered ${r.status}`);
        samples.push(performance.now() - t0);
        await server.stop();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }
  process.stderr.write('\r\x1b[K');
  return { entry, fresh, existing };
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
  const { stop } = await startServe(env, home);
  const nodeFloor: number[] = [];
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
    nodeFloor.push(...samples.get('node -e 0')!);
    const base = median(nodeFloor);
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
  const engine = await engineStarts(env, Number(process.env.KAIROS_BENCH_ENGINE_RUNS ?? 5));
  const floor = median(nodeFloor);
  console.log(
    `\nLocal engine start (${engine.entry.replace(resolve(import.meta.dirname, '..') + '/', '')}), spawn → first list answered, median of ${engine.fresh.length}\n`,
  );
  for (const [name, xs] of [
    ['new data dir', engine.fresh],
    ['existing data dir', engine.existing],
  ] as const) {
    const m = median(xs);
    console.log([name.padEnd(28), `${m.toFixed(0)} ms`.padStart(10), `${(m / floor).toFixed(2)}×`.padStart(20), '1500 ms'.padStart(10)].join(''));
  }
}

await main();
