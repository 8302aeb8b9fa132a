/**
 * A log of three entries, a checkpoint signed by the log and cosigned by a witness, and an offline
 * check of one entry from its tlog-proof text. Run: `npx tsx --conditions=source packages/tlog/examples/quickstart.ts`.
 */
import {
  createCosigner,
  createMerkleTree,
  createNoteSigner,
  createNoteVerifier,
  formatCheckpoint,
  formatTlogProof,
  hashLeaf,
  parseVkey,
  signNote,
  verifyTlogProof,
} from '@assent/tlog';

const entries = ['first', 'second', 'third'].map((s) => new TextEncoder().encode(s));
const tree = createMerkleTree(entries.map(hashLeaf));

// The log signs its checkpoint; a witness cosigns it. Seeds are fixed here only to make the output stable.
const log = await createNoteSigner('example.com/log', new Uint8Array(32).fill(1));
const witness = await createCosigner('witness.example/w1', new Uint8Array(32).fill(2));
const checkpoint = await signNote(
  formatCheckpoint({ origin: 'example.com/log', size: tree.size, root: tree.root() }),
  [log, witness],
);

// The log hands out a self-contained proof for entry 1.
const proof = formatTlogProof({ index: 1, proof: tree.inclusionProof(1), checkpoint });
console.log(proof);

// Anyone holding the two vkeys checks it offline.
const verifier = (vkey: string) => {
  const parsed = parseVkey(vkey);
  if (!parsed.ok) throw new Error(`${parsed.code}: ${parsed.message}`);
  return createNoteVerifier(parsed.value);
};
const result = await verifyTlogProof(proof, {
  log: [verifier(log.vkey)],
  witnesses: [verifier(witness.vkey)],
  leafHash: hashLeaf(entries[1] as Uint8Array),
});
if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
console.log(
  `entry ${result.value.index} is in ${result.value.checkpoint.origin} at size ${result.value.checkpoint.size},`,
);
console.log(`cosigned by ${result.value.checkpoint.cosignatures.map((c) => c.name).join(', ')}`);
