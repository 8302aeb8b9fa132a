import type { AddressInfo } from 'node:net';
import {
  generateIdentity,
  type Identity,
  type SignedManifest,
  signAttestation,
  signManifest,
  signObservation,
} from '@assent/manifest';
import { toSignalHeaders } from '@assent/signals';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assentSignals, createSignalResolver, withAssentSignals } from '../src/hono/index.js';
import { type ManifestSource, memorySource } from '../src/index.js';

const X = 'isrc:USRC17607839';
const Y = 'isrc:GBAYE0601498';
const REFRESH = 1000;

let creator: Identity;
/** The label whose attestation binds the creator to X (L3): the middleware trusts it. */
const label: Identity = await generateIdentity();
const attestations: Uint8Array[] = [];
/** A source holding these manifests and the label's attestations. */
const held = (manifests: SignedManifest[]) => memorySource(manifests, { attestations });
const trusted = () => ({ trustedAttesters: [label.did] });
let v1: SignedManifest;
let v2: SignedManifest;
let current: ManifestSource;
let t = Date.now();
const now = () => new Date(t);
let calls = 0;
/** A source whose manifests a test can replace, as a creator publishing a new version would. */
const source: ManifestSource = {
  candidates: (works, o) => {
    calls++;
    return current.candidates(works, o);
  },
  heads: (issuers, o) => current.heads?.(issuers, o) ?? Promise.resolve({ manifests: [] }),
};

const mapping: Record<string, readonly string[]> = {
  flight: [X],
  spelled: ['isrc:US-RC1-76-07839'],
  nobody: [Y],
  malformed: ['not a work id', '', 'isrc:', 'url:javascript:alert(1)'],
  mixed: ['bogus', X],
};

const app = new Hono();
app.use(
  '/tracks/:id',
  assentSignals({
    source,
    refreshMs: REFRESH,
    now,
    identity: trusted(),
    policyUrl: 'https://example.com/tdm-policy.json',
    works: (c) => {
      const id = c.req.param('id') ?? '';
      if (id === 'throws') throw new Error('mapping failed');
      return mapping[id] ?? [];
    },
  }),
);
app.get('/tracks/:id', (c) => {
  if (c.req.param('id') === 'missing') return c.text('not found', 404);
  if (c.req.query('robots') !== undefined) c.header('X-Robots-Tag', 'noindex');
  return c.text('audio');
});

const server = createAdaptorServer({ fetch: app.fetch });
let base = '';

beforeAll(async () => {
  creator = await generateIdentity();
  const attested = await signAttestation(
    { subject: creator.did, isrcs: [X], role: 'artist' },
    { identity: label },
  );
  attestations.push(attested.bytes);
  v1 = await signManifest(
    { works: [{ ids: [X], policy: { 'train-genai': 'deny', search: 'allow' } }] },
    { identity: creator },
  );
  v2 = await signManifest(
    { works: [{ ids: [X], policy: { 'train-genai': 'deny', search: 'deny' } }] },
    { identity: creator, head: v1 },
  );
  current = held([v1]);
  t = Date.now() + 1000; // after validFrom
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

function signals(res: Response) {
  return {
    contentUsage: res.headers.get('content-usage'),
    reservation: res.headers.get('tdm-reservation'),
    policy: res.headers.get('tdm-policy'),
    robots: res.headers.get('x-robots-tag'),
  };
}

describe('assentSignals (Hono, over HTTP)', () => {
  it('adds the creator’s signals, then follows a new version after the TTL', async () => {
    const first = await fetch(`${base}/tracks/flight`);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('audio');
    const one = signals(first);
    // No search=y: in AIPREF it would allow training inside the search application (vocab -08 §4.3).
    expect(one.contentUsage).toBe('train-ai=n');
    expect(one.reservation).toBe('1');
    expect(one.policy).toBe('https://example.com/tdm-policy.json');
    expect(one.robots).toMatch(/noai/);

    // Version 2 revokes search; within the TTL the cached policy is still served.
    current = held([v1, v2]);
    const before = calls;
    expect(signals(await fetch(`${base}/tracks/flight`))).toEqual(one);
    expect(calls).toBe(before);

    t += REFRESH + 1;
    const two = signals(await fetch(`${base}/tracks/flight`));
    expect(two.contentUsage).toMatch(/search=n/);
    expect(two.contentUsage).not.toEqual(one.contentUsage);
    // Any spelling of the id reaches the same work.
    expect(signals(await fetch(`${base}/tracks/spelled`))).toEqual(two);
  });

  it('adds nothing for a work nobody claims, malformed ids, a throwing mapping or an error response', async () => {
    for (const path of ['nobody', 'malformed', 'throws', 'unmapped', 'missing']) {
      const res = await fetch(`${base}/tracks/${path}`);
      expect(res.status).toBe(path === 'missing' ? 404 : 200);
      expect(signals(res)).toEqual({ contentUsage: null, reservation: null, policy: null, robots: null });
    }
    // Malformed ids next to a claimed one are skipped, the claimed one still counts.
    expect(signals(await fetch(`${base}/tracks/mixed`)).contentUsage).toMatch(/train-ai=n/);
  });

  it('appends to an existing X-Robots-Tag', async () => {
    const res = await fetch(`${base}/tracks/flight?robots`);
    const robots = res.headers.get('x-robots-tag') ?? '';
    expect(robots.startsWith('noindex, ')).toBe(true);
    expect(robots).toMatch(/noai/);
  });
});

describe('withAssentSignals (fetch handler)', () => {
  it('adds the headers, also to a response with immutable headers', async () => {
    const handler = withAssentSignals(
      (request: Request) =>
        new URL(request.url).pathname === '/moved'
          ? Response.redirect('https://cdn.example.com/a.mp3', 302)
          : new Response('audio'),
      { source: held([v1]), works: () => [X], now, identity: trusted() },
    );
    const ok = await handler(new Request('https://example.com/t'));
    expect(await ok.text()).toBe('audio');
    expect(ok.headers.get('content-usage')).toMatch(/train-ai=n/);
    const moved = await handler(new Request('https://example.com/moved'));
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe('https://cdn.example.com/a.mp3');
    expect(moved.headers.get('tdm-reservation')).toBe('1');
  });

  it('passes responses through untouched when the source fails', async () => {
    const failing: ManifestSource = {
      candidates: () => Promise.reject(new Error('down')),
    };
    const handler = withAssentSignals(() => new Response('audio'), {
      source: failing,
      works: () => [X],
      now,
    });
    const res = await handler(new Request('https://example.com/t'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-usage')).toBeNull();
  });
});

describe('createSignalResolver', () => {
  it('gives the most restrictive decision per term over several creators, as toSignalHeaders writes it', async () => {
    const other = await generateIdentity();
    const rival = await signManifest(
      { works: [{ ids: [X], policy: { 'train-genai': 'allow', search: 'deny', 'ai-input': 'allow' } }] },
      { identity: other },
    );
    const rivalAttested = await signAttestation({ subject: other.did, isrcs: [X] }, { identity: label });
    const resolver = createSignalResolver({
      source: memorySource([v1, rival], { attestations: [...attestations, rivalAttested.bytes] }),
      now,
      identity: trusted(),
    });
    const headers = await resolver.headersFor([X]);
    const expected = toSignalHeaders({
      decisions: {
        all: 'unknown',
        tdm: 'unknown',
        'train-ai': 'unknown',
        'train-genai': 'deny',
        'ai-input': 'unknown',
        search: 'deny',
      },
      conditions: {},
    });
    expect(headers).toEqual(expected);
    expect(await resolver.headersFor([Y])).toEqual({});
    expect(await resolver.headersFor(['nope', 42 as unknown as string])).toEqual({});
  });
});

describe('signals only from creators bound to the work served (issue 19)', () => {
  const SITE = 'url-prefix:https://soundcloud.com/';
  const PROFILE = 'https://soundcloud.com/the-flight';
  const OWN = `url:${PROFILE}/track`;
  const ELSEWHERE = 'url:https://soundcloud.com/someone/track';

  it('writes nothing for an unbound claimant, however sweeping its deny', async () => {
    const squatter = await generateIdentity();
    const sweeping = await signManifest(
      { works: [{ ids: [SITE], policy: { all: 'deny' } }] },
      { identity: squatter },
    );
    const resolver = createSignalResolver({ source: memorySource([sweeping]), now });
    expect(await resolver.headersFor([ELSEWHERE])).toEqual({});
    const unboundIsrc = await signManifest(
      { works: [{ ids: [Y], policy: { all: 'deny' } }] },
      { identity: squatter },
    );
    const byIsrc = createSignalResolver({ source: memorySource([unboundIsrc]), now, identity: trusted() });
    expect(await byIsrc.headersFor([Y])).toEqual({});
  });

  it('writes the bound creator’s signals on its own pages, and the sweeping deny does not override them', async () => {
    // A node's signed observation of the profile link: node-side checking is tested in @assent/registry;
    // here a node identity signs what such a node would have seen.
    const node = await generateIdentity();
    const flight = await generateIdentity();
    const squatter = await generateIdentity();
    const own = await signManifest(
      {
        works: [{ ids: [`url-prefix:${PROFILE}/`], policy: { 'train-genai': 'deny', search: 'allow' } }],
        identities: [{ type: 'profile', id: PROFILE }],
      },
      { identity: flight },
    );
    const sweeping = await signManifest(
      { works: [{ ids: [SITE], policy: { all: 'deny' } }] },
      { identity: squatter },
    );
    const seen = await signObservation(
      {
        creator: flight.did,
        identity: { type: 'profile', id: PROFILE },
        method: 'profile-text',
        result: 'ok',
        observedAt: new Date(t - 60_000).toISOString(),
        evidenceHash: `sha256:${'1'.repeat(64)}`,
        adapter: 'soundcloud',
      },
      { identity: node },
    );
    const resolver = createSignalResolver({
      source: memorySource([own, sweeping], { observations: [seen.bytes] }),
      now,
      identity: { observers: [node.did] },
    });
    const headers = await resolver.headersFor([OWN]);
    expect(headers['Content-Usage']).toBe('train-ai=n');
    expect(await resolver.headersFor([ELSEWHERE])).toEqual({});
  });
});
