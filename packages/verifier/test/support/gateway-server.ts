/**
 * A real HTTP server on 127.0.0.1 (port 0) that speaks the part of the gateway API the verifier SDK
 * relies on (docs/api.md, "What the verifier SDK needs from a gateway"), over datasets of signed
 * manifests mounted at `/d/<name>`. Its verdicts deliberately lie (always `allow`, never disputed), so
 * the tests also show that `gatewaySource`, when it falls back to `POST /v1/check`, uses nothing but
 * the evidence CIDs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SignedManifest, urlPrefixesOf, type WorkId } from '@assent/manifest';

export interface Dataset {
  readonly manifests: readonly SignedManifest[];
  readonly asOf?: string;
  /** false: an older gateway, without `POST /v1/candidates` (it answers 404 there). */
  readonly candidates?: false;
}

interface Ref {
  readonly cid: string;
  readonly issuer: string;
  readonly version: number;
  readonly page?: string;
}

interface Indexed {
  readonly asOf: string | undefined;
  readonly candidates: boolean;
  readonly byId: Map<string, Ref[]>;
  readonly blocks: Map<string, Uint8Array>;
  readonly heads: Map<string, SignedManifest[]>;
}

/** The index a gateway keeps: heads only (every branch of a fork), by work id, inline and in pages. */
function indexOf(dataset: Dataset): Indexed {
  const heads = new Map<string, SignedManifest[]>();
  for (const m of dataset.manifests) {
    const list = heads.get(m.issuer);
    const top = list?.[0];
    if (list === undefined || top === undefined || m.version > top.version) heads.set(m.issuer, [m]);
    else if (m.version === top.version && !list.some((h) => h.cid === m.cid)) list.push(m);
  }
  const byId = new Map<string, Ref[]>();
  const blocks = new Map<string, Uint8Array>();
  const add = (id: string, ref: Ref) => {
    const list = byId.get(id) ?? [];
    list.push(ref);
    byId.set(id, list);
  };
  for (const list of heads.values()) {
    for (const m of list) {
      blocks.set(m.cid, m.bytes);
      const ref = { cid: m.cid, issuer: m.issuer, version: m.version };
      for (const w of m.manifest.credentialSubject.works) for (const id of w.ids) add(id, ref);
      for (const p of m.pages) {
        blocks.set(p.cid, p.bytes);
        for (const w of p.page.works) for (const id of w.ids) add(id, { ...ref, page: p.cid });
      }
    }
  }
  return { asOf: dataset.asOf, candidates: dataset.candidates !== false, byId, blocks, heads };
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/**
 * Every head naming the work (directly, by url prefix, in a page: one entry per page), and every
 * branch of a forked claimant, even one that does not name the work.
 */
function evidenceOf(work: string, indexed: Indexed): Ref[] {
  const seen = new Set<string>();
  const evidence: Ref[] = [];
  for (const key of [work, ...urlPrefixesOf(work as WorkId)]) {
    for (const ref of indexed.byId.get(key) ?? []) {
      const k = `${ref.cid} ${ref.page ?? ''}`;
      if (seen.has(k)) continue;
      seen.add(k);
      evidence.push(ref);
    }
  }
  for (const ref of [...evidence]) {
    for (const branch of indexed.heads.get(ref.issuer) ?? []) {
      if (seen.has(`${branch.cid} `) || evidence.some((e) => e.cid === branch.cid)) continue;
      seen.add(`${branch.cid} `);
      evidence.push({ cid: branch.cid, issuer: branch.issuer, version: branch.version });
    }
  }
  return evidence;
}

/** Answers one request of the reference gateway (404 for a path that is not its own). */
export async function answerGateway(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  indexed: Indexed,
): Promise<void> {
  if (req.method === 'POST' && path === '/v1/check') {
    const request = JSON.parse(await body(req)) as { use: string; works: string[] };
    const results = request.works.map((work) => ({
      work,
      decision: 'allow',
      disputed: false,
      evidence: evidenceOf(work, indexed),
    }));
    json(res, 200, indexed.asOf === undefined ? { results } : { results, asOf: indexed.asOf });
    return;
  }
  if (req.method === 'POST' && path === '/v1/candidates' && indexed.candidates) {
    const request = JSON.parse(await body(req)) as { works: string[] };
    // The evidence of every work, by manifest: the manifest, and the pages naming any of the works.
    const byCid = new Map<string, Set<string>>();
    for (const work of request.works) {
      for (const ref of evidenceOf(work, indexed)) {
        const pages = byCid.get(ref.cid) ?? new Set<string>();
        if (ref.page !== undefined) pages.add(ref.page);
        byCid.set(ref.cid, pages);
      }
    }
    const manifests = [...byCid].map(([cid, pages]) => ({ cid, pages: [...pages] }));
    json(res, 200, indexed.asOf === undefined ? { manifests } : { manifests, asOf: indexed.asOf });
    return;
  }
  const creator = /^\/v1\/creators\/([^/]+)$/.exec(path);
  if (req.method === 'GET' && creator !== null) {
    const heads = indexed.heads.get(decodeURIComponent(creator[1] as string));
    if (heads === undefined) json(res, 404, { error: { code: 'CREATOR_NOT_FOUND', message: path } });
    else
      json(res, 200, { head: heads[0]?.cid, heads: heads.map((h) => ({ cid: h.cid, version: h.version })) });
    return;
  }
  const block = /^\/(?:v1\/manifests|ipfs)\/([a-z2-7]+)$/.exec(path);
  const bytes = block === null ? undefined : indexed.blocks.get(block[1] as string);
  if (req.method === 'GET' && bytes !== undefined) {
    const raw = path.startsWith('/ipfs/');
    res
      .writeHead(200, { 'content-type': raw ? 'application/vnd.ipld.raw' : 'application/json' })
      .end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    return;
  }
  json(res, 404, { error: { code: 'NOT_FOUND', message: path } });
}

export interface TestServer {
  readonly origin: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1, port 0. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<TestServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { code: 'TEST_SERVER', message: String(error) } });
      else res.destroy();
    });
  });
  await new Promise<void>((done, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/** A reference gateway over named datasets: `${origin}/d/${name}` is one gateway. */
export async function startGateway(): Promise<
  TestServer & { mount(name: string, dataset: Dataset): string }
> {
  const mounted = new Map<string, Indexed>();
  const server = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/d\/([^/]+)(\/.*)$/.exec(url.pathname);
    const indexed = m === null ? undefined : mounted.get(decodeURIComponent(m[1] as string));
    if (m === null || indexed === undefined) {
      json(res, 404, { error: { code: 'NOT_FOUND', message: url.pathname } });
      return;
    }
    await answerGateway(req, res, m[2] as string, indexed);
  });
  return {
    ...server,
    mount(name: string, dataset: Dataset) {
      mounted.set(name, indexOf(dataset));
      return `${server.origin}/d/${encodeURIComponent(name)}`;
    },
  };
}

export { indexOf as gatewayIndex };
