import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import {
  type ConsentChange,
  type ConsentSnapshot,
  deriveNextDraft,
  type Statement,
  type UseTerm,
} from '@assent/manifest';
import type { Command } from '../context.js';
import { cliError } from '../errors.js';
import { gatewayUrl } from '../gateway-client.js';
import { ownerOf, readKeystore } from '../keystore.js';
import { currentHead, snapshotOfHead } from '../manifest-store.js';
import { dateFromFlag, POLICY_OPTIONS, policyFromFlags } from '../policy-flags.js';
import { looksLikeId, streamInputs } from '../work-items.js';

/** `assent draft [FILE|DIR|ID ...] [policy flags] [-o DRAFT.json]` */
export const draft: Command = {
  usage: `assent draft [FILE|DIR|LIST|ID ...] [--allow TERM ...] [--deny TERM ...] [--conditional TERM ...]
             [--attribution TEXT] [--licensee DID ...] [--until DATE] [--valid-until DATE|none]
             [--default-deny|--default-allow] [-o DRAFT.json] [--gateway URL] [--fresh] [--json]

Builds a consent draft. Files are hashed (sha256:) and their ISRC read from tags (ID3, FLAC, MP4);
folders are walked; lists (.csv, .jsonl, .txt) give one id or URL per line (a label's ISRCs, say);
ids are isrc:…, iswc:…, url:…, url-prefix:…, sha256:…, cid:…. The policy flags apply to the works
named here, or, when none is named, to the manifest default (a --deny or --conditional then also
reaches every work whose own policy would otherwise allow more). --until DATE ends the grants these
flags make; --valid-until DATE ends the whole manifest (none removes the end). Dates are 2027-06-30
(midnight UTC) or 2027-06-30T12:00:00Z. The draft starts from your current head (from the gateway,
else the one signed on this machine), catalog pages and dates included, unless --fresh.
Terms: all, tdm, train-ai, train-genai, ai-input, search.

Example (no generative-AI training, search OK, AI input with credit):
  assent draft ~/Music/the-flight url-prefix:https://soundcloud.com/the-flight/ \\
    --deny train-genai --allow search --conditional ai-input --attribution "The Flight" -o draft.json`,
  options: {
    ...POLICY_OPTIONS,
    'default-deny': { type: 'boolean' },
    'default-allow': { type: 'boolean' },
    'valid-until': { type: 'string' },
    out: { type: 'string', short: 'o' },
    gateway: { type: 'string' },
    fresh: { type: 'boolean' },
  },
  async run(values, positionals, ctx) {
    if (values['default-deny'] === true && values['default-allow'] === true)
      throw cliError('USAGE', '--default-deny and --default-allow exclude each other');
    const policy = policyFromFlags(values);
    const validUntilText = values['valid-until'] as string | undefined;
    const gateway = gatewayUrl(values, ctx);
    let base: ConsentSnapshot = { works: [] };
    let from: { cid: string; version: number } | null = null;
    if (values.fresh !== true) {
      const owner = await readKeystore(ctx.home).then(ownerOf, () => undefined);
      if (owner !== undefined) {
        const head = await currentHead(ctx, owner, gateway);
        if (head.manifest !== undefined) {
          base = await snapshotOfHead(ctx, head.manifest, gateway);
          from = { cid: head.manifest.cid, version: head.manifest.version };
        }
      }
    }
    // Lists (.csv, .jsonl, .txt of ids or URLs) are read as streams: a label's 100,000 ISRCs are one file.
    const added: { ids: string[]; title?: string }[] = [];
    const named: string[] = [];
    for await (const item of await streamInputs(positionals, { lists: true })) {
      if (item.error !== undefined) throw cliError(item.error.code, item.error.message);
      const first = item.ids[0];
      if (first === undefined) continue;
      const title =
        item.title ??
        (looksLikeId(item.source) || /:\d+$/.test(item.source)
          ? undefined
          : basename(item.source, extname(item.source)));
      added.push({ ids: [...item.ids], ...(title === undefined || title === '' ? {} : { title }) });
      named.push(first);
    }
    const changes: ConsentChange[] = [];
    if (added.length > 0) changes.push({ op: 'add-works', works: added });
    if (values['default-deny'] === true)
      changes.push({ op: 'set', uses: ['all'], statement: 'deny', works: 'default' });
    if (values['default-allow'] === true)
      changes.push({ op: 'set', uses: ['all'], statement: 'allow', works: 'default' });
    for (const [term, statement] of Object.entries(policy ?? {}) as [UseTerm, Statement][]) {
      changes.push({ op: 'set', uses: [term], statement, ...(named.length === 0 ? {} : { works: named }) });
    }
    if (validUntilText !== undefined) {
      changes.push({
        op: 'valid-until',
        at: validUntilText === 'none' ? null : dateFromFlag(validUntilText, 'valid-until'),
      });
    }
    const next = deriveNextDraft(base, changes);
    if (!next.ok) throw cliError(next.code, next.message);
    const result = next.value;
    const works = result.works;
    const text = `${JSON.stringify(result, null, 2)}\n`;
    const out = values.out as string | undefined;
    if (out !== undefined) {
      try {
        await writeFile(out, text);
      } catch (cause) {
        throw cliError('FILE_UNWRITABLE', `cannot write ${out}: ${(cause as Error).message}`, cause);
      }
    }
    if (out === undefined && !ctx.json) ctx.write(text);
    else
      ctx.emit({ file: out ?? null, from, works: works.length, draft: result }, () =>
        [
          `${ctx.style.ok('Draft')} ${out}: ${works.length} works${from === null ? '' : `, from version ${from.version} (${from.cid})`}`,
          ctx.style.dim(`Next: assent sign ${out} -o signed.json && assent publish signed.json`),
        ].join('\n'),
      );
    return 0;
  },
};
