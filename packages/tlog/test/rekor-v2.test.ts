import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createNoteVerifier,
  decodeBase64,
  formatKeyId,
  formatTlogProof,
  formatVkey,
  hashLeaf,
  parseVkey,
  SIGNATURE_TYPE_ED25519,
  verifyCheckpoint,
  verifyInclusion,
  verifyTlogProof,
} from '../src/index.js';

/**
 * A production-shaped oracle we did not write: a Rekor v2 entry from sigstore-conformance
 * (test/vectors/tlog/rekor-v2.json). Its checkpoint is a C2SP signed note whose log key ID follows
 * the signed-note formula, cosigned by public witnesses we hold no keys for.
 */

interface RekorVector {
  logName: string;
  logPublicKeySpki: string;
  logKeyId: string;
  leafBase64: string;
  index: number;
  size: number;
  root: string;
  proof: string[];
  checkpoint: string;
  unknownSigners: string[];
}

const v = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../test/vectors/tlog/rekor-v2.json'), 'utf8'),
) as RekorVector;
const b64 = (text: string) => {
  const bytes = decodeBase64(text);
  if (bytes === undefined) throw new Error(`not canonical base64: ${text}`);
  return bytes;
};
const spki = b64(v.logPublicKeySpki);
const logVkey = formatVkey({
  name: v.logName,
  type: SIGNATURE_TYPE_ED25519,
  publicKey: spki.slice(spki.length - 32),
});
const logVerifier = () => {
  const parsed = parseVkey(logVkey);
  if (!parsed.ok) throw new Error(parsed.message);
  return createNoteVerifier(parsed.value);
};

describe('Rekor v2 entry (sigstore-conformance)', () => {
  it('the log key ID from the signed-note formula is the one in its signature line', () => {
    expect(logVkey.split('+')[1]).toBe(v.logKeyId);
  });

  it('the leaf is included at its index under the checkpoint root', () => {
    const result = verifyInclusion({
      index: v.index,
      size: v.size,
      leafHash: hashLeaf(b64(v.leafBase64)),
      proof: v.proof.map(b64),
      root: b64(v.root),
    });
    expect(result).toEqual({ ok: true, value: true });
  });

  it('the checkpoint verifies under the log key; the three witness lines are ignored as unknown', async () => {
    const result = await verifyCheckpoint(v.checkpoint, { log: [logVerifier()] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.origin).toBe(v.logName);
    expect(result.value.size).toBe(v.size);
    expect(result.value.root).toEqual(b64(v.root));
    expect(result.value.note.verified.map((s) => formatKeyId(s.keyId))).toEqual([v.logKeyId]);
    expect(result.value.note.unknown.map((s) => s.name)).toEqual(v.unknownSigners);
  });

  it('as a tlog-proof it verifies, and fails for a neighbouring leaf or a changed checkpoint', async () => {
    const text = formatTlogProof({ index: v.index, proof: v.proof.map(b64), checkpoint: v.checkpoint });
    const leafHash = hashLeaf(b64(v.leafBase64));
    expect((await verifyTlogProof(text, { log: [logVerifier()], leafHash })).ok).toBe(true);
    const wrongLeaf = await verifyTlogProof(text, {
      log: [logVerifier()],
      leafHash: hashLeaf(new Uint8Array(0)),
    });
    expect(wrongLeaf).toMatchObject({ ok: false, code: 'TLOG_INCLUSION_INVALID' });
    const otherSize = text.replace(`\n${v.size}\n`, `\n${v.size + 1}\n`);
    const changed = await verifyTlogProof(otherSize, { log: [logVerifier()], leafHash });
    expect(changed).toMatchObject({ ok: false, code: 'NOTE_SIGNATURE_INVALID' });
  });
});
