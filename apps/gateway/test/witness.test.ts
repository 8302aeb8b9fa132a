/**
 * Witnessing between nodes and split-view detection (issue 18, docs/witnessing.md), over real nodes:
 * each a registry with its SQLite index in a temp directory and a gateway on 127.0.0.1, talking HTTP
 * to each other (`logPeers`). Oracles: `@assent/tlog`'s verifiers (checked against C2SP and Go
 * vectors), a tlog-policy quorum, and the C2SP tlog-witness v1.0.0 status rules.
 *
 * A node's checkpoints are signed only by its own checkpointer, over its own tree. To play a log that
 * signs what it likes (sizes of our choosing, or a fork), the tests read the log key from the node's
 * `node-key.json` and sign with it themselves: this fakes a compromised log key, which cannot be
 * caused otherwise. The honest checkpoints signed that way are over the node's real tree.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  generateIdentity,
  parseSecretKeyMultibase,
  type SignedManifest,
  signManifest,
} from '@assent/manifest';
import { createRegistry, type LogPeer, type Registry } from '@assent/registry';
import {
  createMerkleTree,
  createNoteSigner,
  createNoteVerifier,
  decodeBase64,
  formatAddCheckpoint,
  formatCheckpoint,
  hashLeaf,
  type NoteSigner,
  parseTlogPolicy,
  parseVkey,
  signNote,
  verifyCheckpoint,
  verifyCheckpointWithPolicy,
  verifyConsistency,
} from '@assent/tlog';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../src/index.js';
import { cleanup, tempDir } from './support/fixture.js';

afterAll(cleanup);

interface Node {
  readonly url: string;
  readonly dataDir: string;
  readonly registry: Registry;
  readonly gateway: RunningGateway;
  stop(): Promise<void>;
}

const running: Node[] = [];
afterEach(async () => {
  for (const node of running.splice(0)) await node.stop();
});

/** A port free now, so that two nodes can name each other before either listens. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A node: a registry (no libp2p: these nodes speak HTTP) and its gateway on `port`. With
 * `WITNESS_DEBUG=1`, the registries log at debug level to stderr.
 */
async function startNode(
  options: { port?: number; logPeers?: LogPeer[]; dataDir?: string } = {},
): Promise<Node> {
  const dataDir = options.dataDir ?? tempDir('assent-witness-');
  const registry = await createRegistry({
    dataDir,
    network: false,
    checkpointIntervalMs: 100,
    logPeerIntervalMs: 150,
    logPeerTimeoutMs: 2_000,
    ...(process.env.WITNESS_DEBUG
      ? { logger: pino({ level: 'debug', base: { node: dataDir.slice(-6) } }, pino.destination(2)) }
      : {}),
    ...(options.logPeers === undefined ? {} : { logPeers: options.logPeers }),
  });
  const gateway = await startGateway({
    registry,
    port: options.port ?? 0,
    log: false,
    logger: pino({ level: 'silent' }),
    rateLimit: false,
    readRateLimit: false,
    processMetrics: false,
  });
  const node: Node = {
    url: gateway.url,
    dataDir,
    registry,
    gateway,
    async stop() {
      await gateway.close();
      await registry.stop();
    },
  };
  running.push(node);
  return node;
}

async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `count` manifests of fresh creators (one each, so any order ingests). */
async function manifests(count: number, tag: string): Promise<SignedManifest[]> {
  const out: SignedManifest[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await signManifest(
        {
          works: [{ ids: [`isrc:QZ${tag}126${String(i).padStart(5, '0')}`], policy: { 'train-ai': 'deny' } }],
        },
        { identity: await generateIdentity() },
      ),
    );
  }
  return out;
}

async function publish(node: Node, count: number, tag: string): Promise<void> {
  for (const m of await manifests(count, tag)) expect((await node.registry.ingest(m.bytes)).ok).toBe(true);
}

/** The node's log key, read from its `node-key.json`: the test plays the log (see the file comment). */
async function logSigner(node: Node): Promise<NoteSigner> {
  const file = JSON.parse(readFileSync(join(node.dataDir, 'node-key.json'), 'utf8')) as {
    origin: string;
    log: string;
  };
  const secret = parseSecretKeyMultibase(file.log);
  if (!secret.ok) throw new Error(secret.message);
  return createNoteSigner(file.origin, secret.value);
}

/** A checkpoint of `origin` at `size` with `root`, signed by `signer`. */
function signed(signer: NoteSigner, origin: string, size: number, root: Uint8Array): Promise<string> {
  return signNote(formatCheckpoint({ origin, size, root }), [signer]);
}

/** A tree of `size` leaves that is not the node's: a fork. */
function forkTree(size: number) {
  return createMerkleTree(
    Array.from({ length: size }, (_, i) => hashLeaf(new TextEncoder().encode(`fork ${i}`))),
  );
}

function addCheckpoint(witness: Node, body: string): Promise<Response> {
  return fetch(`${witness.url}/witness/add-checkpoint`, { method: 'POST', body });
}

const originHash = (origin: string) => createHash('sha256').update(origin).digest('hex');

function verifierOf(vkey: string) {
  const parsed = parseVkey(vkey);
  if (!parsed.ok) throw new Error(parsed.message);
  return createNoteVerifier(parsed.value);
}

/** The size of the checkpoint `witness` last cosigned for `log`, from its monitoring endpoint. */
async function witnessedSize(witness: Node, log: Node): Promise<number | undefined> {
  const res = await fetch(`${witness.url}/witness/${originHash(log.registry.log.origin)}/checkpoint`);
  if (res.status === 404) return undefined;
  return Number((await res.text()).split('\n')[1]);
}

/** A node's pinned description as another node's log peer. */
const pinned = (node: Node): LogPeer => ({
  url: node.url,
  vkey: node.registry.log.vkey,
  witnessVkey: node.registry.log.witnessVkey,
});

describe('witnessing between two nodes', () => {
  it("A's checkpoints carry B's cosignature and B's carry A's, keys learned on first use", async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const urlA = `http://127.0.0.1:${portA}`;
    const urlB = `http://127.0.0.1:${portB}`;
    const a = await startNode({ port: portA, logPeers: [{ url: urlB }] });
    const b = await startNode({ port: portB, logPeers: [{ url: urlA }] });
    await publish(a, 3, 'WA');
    const log = verifierOf(a.registry.log.vkey);
    const bWitness = verifierOf(b.registry.log.witnessVkey);
    const cosigned = await waitFor(async () => {
      const note = await (await fetch(`${a.url}/log/checkpoint`)).text();
      const verified = await verifyCheckpoint(note, { log: [log], witnesses: [bWitness] });
      return verified.ok && verified.value.size === 3 && verified.value.cosignatures.length === 1
        ? verified.value
        : undefined;
    }, "A's checkpoint of size 3 cosigned by B");
    expect(cosigned.cosignatures[0]).toMatchObject({ name: `${b.registry.log.origin}/witness` });
    expect(Math.abs((cosigned.cosignatures[0]?.timestamp ?? 0) - Date.now() / 1000)).toBeLessThan(60);
    // The registry's own view carries it too (receipts and proofs read it there).
    expect(a.registry.log.checkpoint().note).toContain(`— ${b.registry.log.origin}/witness `);
    // B keeps what it cosigned, with its cosignature, at the tlog-witness monitoring path.
    expect(await witnessedSize(b, a)).toBe(3);
    // The other way round.
    await publish(b, 2, 'WB');
    await waitFor(async () => {
      const verified = await verifyCheckpoint(b.registry.log.checkpoint().note, {
        log: [verifierOf(b.registry.log.vkey)],
        witnesses: [verifierOf(a.registry.log.witnessVkey)],
      });
      return verified.ok && verified.value.size === 2 && verified.value.cosignatures.length === 1
        ? true
        : undefined;
    }, "B's checkpoint cosigned by A");
    expect(a.registry.witness.peers()).toMatchObject([
      { url: urlB, origin: b.registry.log.origin, trust: 'first-use', cosignedSize: 3, lastError: null },
    ]);
    expect(
      (await (await fetch(`${a.url}/metrics`)).text()).match(
        /^assent_log_checkpoint_cosignatures (\d+)$/m,
      )?.[1],
    ).toBe('1');
  }, 30_000);

  it('remembers keys learned on first use across a restart, and refuses a peer that publishes other keys than pinned', async () => {
    const a = await startNode();
    const bDir = tempDir('assent-witness-');
    let b = await startNode({ dataDir: bDir, logPeers: [{ url: a.url }] });
    await waitFor(
      () => (b.registry.witness.peers()[0]?.trust === 'first-use' ? true : undefined),
      'B learns A',
    );
    const learned = b.registry.witness.peers()[0];
    await b.stop();
    running.splice(running.indexOf(b), 1);
    await a.stop();
    running.splice(running.indexOf(a), 1);
    // A is gone: B still knows its keys, from index.sqlite.
    b = await startNode({ dataDir: bDir, logPeers: [{ url: a.url }] });
    expect(b.registry.witness.peers()[0]).toMatchObject({
      trust: 'first-use',
      origin: learned?.origin,
      vkey: learned?.vkey,
      witnessVkey: learned?.witnessVkey,
    });
    // A peer whose published key is not the pinned one is not used.
    const c = await startNode();
    const stranger = await createNoteSigner('example.org/stranger', new Uint8Array(32).fill(3));
    const d = await startNode({ logPeers: [{ url: c.url, vkey: stranger.vkey }] });
    await waitFor(
      () => (d.registry.witness.peers()[0]?.lastError !== null ? true : undefined),
      'D refuses C',
    );
    expect(d.registry.witness.peers()[0]).toMatchObject({
      trust: 'unknown',
      lastError: expect.stringContaining('pinned'),
    });
  }, 30_000);
});

describe('the witness endpoint (C2SP tlog-witness v1.0.0)', () => {
  it('cosigns consistent checkpoints and answers 409, 422, 403, 404 and 400 as the spec says', async () => {
    const a = await startNode();
    await publish(a, 8, 'WS');
    // B witnesses A (keys pinned); A does not ask B: the test submits A's checkpoints itself.
    const b = await startNode({ logPeers: [pinned(a)] });
    const origin = a.registry.log.origin;
    const signer = await logSigner(a);
    const real = (size: number) => signed(signer, origin, size, a.registry.log.root(size));
    const bWitness = verifierOf(b.registry.log.witnessVkey);

    // First contact: old 0, no proof.
    let res = await addCheckpoint(
      b,
      formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: await real(3) }),
    );
    expect(res.status).toBe(200);
    const lines = await res.text();
    expect(lines).toMatch(/^— \S+ \S+\n$/);
    const withCosig = `${await real(3)}${lines}`;
    const verified = await verifyCheckpoint(withCosig, {
      log: [verifierOf(a.registry.log.vkey)],
      witnesses: [bWitness],
    });
    expect(verified.ok && verified.value.cosignatures.length).toBe(1);

    // A stale old size: 409, the body is the witness's size, text/x.tlog.size.
    res = await addCheckpoint(b, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: await real(5) }));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('text/x.tlog.size');
    expect(res.headers.get('x-assent-error')).toBe('WITNESS_CONFLICT');
    expect(await res.text()).toBe('3\n');

    // The right old size and its consistency proof.
    const proof35 = a.registry.log.consistencyProof(3, 5);
    res = await addCheckpoint(
      b,
      formatAddCheckpoint({ oldSize: 3, proof: proof35, checkpoint: await real(5) }),
    );
    expect(res.status).toBe(200);
    await res.text();

    // A bad proof: one bit flipped; and no proof at all.
    const bad = a.registry.log.consistencyProof(5, 7).map((h) => h.slice());
    const first = bad[0] as Uint8Array;
    first[0] = (first[0] as number) ^ 1;
    for (const proof of [bad, []]) {
      res = await addCheckpoint(b, formatAddCheckpoint({ oldSize: 5, proof, checkpoint: await real(7) }));
      expect(res.status).toBe(422);
      expect((await res.json()).error.code).toBe('TLOG_CONSISTENCY_INVALID');
    }
    // A proof from size 0: the stale size is answered first (409), as the spec orders its checks.
    res = await addCheckpoint(
      b,
      formatAddCheckpoint({ oldSize: 0, proof: proof35, checkpoint: await real(7) }),
    );
    expect(res.status).toBe(409);
    await res.text();

    // The same size with another root: 409 (v1.0.0), nothing cosigned, and the two notes are evidence.
    const fork5 = await signed(signer, origin, 5, forkTree(5).root());
    res = await addCheckpoint(b, formatAddCheckpoint({ oldSize: 5, proof: [], checkpoint: fork5 }));
    expect(res.status).toBe(409);
    expect(await res.text()).toBe('5\n');
    const evidence = (await (await fetch(`${b.url}/v1/equivocations`)).json()).equivocations;
    const same = evidence.find((e: { kind: string }) => e.kind === 'same-size');
    expect(same).toMatchObject({ origin, source: 'add-checkpoint' });
    // The note B cosigned (with B's cosignature line after A's) and the fork, in root order.
    const sides = [await real(5), fork5];
    expect(same.notes.map((n: string) => sides.findIndex((side) => n.startsWith(side))).sort()).toEqual([
      0, 1,
    ]);
    // B's monitor also checks the fork against A's own tiles (A's log is at 8 by now), which may add an
    // `inconsistent` record of the same fork, unless it held size 5 already (then it is the same pair).
    const all = b.registry.witness.equivocations();
    expect(all.length).toBeGreaterThanOrEqual(evidence.length);
    expect(all.every((e) => e.notes.some((n) => n.startsWith(fork5)))).toBe(true);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^assent_log_equivocations [12]$/m);

    // The same checkpoint again is cosigned again (its size and root are the witness's).
    res = await addCheckpoint(b, formatAddCheckpoint({ oldSize: 5, proof: [], checkpoint: await real(5) }));
    expect(res.status).toBe(200);
    await res.text();

    // 403: signed by another key under A's name (unknown key: ignored, so no trusted signature), or
    // A's key line with a broken signature.
    const impostor = await createNoteSigner(origin, new Uint8Array(32).fill(7));
    const forged = await signed(impostor, origin, 7, a.registry.log.root(7));
    const tampered = (await real(7)).replace(
      / (\S{10})(\S+)\n$/,
      (_, head: string, tail: string) => ` ${head}${tail.startsWith('A') ? 'B' : 'A'}${tail.slice(1)}\n`,
    );
    const proof57 = a.registry.log.consistencyProof(5, 7);
    for (const checkpoint of [forged, tampered]) {
      res = await addCheckpoint(b, formatAddCheckpoint({ oldSize: 5, proof: proof57, checkpoint }));
      expect(res.status, checkpoint).toBe(403);
      expect((await res.json()).error.code).toBe('WITNESS_SIGNATURE_REJECTED');
    }
    // 404: a log B does not witness.
    const other = await createNoteSigner('example.org/other-log', new Uint8Array(32).fill(9));
    res = await addCheckpoint(
      b,
      formatAddCheckpoint({
        oldSize: 0,
        proof: [],
        checkpoint: await signed(other, 'example.org/other-log', 1, forkTree(1).root()),
      }),
    );
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('WITNESS_LOG_UNKNOWN');
    // 400: not an add-checkpoint body; an old size above the checkpoint's.
    res = await addCheckpoint(b, 'hello\n');
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('ADD_CHECKPOINT_MALFORMED');
    res = await addCheckpoint(b, formatAddCheckpoint({ oldSize: 9, proof: [], checkpoint: await real(7) }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('ADD_CHECKPOINT_MALFORMED');
    // None of these moved the witness: it is at 5, with the real root.
    expect(await witnessedSize(b, a)).toBe(5);
    const kept = await (await fetch(`${b.url}/witness/${originHash(origin)}/checkpoint`)).text();
    expect(kept.startsWith(formatCheckpoint({ origin, size: 5, root: a.registry.log.root(5) }))).toBe(true);
    expect((await fetch(`${b.url}/witness/${originHash('nobody')}/checkpoint`)).status).toBe(404);
    expect((await fetch(`${b.url}/witness/add-checkpoint`)).status).toBe(405);
  }, 30_000);

  it('100 concurrent add-checkpoint calls with different sizes never lower the stored size', async () => {
    const a = await startNode();
    await publish(a, 40, 'WR');
    const b = await startNode({ logPeers: [pinned(a)] });
    const origin = a.registry.log.origin;
    const signer = await logSigner(a);
    const notes = new Map<number, string>();
    for (let size = 1; size <= 40; size++)
      notes.set(size, await signed(signer, origin, size, a.registry.log.root(size)));
    const body = (old: number, size: number) =>
      formatAddCheckpoint({
        oldSize: old,
        proof: old === 0 || old === size ? [] : a.registry.log.consistencyProof(old, size),
        checkpoint: notes.get(size) as string,
      });
    const res = await addCheckpoint(b, body(0, 10));
    expect(res.status).toBe(200);
    await res.text();
    // The race of tlog-witness §add-checkpoint: requests from old 10 to sizes both sides of each other,
    // and from other old sizes. Meanwhile the stored size is read again and again.
    const seen: number[] = [];
    let storm = true;
    const watcher = (async () => {
      while (storm) {
        const size = await witnessedSize(b, a);
        if (size !== undefined) seen.push(size);
      }
    })();
    const requests = Array.from({ length: 100 }, (_, i) => {
      const size = 11 + (i % 30);
      const old = i % 3 === 0 ? 10 : 10 + (i % 7);
      return { old, size: Math.max(size, old) };
    });
    const answers = await Promise.all(
      requests.map(async ({ old, size }) => {
        const r = await addCheckpoint(b, body(old, size));
        return { old, size, status: r.status, text: await r.text() };
      }),
    );
    storm = false;
    await watcher;
    const cosigned = answers.filter((x) => x.status === 200);
    const conflicts = answers.filter((x) => x.status === 409);
    expect(cosigned.length).toBeGreaterThanOrEqual(1);
    expect(cosigned.length + conflicts.length).toBe(100);
    const final = await witnessedSize(b, a);
    expect(final).toBe(Math.max(...cosigned.map((x) => x.size)));
    // Never lowered: every size the witness showed or answered with is at most the final one, and the
    // sizes read while it ran never went down.
    for (const x of conflicts) expect(Number(x.text)).toBeLessThanOrEqual(final as number);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    expect(seen.length).toBeGreaterThan(0);
    // Each success continued from what the witness held: its old size is 10 or a size cosigned before.
    const sizes = new Set([10, ...cosigned.map((x) => x.size)]);
    for (const x of cosigned) expect(sizes.has(x.old)).toBe(true);
  }, 60_000);
});

describe('a log that signs a fork', () => {
  it('gets no cosignature for it from witnesses that saw the real log, so no quorum; they keep the evidence', async () => {
    const a = await startNode();
    await publish(a, 6, 'WF');
    const b = await startNode({ logPeers: [pinned(a)] });
    const c = await startNode({ logPeers: [pinned(a)] });
    const origin = a.registry.log.origin;
    const signer = await logSigner(a);
    const real4 = await signed(signer, origin, 4, a.registry.log.root(4));
    const policy = parseTlogPolicy(
      [
        `log ${a.registry.log.vkey}`,
        `witness B ${b.registry.log.witnessVkey}`,
        `witness C ${c.registry.log.witnessVkey}`,
        'group witnesses any B C',
        'quorum witnesses',
        '',
      ].join('\n'),
    );
    if (!policy.ok) throw new Error(policy.message);
    // The real checkpoint, cosigned by both: it meets the quorum.
    let cosigned = real4;
    for (const w of [b, c]) {
      const res = await addCheckpoint(w, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: real4 }));
      expect(res.status).toBe(200);
      cosigned += await res.text();
    }
    expect((await verifyCheckpointWithPolicy(cosigned, policy.value)).ok).toBe(true);
    // The fork, at the same size and at a larger one: every witness refuses it.
    const fork = forkTree(5);
    const fork4 = await signed(signer, origin, 4, fork.root(4));
    const fork5 = await signed(signer, origin, 5, fork.root(5));
    for (const w of [b, c]) {
      let res = await addCheckpoint(w, formatAddCheckpoint({ oldSize: 4, proof: [], checkpoint: fork4 }));
      expect(res.status).toBe(409);
      expect(await res.text()).toBe('4\n');
      res = await addCheckpoint(
        w,
        formatAddCheckpoint({ oldSize: 4, proof: fork.consistencyProof(4, 5), checkpoint: fork5 }),
      );
      expect(res.status).toBe(422);
      await res.text();
    }
    // The fork carries the log's signature and no cosignature.
    const verdict = await verifyCheckpointWithPolicy(fork5, policy.value);
    expect(verdict.ok ? 'quorum' : verdict.code).toBe('POLICY_QUORUM_NOT_MET');
    // Both witnesses saw the real size 4 and the fork's: each holds the two signed notes.
    for (const w of [b, c]) {
      const { equivocations } = await (await fetch(`${w.url}/v1/equivocations`)).json();
      const same = equivocations.find((e: { kind: string }) => e.kind === 'same-size');
      expect(same).toMatchObject({ origin });
      const log = verifierOf(a.registry.log.vkey);
      const [x, y] = await Promise.all(same.notes.map((n: string) => verifyCheckpoint(n, { log: [log] })));
      expect(x?.ok && y?.ok).toBe(true);
      if (x?.ok && y?.ok) {
        expect(x.value.size).toBe(y.value.size);
        expect(x.value.root).not.toEqual(y.value.root);
      }
      expect(await (await fetch(`${w.url}/metrics`)).text()).toMatch(/^assent_log_equivocations [1-9]\d*$/m);
    }
  }, 30_000);

  it('shown to one witness only (a split view), is found by the nodes that compare what they cosigned', async () => {
    const a = await startNode();
    await publish(a, 6, 'WV');
    const [portB, portC] = [await freePort(), await freePort()];
    const urlB = `http://127.0.0.1:${portB}`;
    const urlC = `http://127.0.0.1:${portC}`;
    // B and C witness A, and each polls the other (keys learned on first use).
    const b = await startNode({ port: portB, logPeers: [pinned(a), { url: urlC }] });
    const c = await startNode({ port: portC, logPeers: [pinned(a), { url: urlB }] });
    const origin = a.registry.log.origin;
    const signer = await logSigner(a);
    // The log shows B its real tree, and C a fork of size 3 that B never sees: each cosigns.
    const real5 = await signed(signer, origin, 5, a.registry.log.root(5));
    const fork = forkTree(3);
    const fork3 = await signed(signer, origin, 3, fork.root());
    for (const [w, checkpoint] of [
      [b, real5],
      [c, fork3],
    ] as const) {
      const res = await addCheckpoint(w, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint }));
      expect(res.status).toBe(200);
      await res.text();
    }
    // Polling each other's /witness/<origin hash>/checkpoint and A's /log/checkpoint, B and C find it:
    // A's own tiles, under A's own signed checkpoint, give another root at size 3.
    for (const w of [b, c]) {
      const found = await waitFor(
        async () => {
          const { equivocations } = await (await fetch(`${w.url}/v1/equivocations`)).json();
          return equivocations.find((e: { kind: string }) => e.kind === 'inconsistent');
        },
        `${w === b ? 'B' : 'C'} finds the split view`,
      );
      expect(found.origin).toBe(origin);
      // The fork, as C cosigned it (B holds it with C's cosignature line, C as it was submitted).
      expect(found.notes[0].startsWith(fork3)).toBe(true);
      // Offline check of the evidence: the proof leads to the log's later root from another old root.
      const later = await verifyCheckpoint(found.notes[1], { log: [verifierOf(a.registry.log.vkey)] });
      if (!later.ok) throw new Error(later.message);
      const root = decodeBase64(found.proof.root) as Uint8Array;
      expect(
        verifyConsistency({
          size1: 3,
          size2: later.value.size,
          root1: root,
          root2: later.value.root,
          proof: found.proof.hashes.map((h: string) => decodeBase64(h) as Uint8Array),
        }).ok,
      ).toBe(true);
      expect(root).not.toEqual(fork.root());
      expect(root).toEqual(a.registry.log.root(3));
      expect(await (await fetch(`${w.url}/metrics`)).text()).toMatch(/^assent_log_equivocations [1-9]\d*$/m);
    }
  }, 30_000);
  it('found by the node whose own log it is, makes every answer of that node carry EQUIVOCATION', async () => {
    const first = await startNode();
    await publish(first, 4, 'WO');
    const c = await startNode({ logPeers: [pinned(first)] });
    const work = `isrc:QZWO126${'0'.repeat(5)}`;
    const clean = await (await fetch(`${first.url}/v1/check?work=${work}&use=train-ai`)).json();
    expect(clean.checkpoint.warnings).toBeUndefined();
    // A's log key signs a fork of size 3 that only C sees; C has cosigned nothing of A's, so it cosigns.
    const fork3 = await signed(await logSigner(first), first.registry.log.origin, 3, forkTree(3).root());
    const res = await addCheckpoint(c, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: fork3 }));
    expect(res.status).toBe(200);
    await res.text();
    // A, restarted to ask C to witness it, polls what C cosigned of A's own log and finds a tree its log
    // never had; from then on every answer of A says its log showed two histories.
    await first.stop();
    const a = await startNode({ dataDir: first.dataDir, logPeers: [{ url: c.url }] });
    const answer = await waitFor(async () => {
      const body = await (await fetch(`${a.url}/v1/check?work=${work}&use=train-ai`)).json();
      return body.checkpoint.warnings === undefined ? undefined : body;
    }, 'A flags its own answers');
    expect(answer.checkpoint.warnings).toEqual([{ code: 'EQUIVOCATION', message: expect.any(String) }]);
    expect(answer.decision).toBe('deny');
    const batch = await (
      await fetch(`${a.url}/v1/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ use: 'train-ai', works: [work] }),
      })
    ).json();
    expect(batch.checkpoint.warnings[0].code).toBe('EQUIVOCATION');
  }, 30_000);

  it('cosigned before the log serves that much, is judged once the log’s own checkpoint covers it', async () => {
    const a = await startNode();
    const b = await startNode({ logPeers: [pinned(a)] });
    const origin = a.registry.log.origin;
    const fork = forkTree(3);
    const fork3 = await signed(await logSigner(a), origin, 3, fork.root());
    // A's log is empty: nothing can show the fork wrong yet, and B cosigns it.
    const res = await addCheckpoint(b, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: fork3 }));
    expect(res.status).toBe(200);
    await res.text();
    expect(b.registry.witness.equivocations()).toEqual([]);
    // Then A's real log grows past size 3: B's next rounds compare what it cosigned with A's tiles.
    await publish(a, 4, 'WL');
    const found = await waitFor(
      () => b.registry.witness.equivocations().find((e) => e.kind === 'inconsistent'),
      'B judges the fork it cosigned',
    );
    expect(found.notes[0]?.startsWith(fork3)).toBe(true);
    expect(found.proof?.root).toBe(Buffer.from(a.registry.log.root(3)).toString('base64'));
    // And B refuses A's real checkpoints from then on: they do not extend what it cosigned.
    const real4 = await signed(await logSigner(a), origin, 4, a.registry.log.root(4));
    const refused = await addCheckpoint(
      b,
      formatAddCheckpoint({ oldSize: 3, proof: a.registry.log.consistencyProof(3, 4), checkpoint: real4 }),
    );
    expect(refused.status).toBe(422);
    await refused.text();
  }, 30_000);
});
