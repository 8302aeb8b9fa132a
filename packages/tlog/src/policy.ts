import { fail, ok } from '@assent/manifest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { type VerifiedCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { parseDecimal } from './decimal.js';
import type { TlogResult } from './errors.js';
import type { Note, NoteVerifier } from './note.js';
import { createNoteVerifier } from './note-key.js';
import {
  formatKeyId,
  parseVkey,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  type Vkey,
} from './vkey.js';

/**
 * C2SP tlog-policy: the trust policy of an offline verifier — known logs, known witnesses, and the
 * quorum of witnesses a checkpoint needs. A checkpoint is valid under a policy when a listed log signed
 * it (with key name = origin), every known signature verifies, and the quorum cosigned it.
 */

/** Most logs, witnesses and groups a policy may define (the spec recommends supporting at least 32 each). */
export const MAX_POLICY_ENTRIES = 256;

/** A log or witness of a policy. */
export interface PolicyKey {
  /** The parsed vkey. */
  readonly vkey: Vkey;
  /** Its verifier. */
  readonly verifier: NoteVerifier;
  /** The optional URL, as written. */
  readonly url?: string;
}

/** A group: witnessed when at least `threshold` of its members are. */
export interface PolicyGroup {
  /** k, from `all`, `any` or a number (1 ≤ k ≤ members). */
  readonly threshold: number;
  /** Names of witnesses or earlier groups, each at most once. */
  readonly members: readonly string[];
}

/** A parsed tlog-policy. */
export interface TlogPolicy {
  /** The logs; any one of them may sign. */
  readonly logs: readonly PolicyKey[];
  /** Witnesses by their policy name. */
  readonly witnesses: ReadonlyMap<string, PolicyKey>;
  /** Groups by name, in definition order (each refers only to earlier names). */
  readonly groups: ReadonlyMap<string, PolicyGroup>;
  /** The name of the witness or group that must witness, or `'none'`. */
  readonly quorum: string;
}

/** A control character other than tab (newline is the line separator), or DEL. */
function hasPolicyControl(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

const KEYWORDS = new Set(['log', 'witness', 'group', 'quorum', 'all', 'any', 'none']);

function malformed(line: number, message: string) {
  return fail('POLICY_MALFORMED' as const, `line ${line}: ${message}`);
}

/**
 * Parses a tlog-policy text (tlog-policy §"Policy file syntax and structure"). Refused as
 * `POLICY_MALFORMED`: a control character other than tab and newline (§"Character set"), an unknown
 * keyword, a log key that is not Ed25519 (0x01) or a witness key that is not a cosignature key (0x04;
 * §"Public key representation"), two logs or two witnesses with the same public key, a name defined
 * twice or that is a keyword, a group member or quorum that is not defined on an earlier line, a member
 * listed twice, a threshold outside 1..n, not exactly one quorum line, or more than
 * {@link MAX_POLICY_ENTRIES} of a kind. A vkey that does not parse keeps its own `VKEY_*` code.
 */
export function parseTlogPolicy(text: string): TlogResult<TlogPolicy> {
  if (typeof text !== 'string') throw new TypeError('a policy is a string');
  const logs: PolicyKey[] = [];
  const witnesses = new Map<string, PolicyKey>();
  const groups = new Map<string, PolicyGroup>();
  const logKeys = new Set<string>();
  const witnessKeys = new Set<string>();
  const noteKeys = new Set<string>(); // (name, key ID) pairs: one verifier each in a note
  let quorum: string | undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    // §"Character set": only tab and newline among the control characters (DEL included).
    if (hasPolicyControl(raw)) return malformed(n, 'a control character');
    const fields = raw.split(/[ \t]+/).filter((f) => f.length > 0);
    if (fields.length === 0 || fields[0]?.startsWith('#')) continue;
    const [keyword, ...args] = fields as [string, ...string[]];
    const keyOf = (text: string, type: number, kind: string): TlogResult<PolicyKey> => {
      const vkey = parseVkey(text);
      if (!vkey.ok) return vkey;
      if (vkey.value.type !== type) return malformed(n, `a ${kind} key must be of signature type ${type}`);
      const pair = `${vkey.value.name}+${formatKeyId(vkey.value.keyId)}`;
      if (noteKeys.has(pair)) return malformed(n, `two keys named ${pair}`);
      noteKeys.add(pair);
      const url = args[kind === 'log' ? 1 : 2];
      const key = { vkey: vkey.value, verifier: createNoteVerifier(vkey.value) };
      return ok(url === undefined ? key : { ...key, url });
    };
    const checkName = (name: string): TlogResult<string> => {
      if (KEYWORDS.has(name)) return malformed(n, `"${name}" is a keyword, not a name`);
      if (witnesses.has(name) || groups.has(name)) return malformed(n, `"${name}" is defined twice`);
      return ok(name);
    };
    switch (keyword) {
      case 'log': {
        if (args.length < 1 || args.length > 2) return malformed(n, 'log <vkey> [<url>]');
        const key = keyOf(args[0] as string, SIGNATURE_TYPE_ED25519, 'log');
        if (!key.ok) return key;
        const hex = bytesToHex(key.value.vkey.publicKey);
        if (logKeys.has(hex)) return malformed(n, 'two logs with the same public key');
        logKeys.add(hex);
        if (logs.length === MAX_POLICY_ENTRIES) return malformed(n, 'too many logs');
        logs.push(key.value);
        break;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3) return malformed(n, 'witness <name> <vkey> [<url>]');
        const name = checkName(args[0] as string);
        if (!name.ok) return name;
        const key = keyOf(args[1] as string, SIGNATURE_TYPE_COSIGNATURE_V1, 'witness');
        if (!key.ok) return key;
        const hex = bytesToHex(key.value.vkey.publicKey);
        if (witnessKeys.has(hex)) return malformed(n, 'two witnesses with the same public key');
        witnessKeys.add(hex);
        if (witnesses.size === MAX_POLICY_ENTRIES) return malformed(n, 'too many witnesses');
        witnesses.set(name.value, key.value);
        break;
      }
      case 'group': {
        if (args.length < 3) return malformed(n, 'group <name> <all|any|k> <name>...');
        const name = checkName(args[0] as string);
        if (!name.ok) return name;
        const members = args.slice(2);
        if (new Set(members).size !== members.length) return malformed(n, 'a member is listed twice');
        for (const m of members) {
          if (!witnesses.has(m) && !groups.has(m))
            return malformed(n, `"${m}" is not defined on an earlier line`);
        }
        const k =
          args[1] === 'all' ? members.length : args[1] === 'any' ? 1 : parseDecimal(args[1] as string);
        if (k === undefined || k < 1 || k > members.length)
          return malformed(n, 'the threshold is not 1 ≤ k ≤ n');
        if (groups.size === MAX_POLICY_ENTRIES) return malformed(n, 'too many groups');
        groups.set(name.value, { threshold: k, members });
        break;
      }
      case 'quorum': {
        if (args.length !== 1) return malformed(n, 'quorum <name>');
        if (quorum !== undefined) return malformed(n, 'a second quorum line');
        const q = args[0] as string;
        if (q !== 'none' && !witnesses.has(q) && !groups.has(q)) {
          return malformed(n, `"${q}" is not defined on an earlier line`);
        }
        quorum = q;
        break;
      }
      default:
        return malformed(n, `unknown keyword "${keyword}"`);
    }
  }
  if (quorum === undefined) return fail('POLICY_MALFORMED', 'the policy has no quorum line');
  return ok({ logs, witnesses, groups, quorum });
}

/** True when the policy's quorum is met by the witnesses (policy names) whose cosignatures verified. */
export function quorumMet(policy: TlogPolicy, cosigned: ReadonlySet<string>): boolean {
  if (policy.quorum === 'none') return true;
  const witnessed = new Map<string, boolean>();
  for (const name of policy.witnesses.keys()) witnessed.set(name, cosigned.has(name));
  // Groups refer only to earlier names, so one pass in definition order settles them all.
  for (const [name, group] of policy.groups) {
    const count = group.members.filter((m) => witnessed.get(m) === true).length;
    witnessed.set(name, count >= group.threshold);
  }
  return witnessed.get(policy.quorum) === true;
}

/** A checkpoint that satisfied a policy, with the policy names of the witnesses that cosigned it. */
export interface PolicyCheckpoint extends VerifiedCheckpoint {
  /** Policy names of the witnesses whose cosignatures verified. */
  readonly witnessedBy: readonly string[];
}

/**
 * Verifies a checkpoint under a policy (tlog-policy §"What is a policy?"): signed by one of its logs
 * with that key's name as the origin, every signature by a known key valid (see `verifyCheckpoint`),
 * and the quorum met (`POLICY_QUORUM_NOT_MET`). `extraLogs` are log keys known from other context, for
 * a policy that lists none.
 */
export async function verifyCheckpointWithPolicy(
  input: string | Uint8Array | Note,
  policy: TlogPolicy,
  extraLogs: readonly NoteVerifier[] = [],
): Promise<TlogResult<PolicyCheckpoint>> {
  const byKey = new Map<string, string>();
  for (const [name, w] of policy.witnesses) byKey.set(`${w.vkey.name}+${formatKeyId(w.vkey.keyId)}`, name);
  const checked = await verifyCheckpoint(input, {
    log: [...policy.logs.map((l) => l.verifier), ...extraLogs],
    witnesses: [...policy.witnesses.values()].map((w) => w.verifier),
  });
  if (!checked.ok) return checked;
  const witnessedBy = checked.value.cosignatures
    .map((c) => byKey.get(`${c.name}+${formatKeyId(c.keyId)}`))
    .filter((name): name is string => name !== undefined);
  if (!quorumMet(policy, new Set(witnessedBy))) {
    return fail(
      'POLICY_QUORUM_NOT_MET',
      `the quorum "${policy.quorum}" is not met (cosigned by: ${witnessedBy.join(', ') || 'none'})`,
    );
  }
  return ok({ ...checked.value, witnessedBy });
}
