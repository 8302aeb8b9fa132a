/**
 * Reads the table of cases in docs/decisions.md and signs the manifests each case describes. The
 * notation is defined in that file, §6.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Decision,
  generateIdentity,
  type Identity,
  type IdentityLink,
  isUseTerm,
  type ManifestDraft,
  type SignedManifest,
  signManifest,
  type UseTerm,
} from '@assent/manifest';
import type { CheckResult } from '../../src/index.js';

export const DECISIONS_DOC = join(import.meta.dirname, '../../../../docs/decisions.md');

/** The verifier's clock in every case, and the default time of use. */
/**
 * What the decision table states about a result, for comparing paths: decision, disputed, term, rule
 * and the set of warning codes (not messages, evidence or times).
 */
export function resultSummary(r: Pick<CheckResult, 'decision' | 'disputed' | 'term' | 'rule' | 'warnings'>) {
  return {
    decision: r.decision,
    disputed: r.disputed,
    term: r.term,
    rule: r.rule,
    warnings: [...new Set(r.warnings.map((w) => w.code))].sort(),
  };
}

export const NOW = '2026-06-01T00:00:00Z';
const DEFAULT_VALID_FROM = '2026-01-01T00:00:00Z';

type Statement = NonNullable<ManifestDraft['default']>[UseTerm];
type Policy = Partial<Record<UseTerm, Statement>>;

export interface ManifestSpec {
  readonly key: string;
  readonly text: string;
  readonly creator: string;
  readonly version: number;
  readonly branch: string;
  readonly forgotten: boolean;
  readonly from: string | undefined;
  readonly until: string | undefined;
  readonly paged: boolean;
  readonly default: Policy | undefined;
  readonly works: readonly { id: string; policy: Policy | undefined }[];
  /** The binding after the head, `A1[L1]` (docs/decisions.md §8), if any. */
  readonly binding?: string;
  /** Identities the manifest claims (set by the binding table). */
  readonly identities?: readonly IdentityLink[];
}

export interface Expected {
  readonly decision: Decision;
  readonly disputed: boolean;
  readonly term: UseTerm | null;
  readonly rule: string;
  readonly warnings: readonly string[];
}

export interface DecisionCase {
  readonly id: string;
  readonly earlier: readonly ManifestSpec[];
  readonly manifests: readonly ManifestSpec[];
  readonly work: string;
  readonly use: UseTerm;
  readonly org: string | undefined;
  readonly at: string | undefined;
  readonly asOf: string | undefined;
  readonly maxAge: number | undefined;
  readonly expected: Expected;
}

/** The rows of the table between `<!-- NAME:start -->` and `<!-- NAME:end -->`, cells unquoted. */
export function section(doc: string, name: string): string[][] {
  const start = doc.indexOf(`<!-- ${name}:start -->`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  if (start === -1 || end === -1) throw new Error(`docs/decisions.md has no ${name} section`);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) =>
      line.split(' | ').map((cell) =>
        cell
          .replace(/^\|\s*/, '')
          .replace(/\s*\|$/, '')
          .trim()
          .replace(/^`|`$/g, ''),
      ),
    );
}

export const empty = (cell: string | undefined) => cell === undefined || cell === '—' || cell === '';

function date(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Error(`bad date ${text}`);
  return `${text}T00:00:00Z`;
}

function duration(text: string): number {
  const m = /^(\d+)([dhms])$/.exec(text);
  if (m === null) throw new Error(`bad duration ${text}`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
  return Number(m[1]) * unit;
}

function statement(text: string): Statement {
  if (text === 'allow' || text === 'deny') return text;
  const m = /^cond\((.+)\)$/.exec(text);
  if (m === null) throw new Error(`bad statement ${text}`);
  const conditions: Record<string, unknown> = {};
  for (const part of (m[1] as string).split('&')) {
    const colon = part.indexOf(':');
    const name = colon === -1 ? part : part.slice(0, colon);
    const value = colon === -1 ? undefined : part.slice(colon + 1);
    if (name === 'attribution') conditions.attribution = 'The Flight';
    else if (name === 'compensation') conditions.compensation = { contact: 'label@example.com' };
    else if (name === 'licensees') conditions.licensees = (value ?? '').split('+');
    else if (name === 'until') conditions.until = date(value ?? '');
    else conditions[name] = value ?? true;
  }
  return { decision: 'conditional', conditions } as Statement;
}

function policy(text: string): Policy | undefined {
  if (text === '-') return undefined;
  const out: Policy = {};
  for (const entry of text.split(',')) {
    const eq = entry.indexOf('=');
    const term = entry.slice(0, eq);
    if (!isUseTerm(term)) throw new Error(`bad term ${term}`);
    out[term] = statement(entry.slice(eq + 1));
  }
  return out;
}

/** The manifests of a cell in §6's notation (§8 adds a binding after the head: `A1[L1]`). */
export function manifestSpecs(cell: string, aliases: Map<string, string>): ManifestSpec[] {
  if (empty(cell)) return [];
  return cell.split(' ; ').map((text) => {
    const [head, ...tokens] = text.trim().split(/\s+/);
    const m = /^(!?)([A-Z])(\d+)([a-z]?)(?:\[(\w+)\])?$/.exec(head ?? '');
    if (m === null) throw new Error(`bad manifest head ${head}`);
    let from: string | undefined;
    let until: string | undefined;
    let paged = false;
    let defaults: Policy | undefined;
    const works: { id: string; policy: Policy | undefined }[] = [];
    for (const token of tokens) {
      if (token.startsWith('from=')) from = date(token.slice(5));
      else if (token.startsWith('until=')) until = date(token.slice(6));
      else if (token === 'paged') paged = true;
      else if (token.startsWith('*:')) defaults = policy(token.slice(2));
      else {
        const colon = token.indexOf(':');
        const id = aliases.get(token.slice(0, colon));
        if (id === undefined) throw new Error(`unknown alias in ${token}`);
        works.push({ id, policy: policy(token.slice(colon + 1)) });
      }
    }
    const creator = m[2] as string;
    const version = Number(m[3]);
    const branch = m[4] === '' ? 'a' : (m[4] as string);
    return {
      key: `${creator}${version}${branch}`,
      text: text.trim().replace(/^!/, ''),
      creator,
      version,
      branch,
      forgotten: m[1] === '!',
      from,
      until,
      paged,
      default: defaults,
      works,
      ...(m[5] === undefined ? {} : { binding: m[5] }),
    };
  });
}

/** Every case of docs/decisions.md §6. */
export function readDecisionTable(): DecisionCase[] {
  const doc = readFileSync(DECISIONS_DOC, 'utf8');
  const aliases = new Map(section(doc, 'aliases').map(([alias, id]) => [alias as string, id as string]));
  return section(doc, 'cases').map((cells) => {
    if (cells.length !== 13) throw new Error(`a case row needs 13 cells: ${cells.join(' | ')}`);
    const [id, earlier, manifests, work, use, org, at, source, decision, disputed, term, rule, warnings] =
      cells as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
    if (!isUseTerm(use)) throw new Error(`${id}: bad use ${use}`);
    let asOf: string | undefined;
    let maxAge: number | undefined;
    if (!empty(source)) {
      for (const part of source.split(/\s+/)) {
        if (part.startsWith('asOf=')) asOf = date(part.slice(5));
        else if (part.startsWith('maxAge=')) maxAge = duration(part.slice(7));
        else throw new Error(`${id}: bad source ${part}`);
      }
    }
    return {
      id,
      earlier: manifestSpecs(earlier, aliases),
      manifests: manifestSpecs(manifests, aliases),
      work: aliases.get(work) ?? work,
      use,
      org: empty(org) ? undefined : org,
      at: empty(at) ? undefined : date(at),
      asOf,
      maxAge,
      expected: {
        decision: decision as Decision,
        disputed: disputed === 'yes',
        term: empty(term) ? null : (term as UseTerm),
        rule,
        warnings: empty(warnings) ? [] : warnings.split(/,\s*/),
      },
    };
  });
}

/** One identity per creator letter, shared by every case of a run. */
export class Creators {
  readonly #identities = new Map<string, Promise<Identity>>();
  identity(letter: string): Promise<Identity> {
    let id = this.#identities.get(letter);
    if (id === undefined) {
      id = generateIdentity();
      this.#identities.set(letter, id);
    }
    return id;
  }
}

export interface SignedCase {
  /** What the earlier check's source offers. */
  readonly earlier: SignedManifest[];
  /** Remembered by the state store only. */
  readonly forgotten: SignedManifest[];
  /** What the source offers now. */
  readonly manifests: SignedManifest[];
}

function draftOf(spec: ManifestSpec): ManifestDraft {
  return {
    ...(spec.default === undefined ? {} : { default: spec.default }),
    works: spec.works.map((w) => ({ ids: [w.id], ...(w.policy === undefined ? {} : { policy: w.policy }) })),
    validFrom: spec.from ?? DEFAULT_VALID_FROM,
    ...(spec.until === undefined ? {} : { validUntil: spec.until }),
    ...(spec.identities === undefined || spec.identities.length === 0 ? {} : { identities: spec.identities }),
  } as ManifestDraft;
}

/** Signs every manifest a case names, chaining versions per creator (missing versions as placeholders). */
export async function signCase(c: DecisionCase, creators: Creators): Promise<SignedCase> {
  const specs = new Map<string, ManifestSpec>();
  for (const spec of [...c.earlier, ...c.manifests]) {
    const held = specs.get(spec.key);
    if (held !== undefined && held.text !== spec.text)
      throw new Error(`${c.id}: ${spec.key} differs between cells`);
    specs.set(spec.key, spec);
  }
  const signed = new Map<string, SignedManifest>();
  const sign = async (creator: string, version: number, branch: string): Promise<SignedManifest> => {
    const key = `${creator}${version}${branch}`;
    const held = signed.get(key);
    if (held !== undefined) return held;
    const spec = specs.get(key);
    const head = version === 1 ? undefined : await sign(creator, version - 1, 'a');
    const identity = await creators.identity(creator);
    const draft: ManifestDraft = spec === undefined ? { works: [] } : draftOf(spec);
    const manifest = await signManifest(draft, {
      identity,
      created: DEFAULT_VALID_FROM,
      ...(head === undefined ? {} : { head }),
      ...(spec?.paged === true ? { inlineBudgetBytes: 0 } : {}),
    });
    signed.set(key, manifest);
    return manifest;
  };
  const of = async (list: readonly ManifestSpec[]) => {
    const out: SignedManifest[] = [];
    for (const spec of list) out.push(await sign(spec.creator, spec.version, spec.branch));
    return out;
  };
  return {
    earlier: await of(c.earlier.filter((s) => !s.forgotten)),
    forgotten: await of(c.earlier.filter((s) => s.forgotten)),
    manifests: await of(c.manifests),
  };
}

/** Every work id a list of manifests names (inline and in pages). */
export function idsNamed(manifests: readonly SignedManifest[]): string[] {
  const ids = new Set<string>();
  for (const m of manifests) {
    for (const w of m.manifest.credentialSubject.works) for (const id of w.ids) ids.add(id);
    for (const p of m.pages) for (const w of p.page.works) for (const id of w.ids) ids.add(id);
  }
  return [...ids];
}
