import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  AssentError,
  type Identity,
  identityFromSecretKey,
  parseSecretKeyMultibase,
  secretKeyMultibase,
} from '@assent/manifest';
import { createCosigner, createNoteSigner, isValidKeyName, type NoteSigner } from '@assent/tlog';
import type { RegistryErrorCode } from './errors.js';

/**
 * A node's own keys (DESIGN-TRUST §1.3 item 2), kept in `node-key.json` in its data directory (mode
 * 0600), made on first start:
 * - the node DID (`did:key`), which signs check receipts (eddsa-jcs-2022);
 * - the log key, an Ed25519 note key named after the log's origin, which signs checkpoints;
 * - the witness key, a `cosignature/v1` key, with which the node cosigns its peers' checkpoints.
 * Three keys, so that one leaked or rotated does not speak for the others' statements.
 */

/** The file holding a node's keys. */
export const NODE_KEY_FILE = 'node-key.json';

/** A note signer and its verifier key. */
export type SignerWithVkey = NoteSigner & { readonly vkey: string };

/** What a node signs with. */
export interface NodeKeys {
  /** The node's DID key: receipts are signed with it. */
  readonly identity: Identity;
  /** The log's origin: the first line of its checkpoints and its key's name. */
  readonly origin: string;
  /** Signs the log's checkpoints (note signature type 0x01). */
  readonly log: SignerWithVkey;
  /** Cosigns peers' checkpoints (`cosignature/v1`, type 0x04), named `<origin>/witness`. */
  readonly witness: SignerWithVkey;
}

interface KeyFile {
  readonly version: 1;
  readonly origin: string;
  readonly did: string;
  readonly log: string;
  readonly witness: string;
}

function secretOf(text: unknown, what: string, file: string): Uint8Array {
  const parsed = typeof text === 'string' ? parseSecretKeyMultibase(text) : undefined;
  if (parsed?.ok !== true) throw new Error(`${file}: the ${what} key is not an Ed25519 secret key`);
  return parsed.value;
}

function readKeyFile(file: string): KeyFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<KeyFile>;
  if (value.version !== 1 || typeof value.origin !== 'string' || !isValidKeyName(value.origin))
    throw new Error(`${file}: not a node key file of version 1 with a valid origin`);
  return value as KeyFile;
}

/** Writes the file whole or not at all: a temporary file, fsynced, renamed over. */
function writeKeyFile(file: string, keys: KeyFile): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(keys, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

/**
 * The node's keys from its data directory, made on first start. `origin` is used only then (default
 * `assent/<the node DID's multibase key>`, unique per node); a later different `origin` is an error,
 * since witnesses know a log by its origin and key (`REGISTRY_LOG_ORIGIN_FIXED`).
 */
export async function loadNodeKeys(dataDir: string, options: { origin?: string } = {}): Promise<NodeKeys> {
  const file = join(dataDir, NODE_KEY_FILE);
  let keys = readKeyFile(file);
  if (keys === undefined) {
    const did = randomBytes(32);
    const identity = await identityFromSecretKey(did);
    const origin = options.origin ?? `assent/${identity.did.slice('did:key:'.length)}`;
    if (!isValidKeyName(origin)) throw new TypeError(`the log origin is not a valid key name: ${origin}`);
    keys = {
      version: 1,
      origin,
      did: secretKeyMultibase(did),
      log: secretKeyMultibase(randomBytes(32)),
      witness: secretKeyMultibase(randomBytes(32)),
    };
    writeKeyFile(file, keys);
  } else if (options.origin !== undefined && options.origin !== keys.origin) {
    throw new AssentError<RegistryErrorCode>(
      'REGISTRY_LOG_ORIGIN_FIXED',
      `this node's log origin is ${keys.origin} (${file}); it cannot become ${options.origin}: witnesses know a log by its origin`,
    );
  }
  return {
    identity: await identityFromSecretKey(secretOf(keys.did, 'DID', file)),
    origin: keys.origin,
    log: await createNoteSigner(keys.origin, secretOf(keys.log, 'log', file)),
    witness: await createCosigner(`${keys.origin}/witness`, secretOf(keys.witness, 'witness', file)),
  };
}
