/**
 * Minimal declarations for the untyped JavaScript packages the interop tests use: only what the
 * tests call. Digital Bazaar's VC stack (https://github.com/digitalbazaar) and jsonld.js.
 */

declare module 'jsonld' {
  interface RemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  type DocumentLoader = (url: string) => Promise<RemoteDocument>;
  interface ExpandOptions {
    documentLoader?: DocumentLoader;
    /** Safe mode: fail on any lossy expansion (undefined terms, relative IRIs, …). */
    safe?: boolean;
  }
  const jsonld: {
    expand(input: object, options?: ExpandOptions): Promise<Record<string, unknown>[]>;
  };
  export default jsonld;
}

declare module '@digitalbazaar/credentials-context' {
  /** Context URL → context document. */
  export const contexts: Map<string, object>;
}

declare module '@digitalbazaar/ed25519-multikey' {
  interface Signer {
    readonly id: string;
    readonly algorithm: string;
    sign(options: { data: Uint8Array }): Promise<Uint8Array>;
  }
  interface Ed25519MultikeyKeyPair {
    id: string | undefined;
    controller: string | undefined;
    readonly publicKeyMultibase: string;
    signer(): Signer;
  }
  export function generate(options?: {
    id?: string;
    controller?: string;
    seed?: Uint8Array;
  }): Promise<Ed25519MultikeyKeyPair>;
  export function from(key: object): Promise<Ed25519MultikeyKeyPair>;
}

declare module '@digitalbazaar/did-method-key' {
  interface DidDocument {
    '@context': string | string[];
    id: string;
    assertionMethod: string[];
    [key: string]: unknown;
  }
  interface DidKeyDriver {
    use(options: { multibaseMultikeyHeader: string; fromMultibase: (key: object) => Promise<unknown> }): void;
    fromKeyPair(options: { verificationKeyPair: object }): Promise<{ didDocument: DidDocument }>;
    /** Builds (never fetches) the DID document or, for a URL with a fragment, the verification method. */
    get(options: { did?: string; url?: string }): Promise<Record<string, unknown>>;
  }
  export function driver(): DidKeyDriver;
}

declare module '@digitalbazaar/eddsa-jcs-2022-cryptosuite' {
  interface Cryptosuite {
    readonly name: string;
  }
  export function createSignCryptosuite(): Cryptosuite;
  export function createVerifyCryptosuite(): Cryptosuite;
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { cryptosuite: object; signer?: object; date?: string | Date });
  }
}

declare module '@digitalbazaar/vc' {
  interface VerifyCredentialResult {
    verified: boolean;
    error?: unknown;
    results?: { verified: boolean; error?: unknown }[];
  }
  export function issue(options: {
    credential: object;
    suite: object;
    documentLoader: (url: string) => Promise<unknown>;
    now?: string | Date;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: object;
    suite: object | object[];
    documentLoader: (url: string) => Promise<unknown>;
    now?: string | Date;
  }): Promise<VerifyCredentialResult>;
}
