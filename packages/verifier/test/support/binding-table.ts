/**
 * Reads the binding cases of docs/decisions.md §8 and makes what each describes: the creators'
 * manifests (claiming the identities of their bindings), the trusted node's signed link observations
 * and the attesters' attestations. The notation and the bindings are defined in that section.
 */
import { readFileSync } from 'node:fs';
import {
  type Decision,
  generateIdentity,
  type Identity,
  type IdentityLink,
  type LinkObservation,
  type SignedManifest,
  signAttestation,
  signObservation,
} from '@assent/manifest';
import type { CheckResult } from '../../src/index.js';
import {
  type Creators,
  DECISIONS_DOC,
  type DecisionCase,
  empty,
  type ManifestSpec,
  manifestSpecs,
  section,
  signCase,
} from './decision-table.js';

export interface BindingCase {
  readonly id: string;
  readonly manifests: readonly ManifestSpec[];
  readonly work: string;
  readonly expected: {
    readonly decision: Decision;
    readonly disputed: boolean;
    readonly rule: string;
    /** `LETTER:LEVEL:in|out[:outranked]`, by letter. */
    readonly claimants: readonly string[];
    readonly warnings: readonly string[];
  };
}

/** The use of every binding case. */
export const BINDING_USE = 'tdm';

const PROFILE = 'https://soundcloud.com/the-flight';
const OTHER_PROFILE = 'https://soundcloud.com/someone-else';

/** The identities each binding's manifest claims. */
const CLAIMS: Readonly<Record<string, readonly IdentityLink[]>> = {
  L0: [],
  L1: [{ type: 'profile', id: PROFILE }],
  L1x: [{ type: 'profile', id: OTHER_PROFILE }],
  L2: [{ type: 'domain', id: 'theflight.com' }],
  L3: [],
  L3x: [],
  A3u: [],
  T1: [{ type: 'profile', id: PROFILE }],
  T1late: [{ type: 'profile', id: PROFILE }],
  P1: [{ type: 'profile', id: PROFILE }],
  O1: [{ type: 'profile', id: PROFILE }],
  N1: [],
  U1: [{ type: 'profile', id: PROFILE }],
  S2: [{ type: 'domain', id: 'the-flight.github.io' }],
};

/** Every binding case of docs/decisions.md §8. */
export function readBindingTable(): BindingCase[] {
  const doc = readFileSync(DECISIONS_DOC, 'utf8');
  const aliases = new Map(
    section(doc, 'binding-aliases').map(([alias, id]) => [alias as string, id as string]),
  );
  const known = new Set(section(doc, 'bindings').map(([name]) => name as string));
  for (const name of Object.keys(CLAIMS))
    if (!known.has(name)) throw new Error(`binding ${name} is not defined in docs/decisions.md §8`);
  return section(doc, 'binding-cases').map((cells) => {
    if (cells.length !== 8) throw new Error(`a binding case needs 8 cells: ${cells.join(' | ')}`);
    const [id, manifests, work, decision, disputed, rule, claimants, warnings] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const specs = manifestSpecs(manifests, aliases).map((spec) => {
      const binding = spec.binding ?? 'L0';
      const claims = CLAIMS[binding];
      if (claims === undefined) throw new Error(`${id}: unknown binding ${binding}`);
      return { ...spec, binding, identities: claims };
    });
    return {
      id,
      manifests: specs,
      work: aliases.get(work) ?? work,
      expected: {
        decision: decision as Decision,
        disputed: disputed === 'yes',
        rule,
        claimants: claimants.split(/\s+/),
        warnings: empty(warnings) ? [] : warnings.split(/,\s*/),
      },
    };
  });
}

/** The nodes and attesters of the binding cases: one of each trusted, one of each not. */
export interface Parties {
  readonly node: Identity;
  readonly strangerNode: Identity;
  readonly label: Identity;
  readonly strangerLabel: Identity;
}

export async function makeParties(): Promise<Parties> {
  return {
    node: await generateIdentity(),
    strangerNode: await generateIdentity(),
    label: await generateIdentity(),
    strangerLabel: await generateIdentity(),
  };
}

/** The verifier's `identity` options in every binding case. */
export function identityOptions(parties: Parties) {
  return { observers: [parties.node.did], trustedAttesters: [parties.label.did] };
}

async function observe(
  node: Identity,
  creator: string,
  identity: IdentityLink,
  result: LinkObservation['result'],
  day: string,
  lastOkDay?: string,
): Promise<Uint8Array> {
  const observation: LinkObservation = {
    creator,
    identity,
    method: identity.type === 'domain' ? 'dns-txt' : 'profile-text',
    result,
    observedAt: `${day}T00:00:00Z`,
    evidenceHash: `sha256:${'0'.repeat(64)}`,
    ...(identity.type === 'profile' ? { adapter: 'soundcloud' as const } : {}),
    ...(result === 'ok' ? {} : { reason: 'LINK_NOT_NAMED' }),
  };
  const signed = await signObservation(observation, {
    identity: node,
    ...(lastOkDay === undefined ? {} : { lastOkAt: `${lastOkDay}T00:00:00Z` }),
  });
  return signed.bytes;
}

/** The observations and attestations that make `creator` show `binding`. */
async function evidenceOf(
  binding: string,
  creator: string,
  parties: Parties,
): Promise<{ observations: Uint8Array[]; attestations: Uint8Array[] }> {
  const profile: IdentityLink = { type: 'profile', id: PROFILE };
  const { node } = parties;
  const attest = async (by: Identity, isrc: string, prefix: string) =>
    (
      await signAttestation(
        {
          subject: creator,
          isrcs: [isrc],
          urlPrefixes: [prefix],
          role: 'artist',
          validFrom: '2026-01-01T00:00:00Z',
        },
        { identity: by, created: '2026-01-01T00:00:00Z' },
      )
    ).bytes;
  switch (binding) {
    case 'L0':
      return { observations: [], attestations: [] };
    case 'L1':
    case 'L1x':
    case 'L2':
    case 'S2':
      return {
        observations: [
          await observe(node, creator, CLAIMS[binding]?.[0] as IdentityLink, 'ok', '2026-05-31'),
        ],
        attestations: [],
      };
    case 'N1':
      return { observations: [await observe(node, creator, profile, 'ok', '2026-05-31')], attestations: [] };
    case 'U1':
      return {
        observations: [await observe(parties.strangerNode, creator, profile, 'ok', '2026-05-31')],
        attestations: [],
      };
    case 'T1':
      return {
        observations: [await observe(node, creator, profile, 'temp_failure', '2026-05-31', '2026-05-25')],
        attestations: [],
      };
    case 'T1late':
      return {
        observations: [await observe(node, creator, profile, 'temp_failure', '2026-05-31', '2026-05-23')],
        attestations: [],
      };
    case 'P1':
      return {
        observations: [
          await observe(node, creator, profile, 'ok', '2026-05-30'),
          await observe(node, creator, profile, 'perm_failure', '2026-05-31', '2026-05-30'),
        ],
        attestations: [],
      };
    case 'O1':
      return { observations: [await observe(node, creator, profile, 'ok', '2026-04-30')], attestations: [] };
    case 'L3':
      return {
        observations: [],
        attestations: [await attest(parties.label, 'USRC17607839', 'https://soundcloud.com/the-flight/')],
      };
    case 'L3x':
      return {
        observations: [],
        attestations: [await attest(parties.label, 'GBAYE0601498', 'https://soundcloud.com/someone-else/')],
      };
    case 'A3u':
      return {
        observations: [],
        attestations: [
          await attest(parties.strangerLabel, 'USRC17607839', 'https://soundcloud.com/the-flight/'),
        ],
      };
    default:
      throw new Error(`unknown binding ${binding}`);
  }
}

/** What a binding case's source offers. */
export interface SignedBindingCase {
  readonly manifests: SignedManifest[];
  readonly observations: Uint8Array[];
  readonly attestations: Uint8Array[];
  /** Creator letter by DID, to write claimants as the table does. */
  readonly letters: ReadonlyMap<string, string>;
}

export async function signBindingCase(
  c: BindingCase,
  creators: Creators,
  parties: Parties,
): Promise<SignedBindingCase> {
  const asDecision: DecisionCase = {
    id: c.id,
    earlier: [],
    manifests: c.manifests,
    work: c.work,
    use: BINDING_USE,
    org: undefined,
    at: undefined,
    asOf: undefined,
    maxAge: undefined,
    expected: { decision: c.expected.decision, disputed: false, term: null, rule: '', warnings: [] },
  };
  const signed = await signCase(asDecision, creators);
  const observations: Uint8Array[] = [];
  const attestations: Uint8Array[] = [];
  const letters = new Map<string, string>();
  for (const spec of c.manifests) {
    const did = (await creators.identity(spec.creator)).did;
    letters.set(did, spec.creator);
    const evidence = await evidenceOf(spec.binding ?? 'L0', did, parties);
    observations.push(...evidence.observations);
    attestations.push(...evidence.attestations);
  }
  return { manifests: signed.manifests, observations, attestations, letters };
}

/** A result's claimants as the table writes them, by letter (results order them by DID). */
export function claimantsSummary(
  result: Pick<CheckResult, 'claimants'>,
  letters: ReadonlyMap<string, string>,
): string[] {
  return result.claimants
    .map(
      (c) =>
        `${letters.get(c.issuer) ?? c.issuer}:${c.level}:${c.inScope ? 'in' : 'out'}${c.outranked ? ':outranked' : ''}`,
    )
    .sort();
}
