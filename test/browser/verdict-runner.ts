/**
 * Runs every verdict case through the verify functions it is given and reports one verdict per case
 * and path. The same source runs in Node (imported from the package's source) and in Chromium
 * (bundled by esbuild with the browser build of the package), so the two verdict lists differ only
 * where the platforms do. No imports: it may use only what both platforms have.
 */

/** The verify functions under test: `@assent/manifest` and its `data-integrity` subpath. */
export interface VerdictApi {
  verifyEd25519With(
    path: 'reference' | 'native',
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): Promise<boolean>;
  verifyProof(document: string): Promise<{ ok: true } | { ok: false; code: string }>;
  verifyManifest(input: string): Promise<{ ok: true } | { ok: false; code: string }>;
}

/** One Ed25519 vector, hex-encoded. */
export interface Ed25519Case {
  readonly id: string;
  readonly signature: string;
  readonly message: string;
  readonly publicKey: string;
}

/** A JSON text given as is to `verifyProof` or `verifyManifest`. */
export interface DocumentCase {
  readonly id: string;
  readonly input: string;
}

export interface VerdictCases {
  readonly ed25519: readonly Ed25519Case[];
  readonly proofs: readonly DocumentCase[];
  readonly manifests: readonly DocumentCase[];
}

/** `valid` / `invalid` for a signature; `ok` or the error code for a document. */
export interface Verdict {
  readonly id: string;
  readonly verdict: string;
}

export interface VerdictReport {
  readonly verdicts: Verdict[];
  /** Whether this platform's WebCrypto imports an Ed25519 public key. */
  readonly nativeEd25519: boolean;
  /** Calls of `crypto.subtle.verify` with Ed25519 made while the cases ran. */
  readonly nativeVerifyCalls: number;
}

const PATHS = ['reference', 'native'] as const;

function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new TypeError(`not hex: ${hex}`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

async function hasNativeEd25519(subtle: SubtleCrypto, publicKey: Uint8Array): Promise<boolean> {
  try {
    await subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

function isEd25519(algorithm: unknown): boolean {
  const name =
    typeof algorithm === 'string' ? algorithm : (algorithm as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name.toLowerCase() === 'ed25519';
}

/**
 * Runs all cases in order. `crypto.subtle.verify` is wrapped for the duration with a counting
 * pass-through (not a mock: every call still reaches the platform), so the report can show that the
 * native path really used WebCrypto rather than falling back to the reference.
 */
export async function runVerdicts(api: VerdictApi, cases: VerdictCases): Promise<VerdictReport> {
  const subtle = globalThis.crypto.subtle;
  const probeKey = cases.ed25519[0]?.publicKey;
  const nativeEd25519 = probeKey !== undefined && (await hasNativeEd25519(subtle, hexToBytes(probeKey)));
  const own = Object.getOwnPropertyDescriptor(subtle, 'verify');
  const verify = subtle.verify;
  let nativeVerifyCalls = 0;
  const counting = function (this: SubtleCrypto, ...args: unknown[]) {
    if (isEd25519(args[0])) nativeVerifyCalls++;
    return Reflect.apply(verify, this, args) as Promise<boolean>;
  };
  Object.defineProperty(subtle, 'verify', { value: counting, configurable: true, writable: true });
  const verdicts: Verdict[] = [];
  try {
    for (const c of cases.ed25519) {
      const signature = hexToBytes(c.signature);
      const message = hexToBytes(c.message);
      const publicKey = hexToBytes(c.publicKey);
      for (const path of PATHS) {
        const valid = await api.verifyEd25519With(path, signature, message, publicKey);
        verdicts.push({ id: `${c.id}/${path}`, verdict: valid ? 'valid' : 'invalid' });
      }
    }
    for (const c of cases.proofs) {
      const result = await api.verifyProof(c.input);
      verdicts.push({ id: c.id, verdict: result.ok ? 'ok' : result.code });
    }
    for (const c of cases.manifests) {
      const result = await api.verifyManifest(c.input);
      verdicts.push({ id: c.id, verdict: result.ok ? 'ok' : result.code });
    }
  } finally {
    // Deleting the own property uncovers SubtleCrypto.prototype.verify again.
    if (own === undefined) Reflect.deleteProperty(subtle, 'verify');
    else Object.defineProperty(subtle, 'verify', own);
  }
  return { verdicts, nativeEd25519, nativeVerifyCalls };
}
