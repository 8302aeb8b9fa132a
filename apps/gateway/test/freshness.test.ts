/**
 * Issue 17: a node's answers say how fresh they are. Two real registry nodes over libp2p on 127.0.0.1;
 * clients check through the gateway of the second with `gatewaySource` and `maxAge`. While the first
 * is up, answers are fresh; once it is gone, the second's `asOf` stops at its last catch-up, and after
 * `maxAge` its answers are refused with `STALE`.
 */
import { generateIdentity, signManifest } from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { createVerifier, gatewaySource } from '@assent/verifier';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../src/index.js';
import { cleanup, tempDir } from './support/fixture.js';

// not about identity: grants count unbound (docs/decisions.md §7 item 5)
const UNBOUND = { requireBinding: false } as const;

const MAX_AGE = 3_000;
const WORK = 'isrc:USRC17607839';
const open: { stop(): Promise<void> }[] = [];

afterAll(async () => {
  for (const o of open.reverse()) await o.stop().catch(() => undefined);
  cleanup();
});

/** Polls `read` until it answers something other than undefined (at most about 30 s). */
async function until<T>(read: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never saw ${what}`);
}

/** A check through the gateway by a new client (no answers remembered) that demands `maxAge`. */
function check(url: string) {
  return createVerifier({ source: gatewaySource(url), maxAge: MAX_AGE, identity: UNBOUND }).check({
    work: WORK,
    use: 'search',
  });
}

describe('freshness', () => {
  it('a node whose peers are gone: after maxAge, gatewaySource clients refuse its answers with STALE', async () => {
    const a: Registry = await createRegistry({ dataDir: tempDir() });
    open.push(a);
    const b: Registry = await createRegistry({
      dataDir: tempDir(),
      peers: a.multiaddrs(),
      syncIntervalMs: 250,
    });
    open.push(b);
    const gateway: RunningGateway = await startGateway({
      registry: b,
      port: 0,
      log: false,
      logger: pino({ level: 'silent' }),
      identity: UNBOUND,
    });
    open.push({ stop: () => gateway.close() });

    const me = await generateIdentity();
    const m = await signManifest(
      { default: { search: 'allow' }, works: [{ ids: [WORK] }] },
      { identity: me },
    );
    expect((await a.ingest(m.bytes)).ok).toBe(true);
    await until(() => b.head(me.did), 'the manifest replicated to the gateway’s node');

    // Up and in touch with its peer: fresh answers, allowed.
    const fresh = await until(async () => {
      const r = await check(gateway.url);
      return r.decision === 'allow' && r.warnings.length === 0 ? r : undefined;
    }, 'a fresh answer');
    expect(fresh.evidence[0]?.cid).toBe(m.cid);
    const healthy = await (await fetch(`${gateway.url}/healthz`)).json();
    expect(healthy.peers).toMatchObject([{ address: a.multiaddrs()[0], connected: true }]);
    expect(healthy.peers[0].lastSync).not.toBeNull();

    // The peer goes away: the node keeps answering from what it holds, but says since when.
    await a.stop();
    const stale = await until(async () => {
      const r = await check(gateway.url);
      return r.warnings.some((w) => w.code === 'STALE') ? r : undefined;
    }, 'a STALE answer');
    expect(stale.decision).not.toBe('allow');
    const health = await (await fetch(`${gateway.url}/healthz`)).json();
    expect(health.peers).toMatchObject([{ connected: false }]);
    expect(health.asOf).toBe(health.peers[0].lastSync);
    // The check answers carry the same asOf (to the second).
    const answer = await (await fetch(`${gateway.url}/v1/check?work=${WORK}&use=search`)).json();
    expect(answer.asOf).toBe(`${health.asOf.slice(0, 19)}Z`);
  }, 90_000);
});
