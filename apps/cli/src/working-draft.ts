import { readFile, writeFile } from 'node:fs/promises';
import {
  AssentError,
  type ConsentSnapshot,
  deriveNextDraft,
  type IdentityChange,
  type IdentityLink,
  identityKey,
  type JsonObject,
  MAX_DRAFT_BYTES,
  parseDraft,
  parseJson,
} from '@assent/manifest';
import type { Context } from './context.js';
import { cliError } from './errors.js';
import type { Owner } from './keystore.js';
import { currentHead, snapshotOfHead } from './manifest-store.js';

/**
 * The creator's working draft: the file `assent draft -o FILE` writes and `assent sign FILE` or
 * `assent publish FILE` turns into the next version. `assent id link` changes the identities in it,
 * so a link reaches the next version by the same path as every other change.
 */

/** What the draft was before the change: the file itself, or the head it was started from. */
export type DraftBase =
  | { readonly kind: 'draft' }
  | { readonly kind: 'head'; readonly cid: string; readonly version: number }
  | { readonly kind: 'none' };

/** The result of {@link changeDraftIdentities}. */
export interface DraftIdentities {
  readonly file: string;
  readonly base: DraftBase;
  /** The identities the draft claims now, in order. */
  readonly identities: readonly IdentityLink[];
  /** False when the draft already said so (a link already claimed, an unlink of one not claimed). */
  readonly changed: boolean;
}

async function readExisting(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cliError('FILE_UNREADABLE', `cannot read ${file}: ${(cause as Error).message}`, cause);
  }
}

function keysOf(links: readonly IdentityLink[] | undefined): string {
  return (links ?? []).map(identityKey).join('\n');
}

/**
 * Applies an identity change to the working draft in `file` and writes it back. When the file exists it
 * must hold a draft; only its `identities` change, every other member is kept as written. When it does
 * not, the draft starts from the creator's current head (the gateway's, else the one signed here),
 * catalog pages and dates included, as `assent draft` starts.
 * @throws AssentError the draft's parse code for a file that is not a draft; `FILE_UNREADABLE`,
 *   `FILE_UNWRITABLE`; the gateway's codes while reading the head.
 */
export async function changeDraftIdentities(
  ctx: Context,
  file: string,
  change: IdentityChange,
  options: { readonly owner: Owner; readonly gateway: string },
): Promise<DraftIdentities> {
  const existing = await readExisting(file);
  let base: DraftBase;
  let before: readonly IdentityLink[] | undefined;
  let next: JsonObject;
  if (existing !== undefined) {
    const draft = parseDraft(existing);
    if (!draft.ok)
      throw new AssentError(
        draft.code,
        `${file} is not a draft: ${draft.message}`,
        draft.path === undefined ? {} : { path: draft.path },
      );
    const raw = parseJson(existing, { maxBytes: MAX_DRAFT_BYTES });
    if (!raw.ok) throw new AssentError(raw.code, raw.message);
    before = draft.value.identities;
    const derived = deriveNextDraft({ works: [], identities: before }, [change]);
    if (!derived.ok) throw new AssentError(derived.code, derived.message);
    const { identities: _old, ...rest } = raw.value as JsonObject;
    next = {
      ...rest,
      ...(derived.value.identities === undefined
        ? {}
        : { identities: derived.value.identities.map((l) => ({ type: l.type, id: l.id })) }),
    };
    base = { kind: 'draft' };
  } else {
    const head = (await currentHead(ctx, options.owner, options.gateway)).manifest;
    const snapshot: ConsentSnapshot =
      head === undefined ? { works: [] } : await snapshotOfHead(ctx, head, options.gateway);
    before = snapshot.identities;
    const derived = deriveNextDraft(snapshot, [change]);
    if (!derived.ok) throw new AssentError(derived.code, derived.message);
    next = derived.value as unknown as JsonObject;
    base = head === undefined ? { kind: 'none' } : { kind: 'head', cid: head.cid, version: head.version };
  }
  const identities = (next.identities as IdentityLink[] | undefined) ?? [];
  const changed = keysOf(before) !== keysOf(identities);
  // An existing draft that already says so is left as written.
  if (changed || existing === undefined) {
    try {
      await writeFile(file, `${JSON.stringify(next, null, 2)}\n`);
    } catch (cause) {
      throw cliError('FILE_UNWRITABLE', `cannot write ${file}: ${(cause as Error).message}`, cause);
    }
  }
  return { file, base, identities, changed };
}
