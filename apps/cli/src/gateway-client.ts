import { AssentError, type JsonObject, type VerifiedManifest, verifyManifest } from '@assent/manifest';
import { manifestCar } from '@assent/manifest/car';
import { type Context, DEFAULT_GATEWAY } from './context.js';
import { cliError } from './errors.js';

/** The gateway to use: `--gateway`, else `$ASSENT_GATEWAY`, else the default (DESIGN §4). */
export function gatewayUrl(values: Record<string, unknown>, ctx: Context): string {
  const url = (values.gateway as string | undefined) ?? ctx.env.ASSENT_GATEWAY ?? DEFAULT_GATEWAY;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw cliError('USAGE', `--gateway must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  return url.replace(/\/+$/, '');
}

const TIMEOUT_MS = 30_000;

/** A request to a gateway. Network failures are `GATEWAY_UNREACHABLE`; error answers keep their code. */
export async function gatewayRequest(
  base: string,
  path: string,
  init: RequestInit = {},
  options: { allow404?: boolean } = {},
): Promise<{ status: number; bytes: Uint8Array } | undefined> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (cause) {
    const inner = (cause as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
    const reason = inner?.code ?? inner?.errors?.[0]?.code ?? (cause as Error).message;
    throw cliError('GATEWAY_UNREACHABLE', `cannot reach the gateway at ${base} (${reason})`, cause);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status === 404 && options.allow404 === true) return undefined;
  if (!response.ok) {
    let code = 'GATEWAY_ERROR';
    let message = `${init.method ?? 'GET'} ${path}: HTTP ${response.status}`;
    try {
      const body = JSON.parse(new TextDecoder().decode(bytes)) as {
        error?: { code?: unknown; message?: unknown };
      };
      if (typeof body.error?.code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(body.error.code))
        code = body.error.code;
      if (typeof body.error?.message === 'string')
        message = `${body.error.message} (HTTP ${response.status})`;
    } catch {
      // Not our error body: keep GATEWAY_ERROR.
    }
    throw new AssentError(code, message);
  }
  return { status: response.status, bytes };
}

/** The result of `POST /v1/manifests`. */
export interface PublishReceipt {
  readonly cid: string;
  readonly issuer: string;
  readonly version: number;
  /** `false` when the gateway already held it (HTTP 200). */
  readonly created: boolean;
  /** The creator has several branches now (spec §5.3): after a recovery fork, for one. */
  readonly forked: boolean;
}

/**
 * Publishes a signed manifest (`POST /v1/manifests`): its canonical bytes as JSON, or, when it has
 * catalog pages, a CAR of the manifest and its pages so that the node gets everything in one request.
 */
export async function publishToGateway(
  base: string,
  manifest: { cid: string; bytes: Uint8Array },
  pages: readonly { cid: string; bytes: Uint8Array }[] = [],
): Promise<PublishReceipt> {
  const car = pages.length > 0;
  const payload = car ? manifestCar(manifest, pages) : manifest.bytes;
  const answer = await gatewayRequest(base, '/v1/manifests', {
    method: 'POST',
    headers: {
      'content-type': car ? 'application/vnd.ipld.car' : 'application/json',
      accept: 'application/json',
    },
    body: payload as Uint8Array<ArrayBuffer>,
  });
  const body = JSON.parse(new TextDecoder().decode(answer?.bytes)) as Partial<PublishReceipt>;
  if (typeof body.cid !== 'string' || typeof body.version !== 'number')
    throw cliError('GATEWAY_ERROR', 'the gateway answered POST /v1/manifests without {cid, version}');
  return {
    cid: body.cid,
    issuer: String(body.issuer),
    version: body.version,
    created: answer?.status === 201,
    forked: body.forked === true,
  };
}

/** Fetches a block by CID and checks that it verifies as that creator's manifest. */
export async function fetchManifest(base: string, cid: string): Promise<VerifiedManifest | undefined> {
  const answer = await gatewayRequest(
    base,
    `/v1/manifests/${cid}`,
    { headers: { accept: 'application/json' } },
    { allow404: true },
  );
  if (answer === undefined) return undefined;
  const verified = await verifyManifest(answer.bytes, { requireCanonical: true });
  if (!verified.ok)
    throw new AssentError(
      verified.code,
      `the gateway's manifest ${cid} does not verify: ${verified.message}`,
    );
  if (verified.value.cid !== cid)
    throw cliError('GATEWAY_ERROR', `the gateway's bytes for ${cid} hash to ${verified.value.cid}`);
  return verified.value;
}

/** Fetches a raw block (a catalog page) through the trustless endpoint. */
export async function fetchBlock(base: string, cid: string): Promise<Uint8Array | undefined> {
  const answer = await gatewayRequest(
    base,
    `/ipfs/${cid}`,
    { headers: { accept: 'application/vnd.ipld.raw' } },
    { allow404: true },
  );
  return answer?.bytes;
}

/** A version as `GET /v1/creators/{did}` lists it in `heads` and `history` (not yet fetched nor verified). */
export interface VersionRef {
  readonly cid: string;
  readonly version: number;
  readonly previous: string | undefined;
}

/** One answer of `GET /v1/creators/{did}[?after=N]`, its shape checked (docs/api.md). */
export interface CreatorPage {
  /** The creator id the key asked about speaks for (spec §5.5). */
  readonly creator: string;
  /** Every branch at the newest version. */
  readonly heads: readonly VersionRef[];
  readonly forked: boolean;
  /** Versions after `after`, oldest first. */
  readonly history: readonly VersionRef[];
  /** The path of the next page, or undefined on the last. */
  readonly next: string | undefined;
}

function versionRefOf(value: unknown, what: string): VersionRef {
  const ref = value as { cid?: unknown; version?: unknown; previous?: unknown } | null;
  if (
    typeof ref !== 'object' ||
    ref === null ||
    typeof ref.cid !== 'string' ||
    !Number.isSafeInteger(ref.version) ||
    (ref.previous !== undefined && typeof ref.previous !== 'string')
  )
    throw cliError('GATEWAY_ERROR', `GET /v1/creators: ${what} is not {cid, version, previous?}`);
  return { cid: ref.cid, version: ref.version as number, previous: ref.previous as string | undefined };
}

/**
 * One page of a creator's heads and history (`GET /v1/creators/{key}`, or `path` for a `next` page);
 * undefined when the gateway holds nothing of it. `key` is any key the creator has signed with.
 */
export async function fetchCreatorPage(
  base: string,
  key: string,
  path = `/v1/creators/${encodeURIComponent(key)}`,
): Promise<CreatorPage | undefined> {
  const answer = await gatewayRequest(
    base,
    path,
    { headers: { accept: 'application/json' } },
    { allow404: true },
  );
  if (answer === undefined) return undefined;
  let body: JsonObject;
  try {
    body = JSON.parse(new TextDecoder().decode(answer.bytes)) as JsonObject;
  } catch (cause) {
    throw cliError('GATEWAY_ERROR', 'GET /v1/creators: the body is not JSON', cause);
  }
  // A gateway from before rotation names no creator: the key asked is its own creator then.
  const creator = typeof body.creator === 'string' ? body.creator : key;
  const heads = Array.isArray(body.heads)
    ? body.heads.map((h) => versionRefOf(h, 'a head'))
    : typeof body.head === 'string' && Number.isSafeInteger(body.version)
      ? [{ cid: body.head, version: body.version as number, previous: undefined }]
      : undefined;
  if (heads === undefined) throw cliError('GATEWAY_ERROR', 'GET /v1/creators: no heads');
  const history = Array.isArray(body.history)
    ? body.history.map((h) => versionRefOf(h, 'a history entry'))
    : [];
  const next = typeof body.next === 'string' ? body.next : undefined;
  if (next !== undefined && !next.startsWith('/v1/creators/'))
    throw cliError('GATEWAY_ERROR', `GET /v1/creators: next is not a /v1/creators/ path: ${next}`);
  return { creator, heads, forked: body.forked === true, history, next };
}

/** Pages one request may follow at most: 1,000 entries a page, far beyond any creator's history. */
const MAX_HISTORY_PAGES = 10_000;

/**
 * A creator's whole history as the gateway lists it (every page, oldest first) with its heads;
 * undefined when the gateway holds nothing of it. A fork may start at any version, so a watcher or a
 * recovery reads all of it, not only what came after the newest version it knew.
 */
export async function fetchCreatorHistory(
  base: string,
  key: string,
): Promise<(Omit<CreatorPage, 'next'> & { readonly history: readonly VersionRef[] }) | undefined> {
  const first = await fetchCreatorPage(base, key);
  if (first === undefined) return undefined;
  const history = [...first.history];
  let next = first.next;
  for (let n = 0; next !== undefined; n++) {
    if (n >= MAX_HISTORY_PAGES)
      throw cliError('GATEWAY_ERROR', `GET /v1/creators: more than ${MAX_HISTORY_PAGES} pages of history`);
    const last = history[history.length - 1]?.version ?? 0;
    const page = await fetchCreatorPage(base, key, next);
    if (page === undefined) break;
    // Each page must move on (docs/api.md: the next page starts after the last version kept), or a
    // hostile gateway could keep a watcher paging forever.
    const firstOfPage = page.history[0];
    if (firstOfPage === undefined || firstOfPage.version <= last)
      throw cliError('GATEWAY_ERROR', 'GET /v1/creators: a page of history does not move on');
    history.push(...page.history);
    next = page.next;
  }
  return { creator: first.creator, heads: first.heads, forked: first.forked, history };
}

/**
 * The gateway's heads of a creator (every branch at its newest version), each fetched by CID and
 * verified as a manifest of that creator; empty when the gateway holds none. `key` is any key the
 * creator signed with; `creator` the creator id every head must belong to.
 */
export async function fetchHeads(base: string, key: string, creator: string): Promise<VerifiedManifest[]> {
  const page = await fetchCreatorPage(base, key);
  if (page === undefined) return [];
  if (page.creator !== creator)
    throw cliError('GATEWAY_ERROR', `the gateway says ${key} speaks for ${page.creator}, not ${creator}`);
  const heads: VerifiedManifest[] = [];
  for (const ref of page.heads) {
    const manifest = await fetchManifest(base, ref.cid);
    if (manifest === undefined) continue;
    if (manifest.creator !== creator)
      throw cliError('GATEWAY_ERROR', `the gateway's head ${ref.cid} is not a manifest of ${creator}`);
    heads.push(manifest);
  }
  return heads;
}
