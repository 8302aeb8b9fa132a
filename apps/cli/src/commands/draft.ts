import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { type ManifestDraft, parseDraft, type Work } from '@assent/manifest';
import type { Command } from '../context.js';
import { cliError } from '../errors.js';
import { gatewayUrl } from '../gateway-client.js';
import { readKeystore } from '../keystore.js';
import { currentHead, draftOf } from '../manifest-store.js';
import { POLICY_OPTIONS, policyFromFlags } from '../policy-flags.js';
import { looksLikeId, resolveInputs } from '../work-items.js';

/** `assent draft [FILE|DIR|ID ...] [policy flags] [-o DRAFT.json]` */
export const draft: Command = {
  usage: `assent draft [FILE|DIR|ID ...] [--allow TERM ...] [--deny TERM ...] [--conditional TERM ...]
             [--attribution TEXT] [--licensee DID ...] [--default-deny|--default-allow]
             [-o DRAFT.json] [--gateway URL] [--fresh] [--json]

Builds a consent draft. Files are hashed (sha256:) and their ISRC read from tags (ID3, FLAC, MP4);
folders are walked; ids are isrc:…, iswc:…, url:…, url-prefix:…, sha256:…, cid:…. The policy flags
apply to the works named here, or to the manifest default when none is named. The draft starts from
your current head (from the gateway, else the one signed on this machine) unless --fresh.
Terms: all, tdm, train-ai, train-genai, ai-input, search.

Example (no generative-AI training, search OK, AI input with credit):
  assent draft ~/Music/the-flight url-prefix:https://soundcloud.com/the-flight/ \\
    --deny train-genai --allow search --conditional ai-input --attribution "The Flight" -o draft.json`,
  options: {
    ...POLICY_OPTIONS,
    'default-deny': { type: 'boolean' },
    'default-allow': { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    gateway: { type: 'string' },
    fresh: { type: 'boolean' },
  },
  async run(values, positionals, ctx) {
    if (values['default-deny'] === true && values['default-allow'] === true)
      throw cliError('USAGE', '--default-deny and --default-allow exclude each other');
    const policy = policyFromFlags(values);
    const gateway = gatewayUrl(values, ctx);
    let base: ManifestDraft & { works: Work[] } = { works: [] };
    let from: { cid: string; version: number } | null = null;
    if (values.fresh !== true) {
      const did = await readKeystore(ctx.home).then(
        (k) => k.did,
        () => undefined,
      );
      if (did !== undefined) {
        const head = await currentHead(ctx, did, gateway);
        if (head.manifest !== undefined) {
          base = await draftOf(ctx, head.manifest, gateway);
          from = { cid: head.manifest.cid, version: head.manifest.version };
        }
      }
    }
    const items = await resolveInputs(positionals, { lists: false });
    const failed = items.find((i) => i.error !== undefined);
    if (failed?.error !== undefined) throw cliError(failed.error.code, failed.error.message);

    const works = base.works.map((w) => ({ ...w, ids: [...w.ids] }));
    const owner = new Map<string, (typeof works)[number]>();
    for (const w of works) for (const id of w.ids) owner.set(id, w);
    for (const item of items) {
      let work = item.ids.map((id) => owner.get(id)).find((w) => w !== undefined);
      if (work === undefined) {
        const title =
          item.title ?? (looksLikeId(item.source) ? undefined : basename(item.source, extname(item.source)));
        work = { ids: [], ...(title === undefined || title === '' ? {} : { title: title.slice(0, 512) }) };
        works.push(work);
      }
      for (const id of item.ids) {
        if (owner.has(id)) continue;
        work.ids.push(id);
        owner.set(id, work);
      }
      if (policy !== undefined) work.policy = { ...work.policy, ...policy };
    }
    let defaults = base.default;
    if (items.length === 0 && policy !== undefined) defaults = { ...defaults, ...policy };
    if (values['default-deny'] === true) defaults = { ...defaults, all: 'deny' };
    if (values['default-allow'] === true) defaults = { ...defaults, all: 'allow' };
    const result = {
      ...(defaults === undefined ? {} : { default: defaults }),
      works,
      ...(base.validUntil === undefined ? {} : { validUntil: base.validUntil }),
    };
    const checked = parseDraft(JSON.parse(JSON.stringify(result)));
    if (!checked.ok) throw cliError(checked.code, checked.message);
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
