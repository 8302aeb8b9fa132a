import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The public conformance vectors live in `../shared/vectors/` beside the checkout (CI lays the
 * folder there); they are never copied into the repository. When the folder is missing, a CI run
 * fails with a clear message and a local run skips those suites with the reason.
 */
export const SHARED_VECTORS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'shared',
  'vectors',
);

const present = existsSync(SHARED_VECTORS_DIR);

if (!present && process.env.CI === 'true') {
  throw new Error(
    `Public conformance vectors not found at ${SHARED_VECTORS_DIR}. CI must lay shared/ beside the checkout.`,
  );
}

/** True when the shared vectors are present; suites use it with `describe.skipIf(!hasSharedVectors)`. */
export const hasSharedVectors = present;

/** Why the shared-vector suites are skipped, for the suite title. */
export const skipReason = present ? '' : ` (skipped: ${SHARED_VECTORS_DIR} is missing)`;

/** The bytes of a shared vector file, e.g. `sharedVectorBytes('jcs/input/arrays.json')`. */
export function sharedVectorBytes(relativePath: string): Uint8Array {
  return new Uint8Array(readFileSync(join(SHARED_VECTORS_DIR, relativePath)));
}

/** The text of a shared vector file. */
export function sharedVectorText(relativePath: string): string {
  return readFileSync(join(SHARED_VECTORS_DIR, relativePath), 'utf8');
}

/** A shared vector file parsed with JSON.parse (only for files we trust to be plain JSON). */
export function sharedVectorJson<T>(relativePath: string): T {
  return JSON.parse(sharedVectorText(relativePath)) as T;
}

/** File names in a shared vector folder, sorted. */
export function sharedVectorFiles(relativeDir: string): string[] {
  return readdirSync(join(SHARED_VECTORS_DIR, relativeDir)).sort();
}
