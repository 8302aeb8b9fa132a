/**
 * `GET /v1/creators/{did}` pages a creator's history (issue 17: it answered the whole history, however
 * long), over a real registry behind a real server on 127.0.0.1.
 */
import { generateIdentity, type Identity, type SignedManifest, signManifest } from '@assent/manifest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, postJson, startTestGateway } from './support/fixture.js';

let gw: Awaited<ReturnType<typeof startTestGateway>>;
let me: Identity;
const chain: SignedManifest[] = [];
let forker: Identity;
let fork: SignedManifest[];

beforeAll(async () => {
  gw = await startTestGateway({ rateLimit: false });
  me = await generateIdentity();
  for (let v = 1; v <= 7; v++) {
    const head = chain[chain.length - 1];
    const m = await signManifest(
      { default: { search: v % 2 === 0 ? 'allow' : 'deny' }, works: [] },
      head === undefined ? { identity: me } : { identity: me, head },
    );
    chain.push(m);
    expect((await postJson(`${gw.url}/v1/manifests`, m.bytes)).status).toBe(201);
  }
  // A creator with two branches at version 2.
  forker = await generateIdentity();
  const root = await signManifest({ default: { search: 'allow' }, works: [] }, { identity: forker });
  const left = await signManifest(
    { default: { search: 'deny' }, works: [] },
    { identity: forker, head: root },
  );
  const right = await signManifest({ default: { tdm: 'deny' }, works: [] }, { identity: forker, head: root });
  fork = [root, left, right];
  for (const m of fork) expect((await postJson(`${gw.url}/v1/manifests`, m.bytes)).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await gw?.close();
  cleanup();
});

const creator = (did: string, query = '') => `/v1/creators/${encodeURIComponent(did)}${query}`;

/** Follows `next` from `first`, answering every page. */
async function pages(first: string) {
  const seen: { history: { cid: string; version: number }[]; next: string | null; link: string | null }[] =
    [];
  let path: string | null = first;
  while (path !== null && seen.length < 20) {
    const res: Response = await fetch(`${gw.url}${path}`);
    expect(res.status, path).toBe(200);
    const body: { history: { cid: string; version: number }[]; next: string | null } = await res.json();
    seen.push({ history: body.history, next: body.next, link: res.headers.get('link') });
    path = body.next;
  }
  return seen;
}

describe('GET /v1/creators/{did} history pages', () => {
  it('pages by version with ?after&limit, linking each page to the next, until next is null', async () => {
    const seen = await pages(creator(me.did, '?limit=3'));
    expect(seen.map((p) => p.history.map((h) => h.version))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(seen.flatMap((p) => p.history.map((h) => h.cid))).toEqual(chain.map((m) => m.cid));
    expect(seen[0]?.next).toBe(`${creator(me.did)}?after=3&limit=3`);
    expect(seen[0]?.link).toBe(`<${creator(me.did)}?after=3&limit=3>; rel="next"`);
    expect(seen[2]).toMatchObject({ next: null, link: null });
    // The heads are the same on every page.
    const page = await (await fetch(`${gw.url}${creator(me.did, '?after=5&limit=1')}`)).json();
    expect(page).toMatchObject({ head: chain[6]?.cid, version: 7, history: [{ version: 6 }] });
  });

  it('answers a short history whole by default, and nothing after its last version', async () => {
    const all = await (await fetch(`${gw.url}${creator(me.did)}`)).json();
    expect(all.history).toHaveLength(7);
    expect(all.next).toBeNull();
    const past = await (await fetch(`${gw.url}${creator(me.did, '?after=7')}`)).json();
    expect(past).toMatchObject({ history: [], next: null, version: 7 });
  });

  it('never splits a version’s branches across pages', async () => {
    const seen = await pages(creator(forker.did, '?limit=2'));
    const versions = seen.map((p) => p.history.map((h) => h.version));
    expect(versions.filter((v) => v.length > 0)).toEqual([[1], [2, 2]]);
    expect(seen.flatMap((p) => p.history.map((h) => h.cid)).sort()).toEqual(fork.map((m) => m.cid).sort());
  });

  it('refuses a bad after or limit with 400', async () => {
    for (const query of ['?limit=0', '?limit=1001', '?limit=x', '?after=-1', '?after=1.5', '?limit=']) {
      const res = await fetch(`${gw.url}${creator(me.did, query)}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.code, query).toBe('BAD_REQUEST');
    }
  });
});
