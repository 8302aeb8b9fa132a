/**
 * Receipts of a node that weighs identity (docs/decisions.md §7, docs/spec/receipt.md §4): a receipt
 * names the manifests it decided from, not the observations and attestations, so `verifyReceipt`
 * derives each decision again by the rules without identity and accepts a different answer only where
 * identity explains it (an unbound grant set aside). Real registry (SQLite in a temp dir), real gateway
 * on 127.0.0.1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningGateway, startGateway } from '@assent/gateway';
import { generateIdentity, signAttestation, signManifest } from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/index.js';
import { verifyReceipt } from '../src/receipt/index.js';

const BOUND = 'isrc:USRC17607839';
const UNBOUND = 'isrc:GBAYE0601498';
let dir: string;
let registry: Registry;
let gateway: RunningGateway;
let blocks: Uint8Array[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assent-receipt-identity-'));
  registry = await createRegistry({ dataDir: dir, network: false, links: false });
  const label = await generateIdentity();
  const artist = await generateIdentity();
  const squatter = await generateIdentity();
  const manifests = [
    await signManifest(
      { works: [{ ids: [BOUND], policy: { 'train-genai': 'allow' } }] },
      { identity: artist },
    ),
    await signManifest(
      { works: [{ ids: [UNBOUND], policy: { 'train-genai': 'allow' } }] },
      { identity: squatter },
    ),
  ];
  for (const m of manifests) expect((await registry.ingest(m.bytes)).ok).toBe(true);
  const attested = await signAttestation({ subject: artist.did, isrcs: [BOUND] }, { identity: label });
  expect((await registry.attestations.add(attested.bytes)).ok).toBe(true);
  gateway = await startGateway({
    registry,
    port: 0,
    log: false,
    identity: { trustedAttesters: [label.did] },
  });
  blocks = manifests.map((m) => m.bytes);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('receipts of a node that requires identity bindings', () => {
  it('verifies, derives again the bound decision, and leaves out the one identity changed', async () => {
    const res = await fetch(`${gateway.url}/v1/check?receipt=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ use: 'train-genai', works: [BOUND, UNBOUND] }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { results: CheckResult[]; receipt: unknown };
    expect(answer.results.map((r) => [r.decision, r.rule])).toEqual([
      ['allow', 'work-policy'],
      ['unknown', 'insufficient-binding'],
    ]);
    const verdict = await verifyReceipt(answer.receipt, {
      results: answer.results,
      manifests: blocks,
      trustedNodes: [registry.identity.did],
    });
    expect(verdict.ok).toBe(true);
    // The bound allow is the same by the rules without identity; the squatter's allow, set aside by
    // the node, is not derived again (the receipt names no attestation to weigh it with).
    expect(verdict.ok && verdict.value.rederived).toBe(1);
  });
});
