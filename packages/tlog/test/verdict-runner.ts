import {
  createNoteSigner,
  createNoteVerifier,
  decodeBase64,
  formatKeyId,
  parseCheckpoint,
  parseCosignature,
  parseTilePath,
  parseTlogProof,
  parseVkey,
  signNote,
  verifyConsistency,
  verifyInclusion,
  verifyNote,
} from '../src/index.js';

/**
 * One verdict per case, computed the same way in Node and in Chromium (the runner is bundled for the
 * browser from these sources). Everything crossing into the page is JSON: bytes travel as base64 or
 * hex. A verdict is `ok…` with what was read, or the error code.
 */

export interface InclusionCase {
  id: string;
  index: number;
  size: number;
  leafHash: string;
  proof: string[];
  root: string;
}
export interface ConsistencyCase {
  id: string;
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[];
}
export interface NoteCase {
  id: string;
  vkeys: string[];
  note?: string;
  noteHex?: string;
}
export interface SignCase {
  id: string;
  name: string;
  seedHex: string;
  text: string;
}
export interface TlogCases {
  inclusion: InclusionCase[];
  consistency: ConsistencyCase[];
  notes: NoteCase[];
  signing: SignCase[];
  /** Texts run through each parser: vkeys, checkpoints, cosignatures (base64), tile paths, tlog-proofs. */
  vkeys: { id: string; input: string }[];
  checkpoints: { id: string; input: string }[];
  cosignatures: { id: string; input: string }[];
  tilePaths: { id: string; input: string }[];
  proofs: { id: string; input: string }[];
}
export interface TlogVerdict {
  id: string;
  verdict: string;
}

function bytes(b64: string): Uint8Array {
  const decoded = decodeBase64(b64);
  if (decoded === undefined) throw new Error(`not canonical base64: ${b64}`);
  return decoded;
}
function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}
function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
const verdict = (r: { ok: true } | { ok: false; code: string }, detail = '') =>
  r.ok ? `ok${detail}` : r.code;

/** Runs every case; the order of the output is the order of the input. */
export async function runTlogVerdicts(cases: TlogCases): Promise<TlogVerdict[]> {
  const out: TlogVerdict[] = [];
  for (const c of cases.inclusion) {
    const r = verifyInclusion({
      ...c,
      leafHash: bytes(c.leafHash),
      proof: c.proof.map(bytes),
      root: bytes(c.root),
    });
    out.push({ id: c.id, verdict: verdict(r) });
  }
  for (const c of cases.consistency) {
    const r = verifyConsistency({
      ...c,
      root1: bytes(c.root1),
      root2: bytes(c.root2),
      proof: c.proof.map(bytes),
    });
    out.push({ id: c.id, verdict: verdict(r) });
  }
  for (const c of cases.notes) {
    const verifiers = c.vkeys.map((text) => {
      const key = parseVkey(text);
      if (!key.ok) throw new Error(`vkey does not parse: ${text}`);
      return createNoteVerifier(key.value);
    });
    const r = await verifyNote(c.noteHex !== undefined ? fromHex(c.noteHex) : (c.note as string), verifiers);
    out.push({
      id: c.id,
      verdict: verdict(r, r.ok ? `:${r.value.verified.map((s) => s.name).join(',')}` : ''),
    });
  }
  for (const c of cases.signing) {
    const signer = await createNoteSigner(c.name, fromHex(c.seedHex));
    out.push({ id: c.id, verdict: `${signer.vkey}\n${await signNote(c.text, [signer])}` });
  }
  for (const c of cases.vkeys) {
    const r = parseVkey(c.input);
    out.push({
      id: c.id,
      verdict: verdict(r, r.ok ? `:${r.value.name}:${formatKeyId(r.value.keyId)}:${r.value.type}` : ''),
    });
  }
  for (const c of cases.checkpoints) {
    const r = parseCheckpoint(c.input);
    out.push({
      id: c.id,
      verdict: verdict(r, r.ok ? `:${r.value.origin}:${r.value.size}:${toHex(r.value.root)}` : ''),
    });
  }
  for (const c of cases.cosignatures) {
    const all = bytes(c.input);
    const r = parseCosignature(all.slice(4));
    out.push({
      id: c.id,
      verdict: verdict(r, r.ok ? `:${toHex(all.slice(0, 4))}:${r.value.timestamp}` : ''),
    });
  }
  for (const c of cases.tilePaths) {
    const r = parseTilePath(c.input);
    out.push({
      id: c.id,
      verdict: verdict(r, r.ok ? `:${r.value.level}:${r.value.index}:${r.value.width}` : ''),
    });
  }
  for (const c of cases.proofs) {
    const r = parseTlogProof(c.input);
    out.push({ id: c.id, verdict: verdict(r, r.ok ? `:${r.value.index}:${r.value.proof.length}` : '') });
  }
  return out;
}
