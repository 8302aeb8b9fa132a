import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockCid } from '@assent/manifest';
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
  it('loses no acknowledged manifest when the node is killed with SIGKILL mid-stream; reindex agrees', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'assent-registry-kill-'));
    dirs.push(dataDir);
    const child = await spawnRegistry({ dataDir });
    void child.request('stream', { count: 5000, creators: 8 }).catch(() => undefined);
    await waitFor(() => (child.acks.length >= 150 ? true : undefined), '150 acknowledged ingests', 60_000);
    child.kill('SIGKILL');
    await child.exited;
    const acked = [...child.acks];
    expect(acked.length).toBeLessThan(5000);

    reopened = await createRegistry({ dataDir, network: false });
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
