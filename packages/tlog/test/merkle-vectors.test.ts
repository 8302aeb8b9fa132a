import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hasSharedVectors,
  SHARED_VECTORS_DIR,
  sharedVectorText,
  skipReason,
} from '../../../test/support/shared-vectors.js';
import { decodeBase64 } from '../src/base64.js';
import { verifyConsistency, verifyInclusion } from '../src/index.js';

/**
 * transparency-dev/merkle's RFC 6962 vectors (`../shared/vectors/tlog/merkle/`, see SOURCES.md there):
 * every `wantErr: false` file verifies and every `wantErr: true` file fails, as in upstream
 * `proof/verify_test.go`. Two inclusion files carry leafIdx 2^64 − 1, which JSON.parse rounds to a
 * larger integer; it is still ≥ the tree size, so it still fails for the reason upstream gives.
 */

function filesUnder(relative: string): string[] {
  const root = join(SHARED_VECTORS_DIR, relative);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) out.push(full.slice(SHARED_VECTORS_DIR.length + 1));
    }
  };
  walk(root);
  return out;
}

function bytes(b64: string): Uint8Array {
  const decoded = decodeBase64(b64);
  if (decoded === undefined) throw new Error(`vector holds non-canonical base64: ${b64}`);
  return decoded;
}

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

describe.skipIf(!hasSharedVectors)(`RFC 6962 vectors from transparency-dev/merkle${skipReason}`, () => {
  const inclusion = hasSharedVectors ? filesUnder('tlog/merkle/inclusion') : [];
  const consistency = hasSharedVectors ? filesUnder('tlog/merkle/consistency') : [];

  it('finds the 98 + 98 files SOURCES.md lists', () => {
    expect(inclusion).toHaveLength(98);
    expect(consistency).toHaveLength(98);
  });

  for (const file of inclusion) {
    const v = hasSharedVectors ? (JSON.parse(sharedVectorText(file)) as InclusionVector) : undefined;
    it(`inclusion ${file.slice('tlog/merkle/inclusion/'.length)}: ${v?.wantErr ? 'fails' : 'verifies'}`, () => {
      if (v === undefined) return;
      const result = verifyInclusion({
        index: v.leafIdx,
        size: v.treeSize,
        leafHash: bytes(v.leafHash),
        proof: (v.proof ?? []).map(bytes),
        root: bytes(v.root),
      });
      expect(result.ok, v.desc).toBe(!v.wantErr);
      if (!result.ok) expect(result.code).toBe('TLOG_INCLUSION_INVALID');
    });
  }

  for (const file of consistency) {
    const v = hasSharedVectors ? (JSON.parse(sharedVectorText(file)) as ConsistencyVector) : undefined;
    it(`consistency ${file.slice('tlog/merkle/consistency/'.length)}: ${v?.wantErr ? 'fails' : 'verifies'}`, () => {
      if (v === undefined) return;
      const result = verifyConsistency({
        size1: v.size1,
        size2: v.size2,
        root1: bytes(v.root1),
        root2: bytes(v.root2),
        proof: (v.proof ?? []).map(bytes),
      });
      expect(result.ok, v.desc).toBe(!v.wantErr);
      if (!result.ok) expect(result.code).toBe('TLOG_CONSISTENCY_INVALID');
    });
  }
});
