/**
 * Forks through a registry node (docs/threat-model.md, F1 and F2): a node must offer every branch
 * head of a forked creator once one names a work, and must report the newest version as the head.
 * A real registry and gateway on 127.0.0.1; the answers are compared with `memorySource`, which is
 * handed every manifest and so sees every branch.
 */
import { generateIdentity, PENDING_WINDOW_MS, type SignedManifest, signManifest } from '@assent/manifest';
import { createVerifier, gatewaySource, memorySource } from '@assent/verifier';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, postJson, startTestGateway } from '../../apps/gateway/test/support/fixture.js';
import { resultSummary } from '../../packages/verifier/test/support/decision-table.js';

afterAll(cleanup);

const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';

async function publishAll(url: string, manifests: readonly SignedManifest[]): Promise<void> {
  for (const m of manifests) {
    const res = await postJson(`${url}/v1/manifests`, m.bytes);
    expect(res.status).toBe(201);
  }
}

/**
 * Publishes the manifests to the gateway, then checks X for train-ai through the gateway and through
 * gatewaySource: both must agree with memorySource over the same manifests, which it returns.
 */
async function agreesWithMemory(url: string, manifests: readonly SignedManifest[]) {
  await publishAll(url, manifests);
  // The node logged every version just now; memorySource says no log times. Compared past every
  // version's 72-hour waiting window (spec §5.5), where the two agree by design.
  const at = new Date(Date.now() + PENDING_WINDOW_MS + 60_000).toISOString();
  const expected = resultSummary(
    await createVerifier({ source: memorySource(manifests) }).check({ work: X, use: 'train-ai', at }),
  );
  const viaGateway = await (
    await fetch(`${url}/v1/check?work=${X}&use=train-ai&at=${encodeURIComponent(at)}`)
  ).json();
  expect(resultSummary(viaGateway)).toEqual(expected);
  const viaSdk = await createVerifier({ source: gatewaySource(url) }).check({ work: X, use: 'train-ai', at });
  expect(resultSummary(viaSdk)).toEqual(expected);
  return expected;
}

describe('a forked creator through a registry node', () => {
  it('a same-version branch that drops the work is offered too: no quiet allow', async () => {
    const gw = await startTestGateway({ rateLimit: false, log: false });
    try {
      const me = await generateIdentity();
      const v1 = await signManifest({ works: [{ ids: [Y], policy: { all: 'deny' } }] }, { identity: me });
      const a = await signManifest(
        { works: [{ ids: [X], policy: { all: 'allow' } }] },
        { identity: me, head: v1 },
      );
      const b = await signManifest(
        { works: [{ ids: [Y], policy: { all: 'deny' } }] },
        { identity: me, head: v1 },
      );
      const expected = await agreesWithMemory(gw.url, [v1, a, b]);
      expect(expected).toMatchObject({ decision: 'unknown', disputed: true });
      expect(expected.warnings).toContain('FORKED');
    } finally {
      await gw.close();
    }
  });

  it('a branch left at an older version does not decide once another branch is newer', async () => {
    const gw = await startTestGateway({ rateLimit: false, log: false });
    try {
      const me = await generateIdentity();
      const v1 = await signManifest({ works: [{ ids: [X], policy: { all: 'deny' } }] }, { identity: me });
      const v2a = await signManifest(
        { works: [{ ids: [Y], policy: { all: 'deny' } }] },
        { identity: me, head: v1 },
      );
      const v3a = await signManifest(
        { works: [{ ids: [Y], policy: { all: 'deny' } }] },
        { identity: me, head: v2a },
      );
      const v2b = await signManifest(
        { works: [{ ids: [X], policy: { all: 'allow' } }] },
        { identity: me, head: v1 },
      );
      const expected = await agreesWithMemory(gw.url, [v1, v2a, v3a, v2b]);
      expect(expected.decision).not.toBe('allow');

      // The creator's head is the newest version, whatever the CIDs' order.
      const creator = await (await fetch(`${gw.url}/v1/creators/${encodeURIComponent(me.did)}`)).json();
      expect(creator).toMatchObject({ head: v3a.cid, version: 3, forked: true });
      expect(creator.heads).toEqual([{ cid: v3a.cid, version: 3, previous: v2a.cid }]);
      expect(creator.history).toHaveLength(4);
    } finally {
      await gw.close();
    }
  });
});
