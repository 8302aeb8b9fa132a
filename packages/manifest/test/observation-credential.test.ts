import { createHash, createPublicKey, verify } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { identityFromSecretKey } from '../src/did-key.js';
import { isAssentError } from '../src/errors.js';
import { canonicalize } from '../src/jcs.js';
import type { LinkObservation } from '../src/link-observation.js';
import {
  LINK_GRACE_MS,
  linkHolds,
  signObservation,
  verifyObservation,
} from '../src/observation-credential.js';
import type { JsonObject } from '../src/strict-json.js';

const identity = (byte: number) => identityFromSecretKey(new Uint8Array(32).fill(byte));
const DAY = 24 * 3600 * 1000;

async function observed(
  result: LinkObservation['result'],
  observedAt = '2026-12-01T00:00:00.000Z',
  lastOkAt?: string,
) {
  const node = await identity(3);
  const creator = await identity(4);
  const observation: LinkObservation = {
    creator: creator.did,
    identity: { type: 'profile', id: 'https://soundcloud.com/the-flight' },
    method: 'profile-text',
    result,
    observedAt,
    evidenceHash: `sha256:${'ab'.repeat(32)}`,
    adapter: 'soundcloud',
    ...(result === 'ok' ? {} : { reason: 'LINK_NOT_NAMED' }),
  };
  const signed = await signObservation(observation, {
    identity: node,
    ...(lastOkAt === undefined ? {} : { lastOkAt }),
  });
  return { node, creator, observation, signed };
}

describe('link observation credentials', () => {
  it('signs an observation that verifies, with the node as observer', async () => {
    const { node, observation, signed } = await observed('ok');
    expect(signed.observer).toBe(node.did);
    expect(signed.observation).toEqual(observation);
    expect(signed.lastOkAt).toBe(observation.observedAt);
    const again = await verifyObservation(signed.bytes);
    expect(again.ok && again.value.cid).toBe(signed.cid);
  });

  it('carries a signature OpenSSL accepts over the eddsa-jcs-2022 hash data', async () => {
    // The oracle is node:crypto (OpenSSL), not our verifier: the proof's value is an Ed25519 signature
    // over sha256(JCS(proof options)) || sha256(JCS(document)) (W3C vc-di-eddsa-2022 §3.3).
    const { node, signed } = await observed('ok');
    const doc = JSON.parse(new TextDecoder().decode(signed.bytes)) as JsonObject;
    const { proof, ...unsecured } = doc as { proof: JsonObject } & JsonObject;
    const { proofValue, ...options } = proof as JsonObject & { proofValue: string };
    const sha = (text: string) => createHash('sha256').update(text).digest();
    const data = Buffer.concat([
      sha(canonicalize({ ...options, '@context': unsecured['@context'] } as JsonObject)),
      sha(canonicalize(unsecured)),
    ]);
    const signature = base58btc.decode(proofValue);
    const raw = base58btc.decode(node.did.slice('did:key:'.length)).slice(2);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, data, key, signature)).toBe(true);
  });

  it('refuses a changed result, a missing proof and a foreign field', async () => {
    const { signed } = await observed('perm_failure');
    const doc = JSON.parse(new TextDecoder().decode(signed.bytes)) as JsonObject & {
      credentialSubject: JsonObject;
    };
    const forged = { ...doc, credentialSubject: { ...doc.credentialSubject, result: 'ok' } };
    delete (forged.credentialSubject as Record<string, unknown>).reason;
    const tampered = await verifyObservation(forged);
    expect(tampered.ok).toBe(false);
    const { proof: _proof, ...bare } = doc;
    expect(await verifyObservation(bare)).toMatchObject({ ok: false, code: 'PROOF_MISSING' });
    expect(await verifyObservation({ ...doc, extra: 1 })).toMatchObject({
      ok: false,
      code: 'OBSERVATION_SCHEMA',
    });
    expect(await verifyObservation('{"a":1,"a":2}')).toMatchObject({ ok: false });
  });

  it('refuses to sign an observation with a malformed identity', async () => {
    const node = await identity(3);
    const creator = await identity(4);
    await expect(
      signObservation(
        {
          creator: creator.did,
          identity: { type: 'domain', id: 'TheFlight.com' },
          method: 'dns-txt',
          result: 'ok',
          observedAt: '2026-12-01T00:00:00Z',
          evidenceHash: null,
        },
        { identity: node },
      ),
    ).rejects.toSatisfy((e) => isAssentError(e, 'IDENTITY_NOT_NORMALIZED'));
  });
});

describe('linkHolds (DESIGN-TRUST §3.3 item 7)', () => {
  const at = Date.parse('2026-12-01T00:00:00Z');
  it('an ok observation binds until it is older than maxAge', async () => {
    const { signed } = await observed('ok');
    expect(linkHolds(signed, at)).toBe(true);
    expect(linkHolds(signed, at + 30 * DAY)).toBe(true);
    expect(linkHolds(signed, at + 30 * DAY + 1)).toBe(false);
    expect(linkHolds(signed, at + 2 * DAY, { maxAgeMs: DAY })).toBe(false);
    expect(linkHolds(signed, at - 1)).toBe(false);
  });
  it('a temporary failure binds within the grace after the last ok, not after', async () => {
    const inside = await observed(
      'temp_failure',
      '2026-12-01T00:00:00.000Z',
      new Date(at - LINK_GRACE_MS).toISOString(),
    );
    expect(linkHolds(inside.signed, at)).toBe(true);
    const past = await observed(
      'temp_failure',
      '2026-12-01T00:00:00.000Z',
      new Date(at - LINK_GRACE_MS - 1).toISOString(),
    );
    expect(linkHolds(past.signed, at)).toBe(false);
    const never = await observed('temp_failure');
    expect(linkHolds(never.signed, at)).toBe(false);
  });
  it('a permanent failure never binds', async () => {
    const { signed } = await observed('perm_failure', '2026-12-01T00:00:00.000Z', '2026-11-30T00:00:00.000Z');
    expect(linkHolds(signed, at)).toBe(false);
  });
});
