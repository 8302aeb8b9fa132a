import { describe, expect, it } from 'vitest';
import {
  computeKeyId,
  formatVkey,
  parseVkey,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
} from '../src/index.js';

/**
 * The systematic manglings of Go's sumdb/note TestNewVerifier, on the PeterNeumann vkey: every proper
 * substring and every single byte + 1 must be refused. Plus what we add: small-order keys.
 */
const PETER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';

describe('vkeys', () => {
  it('accepts the PeterNeumann vkey and formats it back', () => {
    const parsed = parseVkey(PETER);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(formatVkey(parsed.value)).toBe(PETER);
  });

  it('refuses every proper substring of it', () => {
    let count = 0;
    for (let i = 0; i <= PETER.length; i++) {
      for (let j = i + 1; j <= PETER.length; j++) {
        if (i === 0 && j === PETER.length) continue;
        expect(parseVkey(PETER.slice(i, j)).ok, PETER.slice(i, j)).toBe(false);
        count++;
      }
    }
    expect(count).toBe((PETER.length * (PETER.length + 1)) / 2 - 1);
  });

  it('refuses it with any one character incremented', () => {
    for (let i = 0; i < PETER.length; i++) {
      const mangled = PETER.slice(0, i) + String.fromCharCode(PETER.charCodeAt(i) + 1) + PETER.slice(i + 1);
      expect(parseVkey(mangled).ok, mangled).toBe(false);
    }
  });

  it('refuses upper-case key IDs (the hex encoding is lowercase, signed-note §Conventions)', () => {
    expect(parseVkey(PETER.replace('c74f20a3', 'C74F20A3'))).toMatchObject({
      ok: false,
      code: 'VKEY_MALFORMED',
    });
  });

  it('refuses a small-order key even with its key ID right', () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral point, order 1
    const vkey = `weak+${computeKeyId('weak', 1, identity).toString(16).padStart(8, '0')}+${Buffer.from([1, ...identity]).toString('base64')}`;
    expect(parseVkey(vkey)).toMatchObject({ ok: false, code: 'VKEY_KEY_REJECTED' });
  });

  it('gives one key different IDs for the two types (signed-note §"Verifier keys")', () => {
    const key = parseVkey(PETER);
    if (!key.ok) throw new Error('setup');
    const cosig = formatVkey({ ...key.value, type: SIGNATURE_TYPE_COSIGNATURE_V1 });
    const parsed = parseVkey(cosig);
    expect(parsed.ok && parsed.value.keyId).not.toBe(key.value.keyId);
    expect(parsed.ok && parsed.value.type).toBe(SIGNATURE_TYPE_COSIGNATURE_V1);
    expect(() => formatVkey({ ...key.value, type: SIGNATURE_TYPE_ED25519, name: 'bad name' })).toThrow(
      TypeError,
    );
  });
});
