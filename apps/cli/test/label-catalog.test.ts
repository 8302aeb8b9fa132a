import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assent, buildCli, json, type Served, serve } from './support/cli.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND_GRANTS = '--unbound-grants';

/**
 * Changing consent through the built CLI against a real node (`assent serve`: Helia, SQLite, the
 * gateway on 127.0.0.1): revocations that must beat a work's own broader grant, end dates that must
 * survive the next version, and a label's 100,000-work catalog drafted from a CSV of ISRCs.
 */
let dir: string;
let node: Served;
let company: Record<string, string>;

interface Checked {
  decision: string;
  evidence: { cid: string; version: number; page?: string; term: string | null }[];
}

function creatorEnv(name: string): Record<string, string> {
  return { ASSENT_HOME: join(dir, name), ASSENT_PASSPHRASE: `${name} passphrase`, ASSENT_GATEWAY: node.url };
}

async function check(work: string, use: string): Promise<Checked> {
  const run = await assent(['check', work, '--use', use, UNBOUND_GRANTS, '--json'], company);
  return json<Checked>(run);
}

async function ok(args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  const run = await assent([...args, '--json'], env);
  expect(run.code, `assent ${args.join(' ')}\n${run.stderr}`).toBe(0);
  return json(run);
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-label-'));
  node = await serve(['--data', join(dir, 'node')], { ASSENT_HOME: join(dir, 'node') });
  company = { ASSENT_HOME: join(dir, 'company'), ASSENT_GATEWAY: node.url };
}, 120_000);

afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('assent revoke', () => {
  it('denies a narrower use even where a work allows a broader one', async () => {
    const me = creatorEnv('revoker');
    await ok(['id', 'create'], me);
    const work = 'isrc:QZDZ52700001';
    // The work's own `train-ai: allow` beats the default for train-genai (docs/decisions.md h12).
    await ok(['draft', work, '--allow', 'train-ai,search', '-o', join(dir, 'revoke-draft.json')], me);
    await ok(['publish', join(dir, 'revoke-draft.json')], me);
    expect((await check(work, 'train-genai')).decision).toBe('allow');

    await ok(['revoke', '--use', 'train-genai'], me);
    const genai = await check(work, 'train-genai');
    expect(genai.decision).toBe('deny');
    expect(genai.evidence[0]).toMatchObject({ version: 2, term: 'train-genai' });
    // Only what was revoked changed.
    expect((await check(work, 'train-ai')).decision).toBe('allow');
    expect((await check(work, 'search')).decision).toBe('allow');
  });
});

describe('end dates', () => {
  it('--until ends a grant, --valid-until the manifest, and the next version keeps both', async () => {
    const me = creatorEnv('dated');
    await ok(['id', 'create'], me);
    const work = 'url:https://dated.example/track-1';
    const draft = await ok(
      ['draft', work, '--allow', 'search', '--until', '2098-01-01', '--valid-until', '2099-06-30'],
      me,
    );
    expect(draft.draft).toMatchObject({
      validUntil: '2099-06-30T00:00:00Z',
      works: [
        { policy: { search: { decision: 'conditional', conditions: { until: '2098-01-01T00:00:00Z' } } } },
      ],
    });
    writeFileSync(join(dir, 'dated.json'), JSON.stringify(draft.draft));
    await ok(['publish', join(dir, 'dated.json')], me);
    expect((await check(work, 'search')).decision).toBe('conditional');

    await ok(['revoke', '--use', 'ai-input'], me);
    const next = await ok(['draft'], me);
    // The work says nothing about AI input, so the denial goes into the default that decides it.
    expect(next.draft).toMatchObject({
      default: { 'ai-input': 'deny' },
      validUntil: '2099-06-30T00:00:00Z',
      works: [{ policy: { search: { conditions: { until: '2098-01-01T00:00:00Z' } } } }],
    });
    expect((await check(work, 'ai-input')).decision).toBe('deny');
    const bad = await assent(['draft', work, '--allow', 'search', '--until', '30/06/2099', '--json'], me);
    expect(bad.code).toBe(2);
    expect(json<{ error: { code: string } }>(bad).error.code).toBe('USAGE');
  });
});

describe('a label with 100,000 works', () => {
  it('drafts from a CSV of ISRCs, signs, publishes, checks, and revokes one use', async () => {
    const label = creatorEnv('label');
    await ok(['id', 'create', '--name', 'Label'], label);
    const isrc = (n: number) => `QZDZ5${String(n).padStart(7, '0')}`;
    const csv = join(dir, 'catalog.csv');
    const rows = ['isrc'];
    for (let n = 0; n < 100_000; n++) rows.push(isrc(n));
    writeFileSync(csv, `${rows.join('\n')}\n`);

    // A pretty-printed draft of every work: far above the 1 MiB block limit, as a draft may be.
    const draftFile = join(dir, 'catalog-draft.json');
    const drafted = await ok(
      ['draft', csv, '--deny', 'train-genai', '--allow', 'search', '-o', draftFile],
      label,
    );
    expect(drafted.works).toBe(100_000);
    expect(readFileSync(draftFile).length).toBeGreaterThan(1_048_576);
    const signed = await ok(['sign', draftFile, '-o', join(dir, 'catalog-signed.json')], label);
    expect((signed.pages as string[]).length).toBeGreaterThan(1);
    const published = await ok(['publish', join(dir, 'catalog-signed.json')], label);
    expect(published).toMatchObject({ version: 1, created: true });

    const sample = [7, 51_234, 99_999].map(isrc);
    for (const code of sample) {
      expect((await check(`isrc:${code}`, 'train-genai')).decision).toBe('deny');
      expect((await check(`isrc:${code}`, 'search')).decision).toBe('allow');
    }
    const revoked = await ok(['revoke', '--use', 'search'], label);
    expect(revoked).toMatchObject({ version: 2 });
    for (const code of sample) {
      const search = await check(`isrc:${code}`, 'search');
      expect(search.decision).toBe('deny');
      expect(search.evidence[0]?.version).toBe(2);
      expect((await check(`isrc:${code}`, 'train-genai')).decision).toBe('deny');
    }
    // Every work is still claimed by the new version.
    const next = await ok(['draft', '-o', join(dir, 'catalog-next.json')], label);
    expect(next).toMatchObject({ works: 100_000, from: { version: 2 } });
  }, 300_000);
});
