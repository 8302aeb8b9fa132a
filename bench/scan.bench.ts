/**
 * `assent scan` at dataset scale (issue 16), through the built CLI against a real node (`assent serve`
 * in its own process: Helia, SQLite, the gateway), over a list of 1,000,000 URLs of which a label claims
 * a few dozen:
 * - items/s of `assent scan LIST --out report.jsonl` (a process started per round, its start counted),
 *   against `POST /v1/check` driven directly with the same batches (the same 5,000 normalized ids per
 *   request, as many in flight as scan keeps, each answer read and parsed as JSON; bodies built
 *   beforehand). Bar ≥ 0.8×: what scan adds on top of the API (reading the list, verifying locally,
 *   writing the report) may cost at most a fifth of its speed. Scan itself asks `POST /v1/candidates`
 *   (the manifests naming the works, no verdicts: it decides locally) and fetches the blocks; the
 *   baseline stays the node deciding the same batches, the API a client would otherwise call.
 * - peak RSS of the scan process (`process.resourceUsage().maxRSS` at exit, through a preloaded
 *   module), bar ≤ 300 MB, against the peak RSS of a bare Node process that streams the same list
 *   with readline (the floor for reading it at all).
 * The CLI and the node run as built (`pnpm bench` builds first). `ASSENT_BENCH_SCAN_ITEMS` scales the
 * list down for a quick look.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity, normalizeWorkId, signManifest } from '@assent/manifest';
import { type ComparisonResult, compare } from './harness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'apps/cli/dist/bin.js');
const ITEMS = Number(process.env.ASSENT_BENCH_SCAN_ITEMS ?? 1_000_000);
/** Works `assent scan` sends per request and batches it keeps in flight (apps/cli/src/commands/scan.ts). */
const BATCH = 5_000;
const IN_FLIGHT = 3;
const ROUNDS = 3;
const RSS_BAR_MB = 300;
/** Writes the process's peak RSS (bytes) to $ASSENT_BENCH_RSS_FILE as it exits. */
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.ASSENT_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)));",
)}`;

const url = (n: number) => `https://dataset.example/audio/${n}.mp3`;

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`${args.join(' ')}: ${error.message}\n${stderr}`)),
    );
  });
}

/** `assent serve` in its own process, so that the client side of each benchmark has a core to itself. */
async function startNode(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--quiet', '--data', dir], {
    env: { PATH: process.env.PATH, ASSENT_HOME: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        resolve((JSON.parse(out) as { url: string }).url);
      } catch {
        // Not the whole document yet.
      }
    });
    child.once('exit', (code) => reject(new Error(`assent serve exited ${code}: ${out}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function scanBenchmarks(): Promise<ComparisonResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-bench-scan-'));
  const node = await startNode(join(dir, 'node'));
  try {
    // A label claims every 20,000th URL; the rest nobody claims, as in most of a dataset.
    const claimed = Array.from({ length: Math.ceil(ITEMS / 20_000) }, (_, i) => ({
      ids: [`url:${url(i * 20_000 + 1)}`],
    }));
    const label = await signManifest(
      { default: { 'train-genai': 'deny', search: 'allow' }, works: claimed },
      { identity: await generateIdentity() },
    );
    const published = await fetch(`${node.url}/v1/manifests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: label.bytes as Uint8Array<ArrayBuffer>,
    });
    if (published.status !== 201) throw new Error(`publish: HTTP ${published.status}`);

    // The list, and the same ids as scan sends them: normalized, 5,000 per request.
    const list = join(dir, 'urls.txt');
    const file = await open(list, 'w');
    const bodies: string[] = [];
    let chunk = '';
    let works: string[] = [];
    for (let n = 1; n <= ITEMS; n++) {
      chunk += `${url(n)}\n`;
      const id = normalizeWorkId(`url:${url(n)}`);
      if (!id.ok) throw new Error(id.message);
      works.push(id.value);
      if (works.length === BATCH || n === ITEMS) {
        bodies.push(JSON.stringify({ use: 'train-genai', works }));
        works = [];
      }
      if (chunk.length > 1 << 20 || n === ITEMS) {
        await file.write(chunk);
        chunk = '';
      }
    }
    await file.close();

    const env = { PATH: process.env.PATH, ASSENT_HOME: join(dir, 'company'), NO_COLOR: '1' };
    const rssFile = join(dir, 'rss');
    const peaks: number[] = [];
    const report = join(dir, 'report.jsonl');
    let checkedOnce = false;
    const throughput = await compare(
      {
        name: `\`assent scan\` of ${ITEMS.toLocaleString('en-US')} URLs against a node (${BATCH.toLocaleString('en-US')} per request, ${IN_FLIGHT} in flight, JSON Lines report; bar ≥ 0.8×)`,
        unit: 'items',
        bar: 0.8,
        baselineName: 'POST /v1/check, same batches, answers parsed',
        ops: ITEMS,
        candidate: async () => {
          const stdout = await run(
            [
              '--import',
              RSS_HOOK,
              BIN,
              'scan',
              list,
              '--use',
              'train-genai',
              '--gateway',
              node.url,
              '--out',
              report,
            ],
            { ...env, ASSENT_BENCH_RSS_FILE: rssFile },
          );
          peaks.push(Number(readFileSync(rssFile, 'utf8')));
          if (!checkedOnce) {
            // Every item reported, the claimed ones denied.
            if (!new RegExp(`deny\\s+${claimed.length}\\n`).test(stdout) || !/items\s+\d+/.test(stdout))
              throw new Error(`unexpected summary:\n${stdout}`);
            checkedOnce = true;
          }
        },
        baseline: async () => {
          let next = 0;
          let results = 0;
          await Promise.all(
            Array.from({ length: IN_FLIGHT }, async () => {
              while (next < bodies.length) {
                const body = bodies[next++] as string;
                const answer = await fetch(`${node.url}/v1/check`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', accept: 'application/json' },
                  body,
                });
                const parsed = (await answer.json()) as { results?: unknown[] };
                if (!Array.isArray(parsed.results))
                  throw new Error(`POST /v1/check: HTTP ${answer.status} ${JSON.stringify(parsed)}`);
                results += parsed.results.length;
              }
            }),
          );
          if (results !== ITEMS) throw new Error(`POST /v1/check answered ${results} results`);
        },
      },
      ROUNDS,
    );

    // The floor: a bare Node process streaming the same list, a line at a time.
    const floorScript = `import { createReadStream } from 'node:fs'; import { createInterface } from 'node:readline'; let n = 0; for await (const _ of createInterface({ input: createReadStream(${JSON.stringify(list)}) })) n++; if (n !== ${ITEMS}) process.exit(1);`;
    await run(['--import', RSS_HOOK, '--input-type=module', '-e', floorScript], {
      ...env,
      ASSENT_BENCH_RSS_FILE: rssFile,
    });
    const floor = Number(readFileSync(rssFile, 'utf8'));
    const peak = Math.max(...peaks);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    return [
      throughput,
      {
        name: `\`assent scan\` of ${ITEMS.toLocaleString('en-US')} URLs: peak RSS of the scan process, the highest of ${peaks.length} runs (bar ≤ ${RSS_BAR_MB} MB)`,
        unit: 'bytes',
        baselineName: 'node streaming the same list with readline',
        candidatePerSecond: peak,
        baselinePerSecond: floor,
        ratio: peak / floor,
        bar: null,
        pass: peak <= RSS_BAR_MB * 1e6,
        figure: mb(peak),
        baselineFigure: mb(floor),
      },
    ];
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

// `node --import tsx bench/scan.bench.ts` runs it alone.
if (process.argv[1]?.endsWith('scan.bench.ts')) {
  const { table } = await import('./harness.js');
  console.log(table(await scanBenchmarks()));
}
