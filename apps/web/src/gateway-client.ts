import {
  type CatalogPage,
  checkChain,
  type SignedManifest,
  type VerifiedManifest,
  verifyCatalogPage,
  verifyManifest,
} from '@assent/manifest';

/**
 * The page's client for the gateway that serves it (docs/api.md). Everything read back is verified
 * here: manifests by signature and CID, so a gateway cannot show a creator a history they never signed.
 */

export type GatewayErrorCode =
  | 'GATEWAY_UNREACHABLE'
  | 'GATEWAY_ERROR'
  | 'GATEWAY_BAD_RESPONSE'
  | 'MANIFEST_NOT_FOUND'
  | (string & {});

/** A failed request; `code` is the gateway's error code when it sent one. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The result of publishing. */
export interface PublishResult {
  readonly cid: string;
  readonly issuer: string;
  readonly version: number;
  /** False when the gateway already held this exact manifest. */
  readonly added: boolean;
}

/**
 * One identity link of a creator as the node last checked it (docs/api.md, `GET /v1/creators/{did}`).
 * The node's word, not verified here: it says what the node will sign and hand verifiers, which
 * verify its observations themselves.
 */
export interface CreatorLinkState {
  readonly identity: { readonly type: string; readonly id: string };
  /** `looking` until the first check ends, then `ok`, `temp_failure` or `perm_failure`. */
  readonly state: string;
  /** Whether the node's latest observation binds the link now. */
  readonly bound: boolean;
  readonly observedAt?: string;
  readonly lastOkAt?: string;
  readonly nextCheckAt?: string;
  readonly method?: string;
  /** Why the latest check was not `ok`: a `LINK_*` code. */
  readonly reason?: string;
}

/** A creator's heads as the gateway reports them. */
export interface CreatorHeads {
  /**
   * The creator id the key asked for speaks for (spec §5.5); undefined from a node that does not say.
   * The node's word: what it names is checked against the verified manifests.
   */
  readonly creator?: string;
  readonly heads: readonly { readonly cid: string; readonly version: number }[];
  /** The creator's identity links as the node checks them; undefined from a node that reports none. */
  readonly links?: readonly CreatorLinkState[];
}

/**
 * The `links` of a `GET /v1/creators/{did}` answer, each member type-checked (an entry without an
 * identity or a state is dropped, a member of another type left out); undefined when absent or not a
 * list, as from a node that does not report links.
 */
export function creatorLinksOf(value: unknown): CreatorLinkState[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const links: CreatorLinkState[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const l = item as Record<string, unknown>;
    const identity = l.identity as Record<string, unknown> | null | undefined;
    const type = text(identity?.type);
    const id = text(identity?.id);
    const state = text(l.state);
    if (type === undefined || id === undefined || state === undefined) continue;
    const optional = {
      observedAt: text(l.observedAt),
      lastOkAt: text(l.lastOkAt),
      nextCheckAt: text(l.nextCheckAt),
      method: text(l.method),
      reason: text(l.reason),
    };
    links.push({
      identity: { type, id },
      state,
      bound: l.bound === true,
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    });
  }
  return links;
}

const UNREACHABLE =
  'Cannot reach the Assent registry. Check your connection and try again; nothing was lost.';

/** The gateway's base URL: the directory the page is served from (the gateway may mount it under a prefix). */
export function gatewayBase(): URL {
  return new URL('./', location.href);
}

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(new URL(path, gatewayBase()), { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (cause) {
    throw new GatewayError('GATEWAY_UNREACHABLE', UNREACHABLE, undefined, { cause });
  }
}

async function failure(response: Response): Promise<GatewayError> {
  let code: string = response.status >= 500 ? 'GATEWAY_ERROR' : 'GATEWAY_BAD_RESPONSE';
  let message = `The registry answered ${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = `${message}: ${body.error.message}`;
  } catch {
    // Not our JSON error body (a proxy's page, say): keep the status line.
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    return new GatewayError('GATEWAY_UNREACHABLE', UNREACHABLE, response.status);
  }
  return new GatewayError(code, message, response.status);
}

/**
 * Publishes a signed manifest (`POST /v1/manifests`): as JSON when it has no catalog pages, else as a
 * CAR carrying the manifest and its pages, which the node stores all or nothing.
 */
export async function publishManifest(
  signed: Pick<SignedManifest, 'cid' | 'bytes' | 'pages'>,
): Promise<PublishResult> {
  const car = signed.pages.length > 0;
  // The CAR writer is loaded only by those who publish catalog pages.
  const payload = car
    ? (await import('@assent/manifest/car')).manifestCar(signed, signed.pages)
    : (signed.bytes as Uint8Array<ArrayBuffer>);
  const response = await request('v1/manifests', {
    method: 'POST',
    headers: { 'content-type': car ? 'application/vnd.ipld.car' : 'application/json' },
    body: payload,
  });
  if (response.status !== 200 && response.status !== 201) throw await failure(response);
  const body = (await response.json()) as Partial<PublishResult>;
  if (typeof body.cid !== 'string' || typeof body.version !== 'number') {
    throw new GatewayError('GATEWAY_BAD_RESPONSE', 'The registry accepted the manifest but answered oddly.');
  }
  if (body.cid !== signed.cid) {
    throw new GatewayError('GATEWAY_BAD_RESPONSE', `The registry stored ${body.cid}, not ${signed.cid}.`);
  }
  return {
    cid: body.cid,
    issuer: String(body.issuer),
    version: body.version,
    added: response.status === 201,
  };
}

/**
 * A creator's current head(s) (`GET /v1/creators/{did}`, `did` any key of the creator), or undefined
 * when they have published nothing.
 */
export async function creatorHeads(did: string): Promise<CreatorHeads | undefined> {
  const response = await request(`v1/creators/${encodeURIComponent(did)}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw await failure(response);
  const body = (await response.json()) as {
    creator?: unknown;
    head?: unknown;
    heads?: { cid?: unknown; version?: unknown }[];
    version?: unknown;
    links?: unknown;
  };
  const heads: { cid: string; version: number }[] = [];
  if (Array.isArray(body.heads)) {
    for (const h of body.heads) {
      if (typeof h.cid === 'string' && typeof h.version === 'number')
        heads.push({ cid: h.cid, version: h.version });
    }
  } else if (typeof body.head === 'string') {
    heads.push({ cid: body.head, version: typeof body.version === 'number' ? body.version : 0 });
  }
  if (heads.length === 0)
    throw new GatewayError('GATEWAY_BAD_RESPONSE', 'The registry named no current version.');
  const links = creatorLinksOf(body.links);
  return {
    heads,
    ...(typeof body.creator === 'string' ? { creator: body.creator } : {}),
    ...(links === undefined ? {} : { links }),
  };
}

/**
 * The branches of one version of a creator (`GET /v1/creators/{did}?after=…`): their CIDs, as the
 * gateway lists them; empty when it lists none. Not verified here: fetch each with {@link fetchManifest}.
 */
export async function creatorVersion(did: string, version: number): Promise<string[]> {
  const query = `after=${version - 1}&limit=100`;
  const response = await request(`v1/creators/${encodeURIComponent(did)}?${query}`);
  if (response.status === 404) return [];
  if (!response.ok) throw await failure(response);
  const body = (await response.json()) as { history?: { cid?: unknown; version?: unknown }[] };
  if (!Array.isArray(body.history)) return [];
  return body.history.flatMap((r) => (r.version === version && typeof r.cid === 'string' ? [r.cid] : []));
}

/** Fetches a manifest by CID and verifies it here: canonical bytes, the CID asked for, a valid signature. */
export async function fetchManifest(cid: string): Promise<VerifiedManifest> {
  const response = await request(`v1/manifests/${encodeURIComponent(cid)}`);
  if (response.status === 404)
    throw new GatewayError('MANIFEST_NOT_FOUND', `The registry holds no manifest ${cid}.`, 404);
  if (!response.ok) throw await failure(response);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const verified = await verifyManifest(bytes, { requireCanonical: true });
  if (!verified.ok) {
    throw new GatewayError('MANIFEST_REJECTED', `The manifest ${cid} does not verify: ${verified.message}`);
  }
  if (verified.value.cid !== cid) {
    throw new GatewayError('MANIFEST_REJECTED', `The registry sent a different manifest than ${cid}.`);
  }
  return verified.value;
}

/**
 * A creator's history, newest first, walked from the head by `previous` and verified link by link
 * (at most `limit` versions): each version is the creator's, and each step holds the chain rules,
 * rotations included (`checkChain`, spec §5.2, §5.5).
 */
export async function creatorHistory(head: string, creator: string, limit = 50): Promise<VerifiedManifest[]> {
  const out: VerifiedManifest[] = [];
  let next: string | undefined = head;
  while (next !== undefined && out.length < limit) {
    const m = await fetchManifest(next);
    const later = out[out.length - 1];
    const step = later === undefined ? undefined : checkChain(m, later);
    if (m.creator !== creator || (step !== undefined && !step.ok)) {
      throw new GatewayError(
        'MANIFEST_REJECTED',
        `The manifest ${next} does not belong to this history${step !== undefined && !step.ok ? `: ${step.message}` : ''}.`,
      );
    }
    out.push(m);
    next = m.previous;
  }
  return out;
}

/**
 * Fetches a catalog page a verified manifest names (`GET /ipfs/{cid}`, a raw block) and verifies it
 * here: its bytes hash to that CID, are canonical, and name the manifest's issuer (spec §3.4).
 */
export async function fetchCatalogPage(cid: string, issuer: string): Promise<CatalogPage> {
  const response = await request(`ipfs/${encodeURIComponent(cid)}`, {
    headers: { accept: 'application/vnd.ipld.raw' },
  });
  if (response.status === 404)
    throw new GatewayError('CATALOG_PAGE_MISSING', `The registry holds no catalog page ${cid}.`, 404);
  if (!response.ok) throw await failure(response);
  const page = verifyCatalogPage(new Uint8Array(await response.arrayBuffer()), { cid, issuer });
  if (!page.ok) {
    throw new GatewayError(
      'CATALOG_PAGE_INVALID',
      `The catalog page ${cid} does not verify: ${page.message}`,
    );
  }
  return page.value;
}

/**
 * A verified manifest's catalog pages, fetched a few at a time; `progress(done, total)` after each.
 */
export async function fetchCatalogPages(
  manifest: Pick<VerifiedManifest, 'catalog' | 'issuer'>,
  progress: (done: number, total: number) => void = () => {},
): Promise<Map<string, CatalogPage>> {
  const pages = new Map<string, CatalogPage>();
  const queue = [...manifest.catalog];
  const total = queue.length;
  const worker = async () => {
    for (let cid = queue.shift(); cid !== undefined; cid = queue.shift()) {
      pages.set(cid, await fetchCatalogPage(cid, manifest.issuer));
      progress(pages.size, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, total) }, worker));
  return pages;
}
