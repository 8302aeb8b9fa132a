import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateIdentity, type Identity, type SignedManifest, signManifest } from '@assent/manifest';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listItems, resolveInputs } from '../src/work-items.js';
import { assent, buildCli, json, type Served, serve } from './support/cli.js';

/**
 * `assent scan` at dataset scale (issue 16), through the built CLI against real nodes (`assent serve`:
 * Helia, SQLite and the gateway on 127.0.0.1): a million-line list is streamed and every item reported;
 * a 200,000-line list no longer overflows the stack; warnings reach the table, the CSV and the exit
 * code as docs/errors.md gives them; the streamed JSON is one valid document and the CSV parses with
 * csv-parse. Speed and memory are the benchmark's (bench/scan.bench.ts), not asserted here.
 */
let dir: string;
let node: Served;
let label: Identity;
let labelV1: SignedManifest;

/** The URL of line `n` of the generated lists: mostly works nobody claims. */
const url = (n: number) => `https://dataset.example/audio/${n}.mp3`;
/** Lines of the million-line list that a label claims (denying generative training). */
const CLAIMED = [1, 2, 77_777, 500_000, 999_999, 1_000_000];
/** Lines that are not work ids: reported as errors, in place. */
const MALFORMED = new Map([
  [3, 'javascript:alert(1)'],
  [654_321, 'isrc:NOT-AN-ISRC'],
]);

async function publish(to: Served, manifest: SignedManifest): Promise<void> {
  const answer = await fetch(`${to.url}/v1/manifests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: manifest.bytes as Uint8Array<ArrayBuffer>,
  });
  expect(answer.status, await answer.text()).toBeLessThan(300);
}

/** Writes a list of `count` lines in chunks (a million lines are ~40 MB: never one string). */
async function writeList(path: string, count: number, line: (n: number) => string): Promise<void> {
  const file = await open(path, 'w');
  try {
    let chunk = '';
    for (let n = 1; n <= count; n++) {
      chunk += `${line(n)}\n`;
      if (chunk.length > 1 << 20) {
        await file.write(chunk);
        chunk = '';
      }
    }
    await file.write(chunk);
  } finally {
    await file.close();
  }
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-scan-scale-'));
  node = await serve(['--data', join(dir, 'node')], { ASSENT_HOME: join(dir, 'node') });
  label = await generateIdentity();
  labelV1 = await signManifest(
    {
      default: { 'train-genai': 'deny', search: 'allow' },
      works: CLAIMED.map((n) => ({ ids: [`url:${url(n)}`] })),
    },
    { identity: label },
  );
  await publish(node, labelV1);
}, 120_000);

afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('assent scan of a 1,000,000-line list', () => {
  it('streams the list and reports every item, in order, with the claimed ones denied', async () => {
    const list = join(dir, 'million.txt');
    await writeList(list, 1_000_000, (n) => MALFORMED.get(n) ?? url(n));
    const out = join(dir, 'million.jsonl');
    const run = await assent(
      ['scan', list, '--use', 'train-genai', '--gateway', node.url, '--out', out, '--json'],
      { ASSENT_HOME: join(dir, 'company') },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toEqual({
      out,
      format: 'jsonl',
      summary: {
        items: 1_000_000,
        allow: 0,
        conditional: 0,
        deny: CLAIMED.length,
        unknown: 1_000_000 - CLAIMED.length - MALFORMED.size,
        disputed: 0,
        errors: MALFORMED.size,
      },
      warnings: {},
    });
    // Every line is one item, in order; the report is read back as it was written, a line at a time.
    let n = 0;
    const lines = createInterface({ input: createReadStream(out), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      n++;
      const item = JSON.parse(line) as {
        source: string;
        ids: string[];
        decision: string;
        evidence: { cid: string }[];
        error?: { code: string };
      };
      expect(item.source).toBe(`${list}:${n}`);
      if (MALFORMED.has(n)) {
        expect(item.decision).toBe('error');
        expect(item.error?.code).toMatch(/^WORK_ID_/);
      } else if (CLAIMED.includes(n)) {
        expect(item).toMatchObject({ ids: [`url:${url(n)}`], decision: 'deny' });
        expect(item.evidence[0]?.cid).toBe(labelV1.cid);
      } else if (item.decision !== 'unknown' || item.ids[0] !== `url:${url(n)}`) {
        expect(item).toMatchObject({ ids: [`url:${url(n)}`], decision: 'unknown' });
      }
    }
    expect(n).toBe(1_000_000);
  }, 600_000);
});

describe('lists that used to break', () => {
  it('reads a 200,000-line list without overflowing the stack (resolveInputs, as draft calls it)', async () => {
    const list = join(dir, 'two-hundred-thousand.txt');
    await writeList(list, 200_000, url);
    // Before: `push(...items)` threw RangeError: Maximum call stack size exceeded (exit 6, INTERNAL).
    const items = await resolveInputs([list], { lists: true });
    expect(items).toHaveLength(200_000);
    expect(items[199_999]).toEqual({ source: `${list}:200000`, ids: [`url:${url(200_000)}`] });
    // `assent scan` itself streams (the million-line test above runs it through the built CLI).
  }, 60_000);

  it('reads CSV lists with csv-parse: quoted commas, quotes and line breaks; a broken record is an item error', async () => {
    const list = join(dir, 'tricky.csv');
    writeFileSync(
      list,
      [
        'title,url',
        `"Track, with a comma",${url(1)}`,
        `"He said ""hi""",${url(2)}`,
        `"two\nlines",${url(77_777)}`,
        '# a comment line',
        `plain,"${url(4)}"`,
      ].join('\n'),
    );
    const items = await listItems(list);
    expect(items.map((i) => i.ids)).toEqual([
      [`url:${url(1)}`],
      [`url:${url(2)}`],
      [`url:${url(77_777)}`],
      [`url:${url(4)}`],
    ]);
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, `url\n${url(1)}\n"${url(2)}\n`);
    const read = await listItems(broken);
    expect(read[0]).toEqual({ source: `${broken}:2`, ids: [`url:${url(1)}`] });
    expect(read.at(-1)?.error?.code).toBe('CSV_SYNTAX');
  });
});

describe('the report formats', () => {
  let list: string;
  beforeAll(async () => {
    // 12,345 items: several batches of 5,000, so the streamed output crosses batch boundaries.
    list = join(dir, 'mixed.csv');
    await writeList(list, 12_345, (n) =>
      n === 1
        ? 'id,note'
        : n === 10
          ? '"=HYPERLINK(""http://evil.example""),x",a formula'
          : `${url(CLAIMED[n % 97] ?? n)},"note ${n}, with ""quotes"""`,
    );
  });

  it('--format json streams one valid JSON document: the items as an array, then the summary', async () => {
    const run = await assent(['scan', list, '--use', 'train-genai', '--gateway', node.url, '--json'], {
      ASSENT_HOME: join(dir, 'company'),
    });
    expect(run.code, run.stderr).toBe(0);
    const report = json<{
      use: string;
      source: { gateway: string };
      items: { source: string; decision: string }[];
      summary: Record<string, number>;
      warnings: Record<string, number>;
    }>(run);
    expect(report.use).toBe('train-genai');
    expect(report.source).toEqual({ gateway: node.url });
    expect(report.items).toHaveLength(12_344);
    expect(report.items.map((i) => i.source)).toEqual(
      Array.from({ length: 12_344 }, (_, i) => `${list}:${i + 2}`),
    );
    expect(report.summary).toMatchObject({ items: 12_344, errors: 1 });
    expect(report.summary.deny).toBe(report.items.filter((i) => i.decision === 'deny').length);
    expect(report.summary.deny).toBeGreaterThan(0);
    expect(report.warnings).toEqual({});
  }, 60_000);

  it('--format csv parses with csv-parse: a row per item, formulas defused', async () => {
    const out = join(dir, 'mixed-report.csv');
    const run = await assent(['scan', list, '--use', 'train-genai', '--gateway', node.url, '--out', out], {
      ASSENT_HOME: join(dir, 'company'),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/items\s+12344/);
    const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'source',
      'ids',
      'decision',
      'disputed',
      'conditions',
      'decided_by',
      'evidence',
      'reason',
      'warnings',
      'claimants',
    ]);
    expect(rows).toHaveLength(12_344);
    const formula = rows.find((r) => r.source === `${list}:10`);
    expect(formula?.decision).toBe('error');
    // A spreadsheet must not run it: csv-stringify's escape_formulas prefixes a quote.
    expect(formula?.reason?.startsWith("'=")).toBe(true);
    const denied = rows.filter((r) => r.decision === 'deny');
    expect(denied.length).toBeGreaterThan(0);
    for (const row of denied) expect(row.evidence).toBe(`${labelV1.cid}@1`);
  }, 60_000);
});

describe('warnings reach the table, the CSV and the exit code (docs/errors.md)', () => {
  it('a fork (FORKED) and a node serving an older version (ROLLBACK_DETECTED) exit 5', async () => {
    const company = { ASSENT_HOME: join(dir, 'company-warned') };
    const creator = await generateIdentity();
    const track = (n: number) => `url:https://artist.example/tracks/${n}`;
    const works = [1, 2, 3].map((n) => ({ ids: [track(n)] }));
    const v1 = await signManifest({ default: { 'ai-input': 'allow' }, works }, { identity: creator });
    const v2 = await signManifest(
      { default: { 'ai-input': 'deny' }, works },
      { identity: creator, head: v1 },
    );
    await publish(node, v1);
    await publish(node, v2);
    const list = join(dir, 'artist.txt');
    writeFileSync(list, `${[1, 2, 3].map((n) => track(n).slice(4)).join('\n')}\n${url(5)}\n`);

    // The company sees version 2; no warning, exit 0.
    const clean = await assent(['scan', list, '--use', 'ai-input', '--gateway', node.url], company);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).not.toMatch(/warning/);

    // A node that only holds version 1: the remembered version 2 decides, the table says why, exit 5.
    const stale = await serve(['--data', join(dir, 'stale')], { ASSENT_HOME: join(dir, 'stale') });
    try {
      await publish(stale, v1);
      const table = await assent(['scan', list, '--use', 'ai-input', '--gateway', stale.url], company);
      expect(table.code, table.stderr).toBe(5);
      const lines = table.stdout.split('\n');
      for (const n of [1, 2, 3]) {
        const line = lines.find((l) => l.includes(`${list}:${n} `));
        expect(line).toMatch(/^deny\s.*warning ROLLBACK_DETECTED$/);
      }
      expect(lines.find((l) => l.includes(`${list}:4 `))).not.toMatch(/warning/);
      expect(table.stdout).toMatch(/ROLLBACK_DETECTED\s+3\n/);

      const out = join(dir, 'stale.csv');
      const csv = await assent(
        ['scan', list, '--use', 'ai-input', '--gateway', stale.url, '--out', out, '--fail-on', 'deny'],
        company,
      );
      // --fail-on deny matches too (1); the warning's code is the higher, and wins.
      expect(csv.code).toBe(5);
      const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r.warnings)).toEqual([
        'ROLLBACK_DETECTED',
        'ROLLBACK_DETECTED',
        'ROLLBACK_DETECTED',
        '',
      ]);
    } finally {
      await stale.stop();
    }

    // The creator forks: a second, different version 2 on the node. Both branches are weighed.
    const fork = await signManifest(
      { default: { 'ai-input': 'allow', search: 'deny' }, works },
      { identity: creator, head: v1 },
    );
    await publish(node, fork);
    const forked = await assent(
      ['scan', list, '--use', 'ai-input', '--gateway', node.url, '--json'],
      company,
    );
    expect(forked.code, forked.stderr).toBe(5);
    const report = json<{
      items: { decision: string; disputed: boolean; warnings: { code: string }[] }[];
      warnings: Record<string, number>;
    }>(forked);
    expect(report.warnings).toEqual({ FORKED: 3 });
    for (const item of report.items.slice(0, 3)) {
      expect(item).toMatchObject({ decision: 'deny', disputed: true });
      expect(item.warnings.map((w) => w.code)).toContain('FORKED');
    }
  }, 120_000);
});
