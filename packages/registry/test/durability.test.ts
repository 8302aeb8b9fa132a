import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockCid } from '@assent/manifest';
import { createNoteVerifier, parseVkey, verifyCheckpoint, verifyConsistency } from '@assent/tlog';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRegistry, type Registry } from '../src/index.js';
import { killAllChildren, spawnRegistry, waitFor } from './child-registry.js';

const dirs: string[] = [];
let reopened: Registry | undefined;

afterEach(async () => {
  await reopened?.stop();
  reopened = undefined;
  await killAllChildren();
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('durability', () => {
  it('loses no acknowledged manifest nor its log leaf when the node is killed with SIGKILL mid-stream; reindex agrees', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'assent-registry-kill-'));
    dirs.push(dataDir);
    const child = await spawnRegistry({ dataDir, checkpointIntervalMs: 20 });
    void child.request('stream', { count: 5000, creators: 8 }).catch(() => undefined);
    // The checkpoints the node serves while it ingests: the log after the kill must extend each.
    const served: { size: number; note: string }[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const c = await child.request<{ size: number; note: string }>('checkpoint').catch(() => undefined);
        if (c !== undefined && c.size !== served.at(-1)?.size) served.push(c);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await waitFor(() => (child.acks.length >= 150 ? true : undefined), '150 acknowledged ingests', 60_000);
    child.kill('SIGKILL');
    await child.exited;
    polling = false;
    await poll;
    const acked = [...child.acks];
    expect(acked.length).toBeLessThan(5000);
    expect(served.length).toBeGreaterThan(1);

    reopened = await createRegistry({ dataDir, network: false });
    // Every acknowledged manifest has its leaf; every checkpoint served before the kill is a prefix.
    const log = reopened.log;
    for (const ack of acked) {
      const index = log.indexOf(ack.cid);
      expect(index, ack.cid).toBeDefined();
      expect(JSON.parse(new TextDecoder().decode(log.leaf(index as number)))).toMatchObject({
        cid: ack.cid,
        issuer: ack.issuer,
        version: ack.version,
      });
    }
    const vkey = parseVkey(log.vkey);
    if (!vkey.ok) throw new Error(vkey.message);
    const size = log.size();
    for (const c of served) {
      const verified = await verifyCheckpoint(c.note, { log: [createNoteVerifier(vkey.value)] });
      if (!verified.ok) throw new Error(verified.message);
      expect(verified.value.size).toBeLessThanOrEqual(size);
      if (verified.value.size === 0) continue;
      const proof = log.consistencyProof(verified.value.size, size);
      const consistent = verifyConsistency({
        size1: verified.value.size,
        size2: size,
        root1: verified.value.root,
        root2: log.root(size),
        proof,
      });
      expect(consistent.ok).toBe(true);
    }
    const latest = new Map<string, number>();
    for (const ack of acked) {
      const bytes = await reopened.getBlock(ack.cid);
      expect(bytes, ack.cid).toBeDefined();
      expect(blockCid(bytes as Uint8Array)).toBe(ack.cid);
      latest.set(ack.issuer, Math.max(latest.get(ack.issuer) ?? 0, ack.version));
    }
    for (const [issuer, version] of latest) {
      const history = reopened.history(issuer);
      // Every version up to the last acknowledged one, in order, possibly one more that was on its way.
      expect(history.slice(0, version).map((m) => m.version)).toEqual(
        Array.from({ length: version }, (_, i) => i + 1),
      );
      expect(reopened.head(issuer)?.heads[0]?.version).toBeGreaterThanOrEqual(version);
    }

    const issuers = [...latest.keys()].sort();
    const snapshot = async (registry: Registry) => ({
      counts: registry.stats().manifests,
      heads: issuers.map((did) => registry.head(did)),
      history: issuers.map((did) => registry.history(did)),
      found:
        // Manifest i names only work i, and ingest is sequential: the head of a creator is its last
        // acknowledged manifest or the one after it, whose ingest finished before its ack was sent.
        (
          await registry.lookupWorks(
            Array.from(
              { length: acked.length + 1 },
              (_, i) => `isrc:QZ${String(i % 8).padStart(3, '0')}26${String(i).padStart(5, '0')}`,
            ),
          )
        )
          .map((c) => c.cid)
          .sort(),
    });
    const before = await snapshot(reopened);
    expect(before.found.length).toBe(issuers.length);
    const report = await reopened.reindex();
    expect(report.manifests).toBe(before.counts);
    expect(await snapshot(reopened)).toEqual(before);
  }, 90_000);
});
