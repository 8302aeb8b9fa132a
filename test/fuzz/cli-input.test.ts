/**
 * Fuzzing what the CLI reads from files a user was handed (issue 9): draft files (`parseDraft`, and
 * `assent sign DRAFT.json` run in process), lists of ids `assent scan` reads (`.txt`, `.csv`,
 * `.jsonl`), and the tags of audio files `scan` and `draft` hash (ID3, FLAC). Files are real, in a temp dir. Nothing throws; every failure is a code docs/errors.md
 * lists, with its exit code; what is accepted is in normal form.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '@assent/cli';
import { isNormalizedWorkId, parseDraft } from '@assent/manifest';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readAudioTags } from '../../apps/cli/src/audio-tags.js';
import { listItems } from '../../apps/cli/src/work-items.js';
import { flac, mp3 } from '../../apps/cli/test/support/audio-fixtures.js';
import { fuzzParams, fuzzTimeout } from '../support/fuzz.js';
import { DOCUMENTED_EXIT, DOCUMENTED_STATUS } from './documented-error.js';
import { mutatedBytes, mutatedJson } from './mutations.js';

const TIMEOUT = fuzzTimeout(60_000);
const encoder = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), 'assent-fuzz-cli-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DRAFT = JSON.stringify({
  default: { 'train-genai': 'deny', search: 'allow' },
  validUntil: '2030-01-01T00:00:00Z',
  works: [
    { ids: ['isrc:US-RC1-76-07839', 'URL:HTTPS://SoundCloud.com/the-flight/track?'], title: 'Track' },
    {
      ids: ['url-prefix:https://soundcloud.com/the-flight/'],
      policy: {
        'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } },
        'train-ai': 'deny',
      },
    },
  ],
});

const draftBytes = fc.oneof(
  mutatedBytes(encoder.encode(DRAFT)),
  mutatedJson(DRAFT).map((s) => encoder.encode(s)),
  fc.uint8Array({ maxLength: 300 }),
  fc.json({ maxDepth: 4 }).map((s) => encoder.encode(s)),
  fc.constant(encoder.encode(DRAFT)),
);

describe('draft files', () => {
  it(
    'parseDraft: a documented code, or a draft whose ids are normalized and named once',
    () => {
      fc.assert(
        fc.property(draftBytes, (bytes) => {
          const result = parseDraft(bytes);
          if (!result.ok) {
            expect(DOCUMENTED_STATUS.has(result.code), result.code).toBe(true);
            return;
          }
          const ids = (result.value.works ?? []).flatMap((w) => w.ids);
          for (const id of ids) expect(isNormalizedWorkId(id), id).toBe(true);
          expect(new Set(ids).size).toBe(ids.length);
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );

  it(
    '`assent sign DRAFT.json --json` exits with the draft’s own code, never INTERNAL',
    async () => {
      // No identity in this home: a draft that parses stops at IDENTITY_MISSING, before any signing.
      const home = join(dir, 'home');
      const file = join(dir, 'draft.json');
      await fc.assert(
        fc.asyncProperty(draftBytes, async (bytes) => {
          writeFileSync(file, bytes);
          const stdout = new PassThrough();
          const stderr = new PassThrough();
          const chunks: Buffer[] = [];
          stdout.on('data', (c: Buffer) => chunks.push(c));
          stderr.resume();
          const code = await main(['sign', file, '--json'], {
            env: { ASSENT_HOME: home, NO_COLOR: '1' },
            stdout: stdout as unknown as NodeJS.WriteStream,
            stderr: stderr as unknown as NodeJS.WriteStream,
          });
          const out = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            error: { code: string; message: string };
          };
          const expected = parseDraft(bytes);
          expect(out.error.code).toBe(expected.ok ? 'IDENTITY_MISSING' : expected.code);
          expect(code).toBe(DOCUMENTED_EXIT.get(out.error.code));
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});

describe('lists of ids (`assent scan` input)', () => {
  const cell = fc.oneof(
    fc.constantFrom(
      'isrc:USRC17607839',
      'US-RC1-76-07839',
      'usrc17607839',
      'https://soundcloud.com/the-flight/track',
      'HTTPS://EXAMPLE.COM:443/a/../b?x#y',
      'url-prefix:https://soundcloud.com/',
      'sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08',
      'cid:QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG',
      'iswc:T-034.524.680-1',
      'url:javascript:alert(1)',
      'url:https://user:pw@example.com/',
      'isrc:XX',
      'url',
      'id',
      'isrc',
      'work_id',
      'Work-ID',
      '"a,b"',
      '"x""y"',
      '"',
      '',
      ' ',
      '#',
      '\ufeff',
    ),
    fc.string({ maxLength: 30 }),
  );
  const csvLine = fc.array(cell, { maxLength: 4 }).map((cells) => cells.join(','));
  const jsonLine = fc.oneof(
    cell.map((c) => JSON.stringify(c)),
    fc
      .record({
        key: fc.constantFrom('url', 'id', 'isrc', 'cid', 'link', 'x'),
        value: fc.oneof(cell, fc.jsonValue()),
      })
      .map(({ key, value }) => JSON.stringify({ [key]: value })),
    fc.json({ maxDepth: 2 }),
    cell,
  );
  const lines = (line: fc.Arbitrary<string>) =>
    fc
      .tuple(fc.array(line, { maxLength: 12 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean())
      .map(([ls, eol, bom]) => encoder.encode(`${bom ? '\ufeff' : ''}${ls.join(eol)}`));
  const list = fc.oneof(
    fc.tuple(fc.constant('.txt'), fc.oneof(lines(cell), fc.uint8Array({ maxLength: 200 }))),
    fc.tuple(fc.constant('.csv'), fc.oneof(lines(csvLine), fc.uint8Array({ maxLength: 200 }))),
    fc.tuple(fc.constant('.jsonl'), fc.oneof(lines(jsonLine), fc.uint8Array({ maxLength: 200 }))),
  );

  it(
    'every item is one normalized id or a documented error, sourced to its line',
    async () => {
      await fc.assert(
        fc.asyncProperty(list, async ([ext, bytes]) => {
          const file = join(dir, `list${ext}`);
          writeFileSync(file, bytes);
          const items = await listItems(file);
          for (const item of items) {
            expect(item.source).toMatch(new RegExp(`^${file.replaceAll('.', '\\.')}:\\d+$`));
            if (item.error === undefined) {
              expect(item.ids).toHaveLength(1);
              expect(isNormalizedWorkId(item.ids[0] as string), item.ids[0]).toBe(true);
            } else {
              expect(item.ids).toHaveLength(0);
              expect(DOCUMENTED_STATUS.has(item.error.code), item.error.code).toBe(true);
            }
          }
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});

describe('audio tags (`assent scan` and `draft` on a folder)', () => {
  it(
    'damaged or arbitrary audio files give normalized ISRCs or none, never an error',
    async () => {
      const isrc = fc.oneof(
        fc.constantFrom('US-RC1-76-07839', 'usrc17607839', 'GBAYE0601498', 'XX', ''),
        fc.string({ maxLength: 20 }),
      );
      const file = fc.oneof(
        fc
          .tuple(fc.constantFrom('.mp3', '.flac'), isrc, fc.string({ maxLength: 40 }), fc.nat(255))
          .chain(([ext, id, title, seed]) => {
            const bytes = new Uint8Array(
              ext === '.mp3' ? mp3({ isrc: id, title, seed, frames: 2 }) : flac({ isrc: id, title, seed }),
            );
            return fc.tuple(fc.constant(ext), fc.oneof(fc.constant(bytes), mutatedBytes(bytes)));
          }),
        fc.tuple(
          fc.constantFrom('.mp3', '.flac', '.m4a', '.ogg', '.wav', '.aiff'),
          fc.uint8Array({ maxLength: 300 }),
        ),
      );
      await fc.assert(
        fc.asyncProperty(file, async ([ext, bytes]) => {
          const path = join(dir, `track${ext}`);
          writeFileSync(path, bytes);
          const tags = await readAudioTags(path);
          for (const id of tags.isrc) expect(isNormalizedWorkId(id) && id.startsWith('isrc:'), id).toBe(true);
          expect(new Set(tags.isrc).size).toBe(tags.isrc.length);
          if (tags.title !== undefined) expect(tags.title.length).toBeLessThanOrEqual(512);
        }),
        fuzzParams(),
      );
    },
    TIMEOUT,
  );
});
