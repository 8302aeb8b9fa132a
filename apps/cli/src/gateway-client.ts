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

/** The gateway's head of a creator (`GET /v1/creators/{did}`), verified; undefined when it has none. */
export async function fetchHead(base: string, did: string): Promise<VerifiedManifest | undefined> {
  const answer = await gatewayRequest(
    base,
    `/v1/creators/${encodeURIComponent(did)}`,
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
  const heads = Array.isArray(body.heads)
    ? body.heads.map((h) => (typeof h === 'object' && h !== null && !Array.isArray(h) ? h.cid : h))
    : [body.head];
  let best: VerifiedManifest | undefined;
  for (const cid of heads) {
    if (typeof cid !== 'string') throw cliError('GATEWAY_ERROR', 'GET /v1/creators: a head is not a CID');
    const manifest = await fetchManifest(base, cid);
    if (manifest === undefined) continue;
    if (manifest.issuer !== did)
      throw cliError('GATEWAY_ERROR', `the gateway's head ${cid} is not by ${did}`);
    // A fork (two heads at one version): continue from the lowest CID, so the choice is repeatable.
    if (
      best === undefined ||
      manifest.version > best.version ||
      (manifest.version === best.version && manifest.cid < best.cid)
    )
      best = manifest;
  }
  return best;
}
