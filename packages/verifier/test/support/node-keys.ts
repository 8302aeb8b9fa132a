import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { identityFromSecretKey, type JsonObject, parseSecretKeyMultibase } from '@assent/manifest';
import { createProof } from '@assent/manifest/data-integrity';
import {
  createCosigner,
  createNoteSigner,
  decodeBase64,
  encodeBase64,
  formatCheckpoint,
  hashLeaf,
  parseNote,
  signNote,
} from '@assent/tlog';
import type { ConsentCheckReceipt } from '../../src/receipt/index.js';

/**
 * What only a node's own keys can make, for tests that need a lying, forked or witnessed node: one
 * node on loopback cannot be made to lie or fork, and has no witness. The keys are read from the
 * node's data folder (`node-key.json`, docs/operations.md).
 */

/** The node's secret keys. */
export interface NodeKeys {
  readonly origin: string;
  readonly did: Uint8Array;
  readonly log: Uint8Array;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export async function readNodeKeys(dataDir: string): Promise<NodeKeys> {
  const file = JSON.parse(await readFile(join(dataDir, 'node-key.json'), 'utf8')) as Record<string, string>;
  const secret = (k: string) => {
    const parsed = parseSecretKeyMultibase(file[k] as string);
    if (!parsed.ok) throw new Error(`node-key.json ${k}: ${parsed.message}`);
    return parsed.value;
  };
  return { origin: file.origin as string, did: secret('did'), log: secret('log') };
}

/** Signs a receipt again with the node's DID key (same `created`), as the node itself could. */
export async function resignReceipt(receipt: unknown, keys: NodeKeys): Promise<ConsentCheckReceipt> {
  const { proof, ...unsigned } = copy(receipt) as Record<string, unknown> & { proof: { created: string } };
  const node = await identityFromSecretKey(keys.did);
  return (await createProof(unsigned as JsonObject, {
    secretKey: node.secretKey,
    verificationMethod: node.verificationMethod,
    created: proof.created,
  })) as unknown as ConsentCheckReceipt;
}

/** The receipt (unsigned again) with its checkpoint replaced in the log and in every tlog-proof. */
export function withCheckpoint(receipt: unknown, note: string): ConsentCheckReceipt {
  const out = copy(receipt) as {
    credentialSubject: { log: { checkpoint: string } };
    evidence: { tlogProof: string }[];
  };
  const old = out.credentialSubject.log.checkpoint;
  out.credentialSubject.log.checkpoint = note;
  for (const e of out.evidence) e.tlogProof = e.tlogProof.replace(old, note);
  return out as unknown as ConsentCheckReceipt;
}

/**
 * Flips one bit of the note's last signature (a byte inside its Ed25519 R, so the line stays canonical
 * base64 and names the same key): the signature no longer verifies.
 */
export function flipLastSignature(note: string): string {
  const lines = note.split('\n');
  const at = lines.length - 2; // the note ends with a newline
  const [dash, name, base64] = (lines[at] as string).split(' ') as [string, string, string];
  const bytes = decodeBase64(base64) as Uint8Array;
  bytes[bytes.length - 40] = (bytes[bytes.length - 40] as number) ^ 1;
  lines[at] = `${dash} ${name} ${encodeBase64(bytes)}`;
  return lines.join('\n');
}

/**
 * A checkpoint note with one more `cosignature/v1` line, by a fresh witness key named `name` vouching
 * for `at` (POSIX seconds); and the witness's vkey, for a tlog-policy.
 */
export async function cosignCheckpoint(
  note: string,
  name: string,
  at: number,
): Promise<{ note: string; vkey: string }> {
  const cosigner = await createCosigner(name, crypto.getRandomValues(new Uint8Array(32)), { now: () => at });
  const parsed = parseNote(note);
  if (!parsed.ok) throw new Error(`the checkpoint: ${parsed.message}`);
  return { note: await signNote(parsed.value, [cosigner]), vkey: cosigner.vkey };
}

/** Another tree of `size` signed by the node's log key: with the real one, two histories. */
export async function forkCheckpoint(keys: NodeKeys, size: number): Promise<{ note: string; root: string }> {
  const signer = await createNoteSigner(keys.origin, keys.log);
  const root = hashLeaf(new TextEncoder().encode('another history'));
  const note = await signNote(formatCheckpoint({ origin: keys.origin, size, root }), [signer]);
  return { note, root: encodeBase64(root) };
}
