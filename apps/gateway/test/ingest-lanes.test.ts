/**
 * Issue 17: publishing never hangs. Manifests naming catalog pages nobody has, posted as JSON (so the
 * node must fetch the pages from peers), against a real registry with its network on and a real server
 * on 127.0.0.1. A full ingest lane answers `503 REGISTRY_BUSY` with `Retry-After` at once; a client
 * that goes away frees its place; a publish's deadline ends its fetches.
 */
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../src/index.js';
import { cleanup, tempDir } from './support/fixture.js';

const open: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const o of open.reverse()) await o.stop().catch(() => undefined);
  cleanup();
});

/** A signed manifest whose works are all in catalog pages, which are never given to the node. */
async function jam(): Promise<SignedManifest> {
  const works = Array.from({ length: 8 }, (_, i) => ({ ids: [`isrc:USJAM26${String(i).padStart(5, '0')}`] }));
  return signManifest(
    { default: { search: 'allow' }, works },
    { identity: await generateIdentity(), inlineBudgetBytes: 0 },
  );
}

async function serve(registry: Registry, ingestDeadlineMs: number): Promise<RunningGateway> {
  const gateway = await startGateway({
    registry,
    port: 0,
    ingestDeadlineMs,
    rateLimit: false,
    log: false,
    logger: pino({ level: 'silent' }),
  });
  open.push({ stop: () => gateway.close() });
  return gateway;
}

function post(url: string, m: SignedManifest, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/manifests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: m.bytes as BodyInit,
    ...(signal === undefined ? {} : { signal }),
  });
}

/**
 * Posts `m` and waits up to a second for the answer: the answer, or 'admitted' when it is still being
 * worked on (then the request is abandoned, which must end its ingest too).
 */
async function probe(url: string, m: SignedManifest): Promise<Response | 'admitted'> {
  const client = new AbortController();
  const timer = setTimeout(() => client.abort(), 1_000);
  try {
    return await post(url, m, client.signal);
  } catch (error) {
    if (client.signal.aborted) return 'admitted';
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

describe('publishing with pages to fetch', () => {
  it('a full lane answers 503 REGISTRY_BUSY with Retry-After, and clients that go away free it', async () => {
    const registry = await createRegistry({
      dataDir: tempDir(),
      fetchTimeoutMs: 120_000,
      maxFetchingIngests: 1,
      maxQueuedIngests: 1,
    });
    open.push(registry);
    // Only the request's own end can stop these fetches: the deadline is far away.
    const gw = await serve(registry, 120_000);
    const clients = [new AbortController(), new AbortController()];
    const held = await Promise.all([jam(), jam()]);
    const jammed = held.map((m, i) => post(gw.url, m, clients[i]?.signal).catch(() => 'gone'));
    const other = await jam();
    let busy: Response | undefined;
    for (let i = 0; i < 30 && busy === undefined; i++) {
      const answer = await probe(gw.url, other);
      if (answer !== 'admitted') {
        expect(answer.status).toBe(503);
        busy = answer;
      }
    }
    if (busy === undefined) throw new Error('the lane never filled');
    expect(busy.headers.get('x-assent-error')).toBe('REGISTRY_BUSY');
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await busy.json()).error.code).toBe('REGISTRY_BUSY');
    // The two clients give up: their ingests end with their requests, and the lane takes new work.
    for (const client of clients) client.abort();
    expect(await Promise.all(jammed)).toEqual(['gone', 'gone']);
    let admitted = false;
    for (let i = 0; i < 30 && !admitted; i++) {
      const answer = await probe(gw.url, other);
      if (answer === 'admitted') admitted = true;
      else expect(answer.status, 'still busy').toBe(503);
    }
    expect(admitted).toBe(true);
  }, 90_000);

  it('a publish whose pages cannot be fetched ends at its deadline with CATALOG_PAGE_MISSING', async () => {
    const registry = await createRegistry({ dataDir: tempDir(), fetchTimeoutMs: 120_000 });
    open.push(registry);
    const gw = await serve(registry, 300);
    const m = await jam();
    const res = await post(gw.url, m);
    expect(res.status).toBe(422);
    expect((await res.json()).error.code).toBe('CATALOG_PAGE_MISSING');
    expect(m.pages.length).toBeGreaterThan(0);
    expect(await registry.getBlock(m.cid)).toBeUndefined();
  }, 30_000);
});
