import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flac, mp3, wav } from './support/audio-fixtures.js';
import { assent, buildCli, json, type Served, serve } from './support/cli.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND_GRANTS = '--unbound-grants';

/**
 * The story of DESIGN §1, end to end through the built CLI and real nodes (`assent serve`: a Helia
 * node, SQLite index and the @assent/gateway HTTP server on 127.0.0.1, a free port): a creator
 * declares "no generative-AI training of my 12 tracks, search OK, AI input only with credit", signs
 * and publishes; a second node receives it; an AI company scans the folder plus a CSV of URLs; the
 * creator revokes a permission; the next scan reflects it, and a node that still serves the old
 * manifest is caught.
 */
let dir: string;
let music: string;
let nodeA: Served;
let nodeB: Served | undefined;
let creator: Record<string, string>;
let company: Record<string, string>;
let v1: { cid: string; version: number };

const isrc = (n: number) => `QZDZ526${String(n).padStart(5, '0')}`;

interface Report {
  summary: Record<string, number>;
  items: {
    source: string;
    ids: string[];
    decision: string;
    conditions?: unknown;
    evidence: { cid: string; version: number }[];
    warnings: { code: string }[];
  }[];
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'assent-cli-story-'));
  music = join(dir, 'the-flight');
  mkdirSync(music);
  for (let n = 1; n <= 12; n++) {
    const name = `${String(n).padStart(2, '0')} Track ${n}`;
    const title = `Track ${n}`;
    // 6 MP3s (ID3v2.4 TSRC), 4 FLACs (Vorbis ISRC=), 2 WAVs (no tags: identified by their hash).
    if (n <= 6) writeFileSync(join(music, `${name}.mp3`), mp3({ isrc: isrc(n), title, seed: n }));
    else if (n <= 10) writeFileSync(join(music, `${name}.flac`), flac({ isrc: isrc(n), title, seed: n }));
    else writeFileSync(join(music, `${name}.wav`), wav({ seed: n }));
  }
  nodeA = await serve(['--data', join(dir, 'node-a')], { ASSENT_HOME: join(dir, 'node-a') });
  creator = {
    ASSENT_HOME: join(dir, 'creator'),
    ASSENT_PASSPHRASE: 'the flight 1987',
    ASSENT_GATEWAY: nodeA.url,
  };
  company = { ASSENT_HOME: join(dir, 'company'), ASSENT_GATEWAY: nodeA.url };
  writeFileSync(
    join(dir, 'urls.csv'),
    'url,title\nhttps://soundcloud.com/the-flight/track-3,Track 3\n"https://example.com/someone-else.mp3","Other, not claimed"\n',
  );
}, 120_000);

afterAll(async () => {
  await nodeB?.stop();
  await nodeA?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the creator', () => {
  it('creates an identity, drafts the 12 tracks and publishes (the draft is signed on the way)', async () => {
    expect((await assent(['id', 'create', '--name', 'The Flight'], creator)).code).toBe(0);
    const drafted = await assent(
      [
        'draft',
        music,
        'url-prefix:https://soundcloud.com/the-flight/',
        '--deny',
        'train-genai',
        '--allow',
        'search',
        '--conditional',
        'ai-input',
        '--attribution',
        'The Flight',
        '-o',
        join(dir, 'draft.json'),
        '--json',
      ],
      creator,
    );
    expect(drafted.code, drafted.stderr).toBe(0);
    expect(json(drafted)).toMatchObject({ works: 13, from: null });
    const published = await assent(['publish', join(dir, 'draft.json'), '--json'], creator);
    expect(published.code, published.stderr).toBe(0);
    v1 = json<{ cid: string; version: number }>(published);
    expect(json(published)).toMatchObject({ version: 1, created: true, signed: true });
    // The same manifest again: 200, nothing new.
    const again = await assent(
      ['publish', join(creator.ASSENT_HOME as string, 'manifests', `${v1.cid}.json`), '--json'],
      creator,
    );
    expect(json(again)).toMatchObject({ cid: v1.cid, created: false });
    expect((await assent(['verify', v1.cid], creator)).code).toBe(0);
  });

  it('reaches a second node that names the first as its peer', async () => {
    nodeB = await serve(['--data', join(dir, 'node-b'), '--peer', nodeA.multiaddrs[0] as string], {
      ASSENT_HOME: join(dir, 'node-b'),
    });
    const b = { ...company, ASSENT_HOME: join(dir, 'company-b'), ASSENT_GATEWAY: nodeB.url };
    let decision = '';
    for (let i = 0; i < 100 && decision !== 'deny'; i++) {
      const run = await assent(['check', `isrc:${isrc(1)}`, '--use', 'train-genai', '--json'], b);
      decision = String(json(run).decision);
      if (decision !== 'deny') await new Promise((r) => setTimeout(r, 200));
    }
    expect(decision).toBe('deny');
  });
});

describe('the AI company', () => {
  it('scans the folder and a CSV of URLs: a verdict per item, with the manifest that decided', async () => {
    const out = join(dir, 'report.json');
    const run = await assent(
      [
        'scan',
        music,
        join(dir, 'urls.csv'),
        '--use',
        'train-genai',
        '--org',
        'did:web:example.ai',
        '--out',
        out,
        '--format',
        'json',
      ],
      company,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/deny\s+13/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.summary).toEqual({
      items: 14,
      allow: 0,
      conditional: 0,
      deny: 13,
      unknown: 1,
      disputed: 0,
      errors: 0,
    });
    for (const item of report.items.filter((i) => i.decision === 'deny')) {
      expect(item.evidence[0]).toMatchObject({ cid: v1.cid, version: 1 });
    }
    const mp3Item = report.items.find((i) => i.source.endsWith('01 Track 1.mp3'));
    expect(mp3Item?.ids).toEqual([expect.stringMatching(/^sha256:/), `isrc:${isrc(1)}`]);
    expect(report.items.find((i) => i.source.endsWith('urls.csv:3'))).toMatchObject({
      ids: ['url:https://example.com/someone-else.mp3'],
      decision: 'unknown',
    });

    const failing = await assent(
      ['scan', music, '--use', 'train-genai', '--fail-on', 'deny', '--json'],
      company,
    );
    expect(failing.code).toBe(1);
    expect(json<Report>(failing).summary.deny).toBe(12);
  });

  it('sees AI input as conditional on credit, and search as allowed (CSV and JSON output)', async () => {
    const csv = await assent(
      ['scan', music, '--use', 'ai-input', '--format', 'csv', UNBOUND_GRANTS],
      company,
    );
    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe(
      'source,ids,decision,disputed,conditions,decided_by,evidence,reason,warnings,claimants',
    );
    expect(rows).toHaveLength(13);
    for (const row of rows.slice(1))
      expect(row).toContain(',conditional,false,"{""attribution"":""The Flight""}"');
    expect(csv.stderr).toMatch(/conditional\s+12/);
    const search = json<Report>(
      await assent(['scan', music, '--use', 'search', UNBOUND_GRANTS, '--json'], company),
    );
    expect(search.summary).toMatchObject({ allow: 12, deny: 0 });
    const checked = await assent(
      ['check', 'https://soundcloud.com/the-flight/track-3', '--use', 'search', UNBOUND_GRANTS, '--json'],
      company,
    );
    expect(json(checked)).toMatchObject({
      decision: 'allow',
      id: 'url:https://soundcloud.com/the-flight/track-3',
    });
  });
});

describe('a label with a large catalog', () => {
  it('publishes works beyond what fits inline as catalog pages (a CAR upload), and they are checked', async () => {
    const label = { ...creator, ASSENT_HOME: join(dir, 'label') };
    expect((await assent(['id', 'create', '--name', 'Label'], label)).code).toBe(0);
    const works = Array.from({ length: 4000 }, (_, i) => ({
      ids: [
        `url:https://label.example/catalog/releases/2026/track-${String(i).padStart(5, '0')}-with-a-long-name.flac`,
      ],
    }));
    const draft = join(dir, 'label-draft.json');
    writeFileSync(draft, JSON.stringify({ default: { 'train-ai': 'deny', search: 'allow' }, works }));
    const published = await assent(['publish', draft, '--json'], label);
    expect(published.code, published.stderr).toBe(0);
    const { cid } = json<{ cid: string }>(published);
    const verified = json<{ pages: { verified: number; missing: string[] } }>(
      await assent(['verify', cid, '--json'], label),
    );
    expect(verified.pages.verified).toBeGreaterThan(0);
    expect(verified.pages.missing).toEqual([]);
    const last = works[3999]?.ids[0] as string;
    const checked = json<{ decision: string; evidence: { cid: string; page?: string }[] }>(
      await assent(['check', last, '--use', 'train-genai', '--json'], company),
    );
    expect(checked.decision).toBe('deny');
    expect(checked.evidence[0]).toMatchObject({ cid, page: expect.stringMatching(/^bagaaiera/) });
  });
});

describe('the creator changes their mind', () => {
  it('revokes AI input, and the next scan reflects it', async () => {
    const revoked = await assent(['revoke', '--use', 'ai-input', '--json'], creator);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(json(revoked)).toMatchObject({ version: 2, previous: v1.cid, created: true });
    const scan = json<Report>(
      await assent(['scan', music, '--use', 'ai-input', UNBOUND_GRANTS, '--json'], company),
    );
    expect(scan.summary).toMatchObject({ deny: 12, conditional: 0 });
    // Search is untouched; then one track is withdrawn entirely.
    const one = await assent(['revoke', '--work', `isrc:${isrc(3)}`, '--json'], creator);
    expect(json(one)).toMatchObject({ version: 3 });
    const search = json<Report>(
      await assent(['scan', music, '--use', 'search', UNBOUND_GRANTS, '--json'], company),
    );
    expect(search.summary).toMatchObject({ allow: 11, deny: 1 });
    // The next draft starts from the published head, all 13 works and the revocations included.
    const next = json<{
      from: { version: number };
      works: number;
      draft: { works: { ids: string[]; policy: object }[] };
    }>(await assent(['draft', '--json'], creator));
    expect(next).toMatchObject({ from: { version: 3 }, works: 13 });
    expect(next.draft.works.find((w) => w.ids.includes(`isrc:${isrc(3)}`))?.policy).toEqual({
      all: 'deny',
      search: 'deny',
      'train-genai': 'deny',
      'ai-input': 'deny',
    });
  });

  it('catches a node that still serves the old manifest (rollback)', async () => {
    const stale = await serve(['--data', join(dir, 'node-stale')], { ASSENT_HOME: join(dir, 'node-stale') });
    try {
      const old = join(creator.ASSENT_HOME as string, 'manifests', `${v1.cid}.json`);
      expect((await assent(['publish', old, '--gateway', stale.url], creator)).code).toBe(0);
      const run = await assent(
        ['scan', music, '--use', 'ai-input', '--gateway', stale.url, UNBOUND_GRANTS, '--json'],
        company,
      );
      // The report is complete, and the exit code is ROLLBACK_DETECTED's (docs/errors.md).
      expect(run.code).toBe(5);
      const scan = json<Report>(run);
      // The company's verifier remembers version 3: version 1's "conditional" is not believed.
      expect(scan.summary.conditional).toBe(0);
      expect(scan.items[0]?.warnings.map((w) => w.code)).toContain('ROLLBACK_DETECTED');
    } finally {
      await stale.stop();
    }
  });

  it('limits writes per client as --write-rate and --write-burst say', async () => {
    const strict = await serve(
      ['--data', join(dir, 'node-strict'), '--write-rate', '0.01', '--write-burst', '2'],
      {
        ASSENT_HOME: join(dir, 'node-strict'),
      },
    );
    try {
      const old = join(creator.ASSENT_HOME as string, 'manifests', `${v1.cid}.json`);
      const publish = () => assent(['publish', old, '--gateway', strict.url, '--json'], creator);
      expect((await publish()).code).toBe(0);
      expect((await publish()).code).toBe(0);
      const third = await publish();
      expect(json(third)).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      const raw = await fetch(`${strict.url}/v1/manifests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(1);
      // Reads are never limited.
      expect((await fetch(`${strict.url}/v1/manifests/${v1.cid}`)).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });

  it('stops on SIGTERM, and scans offline against the node data', async () => {
    await nodeB?.stop();
    nodeB = undefined;
    expect(await nodeA.stop()).toBe(0);
    const offline = json<Report>(
      await assent(
        ['scan', music, '--use', 'ai-input', '--offline', '--data', join(dir, 'node-a'), '--json'],
        {
          ASSENT_HOME: join(dir, 'offline-company'),
        },
      ),
    );
    expect(offline.summary).toMatchObject({ deny: 12, items: 12 });
    const down = await assent(['check', `isrc:${isrc(1)}`, '--use', 'search', '--json'], company);
    expect([down.code, json(down)]).toMatchObject([6, { error: { code: 'GATEWAY_UNREACHABLE' } }]);
  });
});
