import { AssentError, fail, ok, type Result } from './errors.js';
import { type IdentityLink, identityKey, normalizeIdentity } from './identity-link.js';
import { parseDraft } from './manifest.js';
import type {
  CatalogPage,
  Conditions,
  ConsentManifest,
  ManifestDraft,
  Policy,
  Statement,
  Work,
} from './schema.js';
import type { JsonObject } from './strict-json.js';
import { ancestorsOf, childrenOf, type UseTerm } from './vocabulary.js';
import { normalizeWorkId } from './work-id.js';

/**
 * The one way to derive a creator's next version (docs/spec/manifest.md §5.4). A manifest is a snapshot,
 * so the next version must carry everything the head says — inline works, catalog pages, conditions,
 * `validUntil` — and change only what the creator asked. Both the CLI and the web app call
 * {@link deriveNextDraft}; neither edits policies by hand.
 */

/** A creator's complete consent state: every work (inline and from catalog pages) in one list. */
export interface ConsentSnapshot {
  readonly default?: Policy | undefined;
  readonly works: readonly Work[];
  readonly validFrom?: string | undefined;
  readonly validUntil?: string | undefined;
  /** The identities the creator claims (spec §3.5), in order. */
  readonly identities?: readonly IdentityLink[] | undefined;
}

/** A draft holding every work, as {@link deriveNextDraft} returns it; `signManifest` cuts it into pages. */
export type CompleteDraft = ManifestDraft & { works: Work[] };

/**
 * One change to a creator's consent. Work ids may be in any accepted spelling; they are normalized.
 * The scope of `set`, `deny` and `clear` is {@link ChangeScope}.
 * - `set`: the statement for each use. With no `works`, a grant goes into the manifest `default` only
 *   (a work's own refusal stands), while a restriction (`deny`, `conditional`) goes into the default
 *   and into every work whose own policy speaks to the use, so that no work-level grant outlives it.
 * - `deny`: `set` with `deny` (the uses default to `all`): what `assent revoke` and "Stop allowing" do.
 * - `clear`: removes the statements for the uses from the named works, or (no `works`) from the default.
 * - `add-works`: claims works; an id already claimed adds the others to that work. Policies are set
 *   with `set`, not here.
 * - `remove-works`: stops claiming these ids; a work left with no id is dropped.
 * - `valid-until`: the manifest's end (`null` removes it).
 * Identities are changed by an {@link IdentityChange} in the same list.
 */
export type ConsentChange =
  | {
      readonly op: 'set';
      readonly uses: readonly UseTerm[];
      readonly statement: Statement;
      readonly works?: ChangeScope;
    }
  | { readonly op: 'deny'; readonly uses?: readonly UseTerm[]; readonly works?: ChangeScope }
  | { readonly op: 'clear'; readonly uses: readonly UseTerm[]; readonly works?: ChangeScope }
  | {
      readonly op: 'add-works';
      readonly works: readonly { readonly ids: readonly string[]; readonly title?: string }[];
    }
  | { readonly op: 'remove-works'; readonly works: readonly string[] }
  | { readonly op: 'valid-until'; readonly at: string | null };

/**
 * A change to the identities a creator claims (docs/spec/manifest.md §3.5), any spelling; kept apart
 * from {@link ConsentChange}, which changes consent.
 * - `link`: claims identities; one already claimed stays where it is.
 * - `unlink`: stops claiming identities.
 */
export interface IdentityChange {
  readonly op: 'link' | 'unlink';
  readonly identities: readonly { readonly type: string; readonly id: string }[];
}

/** Any change {@link deriveNextDraft} applies. */
export type DraftChange = ConsentChange | IdentityChange;

/**
 * What a `set`, `deny` or `clear` reaches: the works these ids name (their own policies; an id not
 * claimed yet is claimed as a new work), `'default'` for the manifest default alone, or, omitted,
 * everything (see {@link ConsentChange}).
 */
export type ChangeScope = readonly string[] | 'default';

/**
 * A signed manifest's complete state, its catalog pages' works included, in order.
 * @param pages the manifest's catalog pages, verified by the caller (`verifyCatalogPage`), by CID.
 * @throws AssentError `CATALOG_PAGE_MISSING` when a page the manifest names is not given.
 */
export function snapshotOf(
  manifest: ConsentManifest,
  pages: ReadonlyMap<string, CatalogPage> = new Map(),
): ConsentSnapshot {
  const subject = manifest.credentialSubject;
  const works: Work[] = [...subject.works];
  for (const cid of subject.catalog ?? []) {
    const page = pages.get(cid);
    if (page === undefined)
      throw new AssentError('CATALOG_PAGE_MISSING', `catalog page ${cid} of the manifest is not at hand`);
    for (const work of page.works) works.push(work);
  }
  return {
    ...(subject.default === undefined ? {} : { default: subject.default }),
    works,
    validFrom: manifest.validFrom,
    ...(manifest.validUntil === undefined ? {} : { validUntil: manifest.validUntil }),
    ...(subject.identities === undefined ? {} : { identities: subject.identities }),
  };
}

/** Options of {@link deriveNextDraft}. */
export interface DeriveOptions {
  /** The signing time of the next version (default now): a head's `validFrom` before it is not kept. */
  readonly at?: Date;
}

type MutablePolicy = Partial<Record<UseTerm, Statement>>;

/** The term and every narrower one, broadest first. */
function subtree(term: UseTerm): UseTerm[] {
  return [term, ...childrenOf(term).flatMap(subtree)];
}

/** What decides a use in a policy: its own statement, else the nearest ancestor's, and that term. */
interface Stated {
  readonly term: UseTerm;
  readonly statement: Statement;
}

function resolve(policy: Policy | undefined, use: UseTerm): Stated | undefined {
  if (policy === undefined) return undefined;
  for (const term of [use, ...ancestorsOf(use)]) {
    const statement = policy[term];
    if (statement !== undefined) return { term, statement };
  }
  return undefined;
}

function decisionOf(statement: Statement): 'allow' | 'deny' | 'conditional' {
  return typeof statement === 'string' ? statement : statement.decision;
}

function sameStatement(a: Statement, b: Statement): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Sets `statement` for `use` in `level` (a work's policy or the default), keeping every narrower term
 * at least as restricted as the creator asked (spec §5.4):
 * - `deny`: every narrower statement becomes `deny`;
 * - a grant (`allow`, `conditional`): a narrower term whose own statement (here or, for a work, in the
 *   default) refused it or set other conditions keeps that statement, written into this level so the
 *   broader grant cannot reach it; a narrower own `allow` becomes the grant when that is a
 *   `conditional`, and stays `allow` otherwise. What a narrower term merely inherited from `use` or a
 *   broader term is what the creator now changes, so it inherits the new statement.
 * `before(term)` is what decided the term before the change. Terms are visited broadest first, so a
 * statement written for a term is in place when the terms under it are weighed.
 */
function setIn(
  level: MutablePolicy,
  use: UseTerm,
  statement: Statement,
  before: (term: UseTerm) => Stated | undefined,
): void {
  const decision = decisionOf(statement);
  const narrower = subtree(use).slice(1);
  const previous = new Map(narrower.map((term) => [term, before(term)] as const));
  level[use] = statement;
  for (const term of narrower) {
    if (decision === 'deny') {
      if (level[term] !== undefined) level[term] = 'deny';
      continue;
    }
    const prior = previous.get(term);
    if (prior === undefined || !narrower.includes(prior.term)) continue;
    const desired =
      decisionOf(prior.statement) === 'allow' && decision === 'conditional' ? statement : prior.statement;
    const now = resolve(level, term);
    if (now === undefined || !sameStatement(now.statement, desired)) level[term] = desired;
  }
}

/** Ends every grant of a policy at `end` (an earlier `until` stays). */
function endGrants(policy: MutablePolicy | undefined, end: string): void {
  if (policy === undefined) return;
  for (const [term, statement] of Object.entries(policy) as [UseTerm, Statement][]) {
    if (statement === 'deny' || (typeof statement !== 'string' && statement.decision === 'deny')) continue;
    if (typeof statement === 'string' || statement.decision === 'allow') {
      policy[term] = { decision: 'conditional', conditions: { until: end } };
      continue;
    }
    const until = statement.conditions?.until;
    if (until === undefined || Date.parse(until) > Date.parse(end))
      policy[term] = { ...statement, conditions: { ...statement.conditions, until: end } as Conditions };
  }
}

function normalizeIds(ids: readonly string[], where: string): Result<string[]> {
  const out: string[] = [];
  for (const [i, raw] of ids.entries()) {
    const id = normalizeWorkId(raw);
    if (!id.ok) return { ...id, path: `${where}/${i}` };
    out.push(id.value);
  }
  return ok(out);
}

/** True when a policy says anything about `use`, an ancestor or a narrower term. */
function speaksTo(policy: Policy | undefined, use: UseTerm): boolean {
  if (policy === undefined) return false;
  if (resolve(policy, use) !== undefined) return true;
  return subtree(use).some((term) => policy[term] !== undefined);
}

interface MutableWork {
  ids: string[];
  title?: string;
  policy?: MutablePolicy;
}

/**
 * Derives the next version's draft from the creator's current state and a list of changes, applied in
 * order. Everything not changed is kept as signed: works inline and in catalog pages (in order),
 * conditions, per-grant `until`, `validUntil`, and a `validFrom` still in the future. A `validUntil`
 * already passed becomes a passed `until` on every grant (they stay denied) and leaves the manifest. A restriction
 * (`deny`, or a `conditional` over a grant) is written as explicit statements so that no broader grant
 * at the work or the default can outlive it (docs/decisions.md: a work's own statement beats the
 * default). Sign the result with `signManifest(draft, { identity, head })`, which cuts it into catalog
 * pages by size.
 * @returns the draft, or the failure of a malformed id or an invalid result (e.g. `validUntil` before
 *   `validFrom`).
 * @example
 * const head = snapshotOf(v1.manifest, pages);
 * const next = deriveNextDraft(head, [{ op: 'deny', uses: ['train-genai'] }]);
 * if (next.ok) await signManifest(next.value, { identity, head: v1 });
 */
export function deriveNextDraft(
  current: ConsentSnapshot,
  changes: readonly DraftChange[],
  options: DeriveOptions = {},
): Result<CompleteDraft> {
  const works: (MutableWork | undefined)[] = current.works.map((w) => ({
    ids: [...w.ids],
    ...(w.title === undefined ? {} : { title: w.title }),
    ...(w.policy === undefined ? {} : { policy: { ...w.policy } }),
  }));
  const owner = new Map<string, number>();
  for (const [i, w] of works.entries()) for (const id of (w as MutableWork).ids) owner.set(id, i);
  let defaults: MutablePolicy | undefined =
    current.default === undefined ? undefined : { ...current.default };
  let validUntil = current.validUntil;
  const identities = new Map<string, IdentityLink>();
  for (const link of current.identities ?? []) identities.set(identityKey(link), link);
  const at = (options.at ?? new Date()).getTime();
  // An end that has passed (the head's, or one a change sets) cannot be the next version's end: it
  // starts now, and validUntil must follow validFrom. Dropping it would revive every grant, so it
  // becomes a passed `until` on each grant made so far: the same decisions (deny), nothing widened.
  const endIfPassed = () => {
    if (validUntil === undefined || Date.parse(validUntil) > at) return;
    const end = validUntil;
    endGrants(defaults, end);
    for (const work of works) endGrants(work?.policy, end);
    validUntil = undefined;
  };
  endIfPassed();

  /** The index of the work an id names, claimed now when it was not. */
  const indexFor = (id: string): number => {
    const at = owner.get(id);
    if (at !== undefined) return at;
    owner.set(id, works.length);
    works.push({ ids: [id] });
    return works.length - 1;
  };
  const workFor = (id: string): MutableWork => works[indexFor(id)] as MutableWork;
  const setWork = (work: MutableWork, use: UseTerm, statement: Statement) => {
    const policy: MutablePolicy = work.policy ?? {};
    const before = { ...policy };
    setIn(policy, use, statement, (term) => resolve(before, term) ?? resolve(defaults, term));
    work.policy = policy;
  };
  const setDefault = (use: UseTerm, statement: Statement) => {
    const before = { ...defaults };
    defaults ??= {};
    setIn(defaults, use, statement, (term) => resolve(before, term));
  };

  for (const [c, change] of changes.entries()) {
    const where = `/changes/${c}`;
    switch (change.op) {
      case 'set':
      case 'deny': {
        const statement: Statement = change.op === 'deny' ? 'deny' : change.statement;
        const uses = change.op === 'deny' && change.uses === undefined ? (['all'] as const) : change.uses;
        if (uses === undefined || uses.length === 0) return fail('MANIFEST_SCHEMA', 'name a use', where);
        if (change.works !== undefined && change.works !== 'default') {
          const ids = normalizeIds(change.works, `${where}/works`);
          if (!ids.ok) return ids;
          for (const id of ids.value) for (const use of uses) setWork(workFor(id), use, statement);
          break;
        }
        // A restriction reaches every work whose own policy would otherwise decide the use.
        if (change.works === undefined && decisionOf(statement) !== 'allow') {
          for (const work of works) {
            if (work === undefined) continue;
            for (const use of uses) if (speaksTo(work.policy, use)) setWork(work, use, statement);
          }
        }
        for (const use of uses) setDefault(use, statement);
        break;
      }
      case 'clear': {
        const clearIn = (policy: MutablePolicy | undefined) => {
          if (policy !== undefined) for (const use of change.uses) delete policy[use];
        };
        if (change.works === undefined || change.works === 'default') clearIn(defaults);
        else {
          const ids = normalizeIds(change.works, `${where}/works`);
          if (!ids.ok) return ids;
          for (const id of ids.value) {
            const at = owner.get(id);
            if (at !== undefined) clearIn((works[at] as MutableWork).policy);
          }
        }
        break;
      }
      case 'add-works': {
        for (const [w, added] of change.works.entries()) {
          const ids = normalizeIds(added.ids, `${where}/works/${w}/ids`);
          if (!ids.ok) return ids;
          const claimed = new Set(ids.value.map((id) => owner.get(id)).filter((i) => i !== undefined));
          if (claimed.size > 1) {
            return fail(
              'MANIFEST_SCHEMA',
              `the ids ${ids.value.join(', ')} belong to ${claimed.size} different works`,
              `${where}/works/${w}`,
            );
          }
          const first = ids.value[0];
          if (first === undefined)
            return fail('MANIFEST_SCHEMA', 'a work needs an id', `${where}/works/${w}`);
          const index = indexFor(ids.value.find((id) => owner.has(id)) ?? first);
          const work = works[index] as MutableWork;
          for (const id of ids.value) {
            if (owner.has(id)) continue;
            owner.set(id, index);
            work.ids.push(id);
          }
          if (work.title === undefined && added.title !== undefined && added.title !== '')
            work.title = added.title.slice(0, 512);
        }
        break;
      }
      case 'remove-works': {
        const ids = normalizeIds(change.works, `${where}/works`);
        if (!ids.ok) return ids;
        for (const id of ids.value) {
          const at = owner.get(id);
          if (at === undefined) continue;
          owner.delete(id);
          const work = works[at] as MutableWork;
          work.ids = work.ids.filter((x) => x !== id);
          if (work.ids.length === 0) works[at] = undefined;
        }
        break;
      }
      case 'valid-until':
        validUntil = change.at ?? undefined;
        endIfPassed();
        break;
      case 'link':
      case 'unlink':
        for (const [i, raw] of change.identities.entries()) {
          const link = normalizeIdentity(raw);
          if (!link.ok) return { ...link, path: `${where}/identities/${i}` };
          const key = identityKey(link.value);
          if (change.op === 'unlink') identities.delete(key);
          else if (!identities.has(key)) identities.set(key, link.value);
        }
        break;
    }
  }

  const keepFrom = current.validFrom !== undefined && Date.parse(current.validFrom) > at;
  const draft: CompleteDraft = {
    ...(defaults === undefined || Object.keys(defaults).length === 0 ? {} : { default: defaults as Policy }),
    works: works
      .filter((w): w is MutableWork => w !== undefined)
      .map((w) =>
        w.policy === undefined || Object.keys(w.policy).length === 0
          ? { ids: w.ids, ...(w.title === undefined ? {} : { title: w.title }) }
          : (w as Work),
      ),
    ...(keepFrom ? { validFrom: current.validFrom as string } : {}),
    ...(validUntil === undefined ? {} : { validUntil }),
    ...(identities.size === 0 ? {} : { identities: [...identities.values()] }),
  };
  const checked = parseDraft(draft as unknown as JsonObject);
  if (!checked.ok) return checked;
  return ok(draft);
}
