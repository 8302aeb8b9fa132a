/**
 * Threat-model checks (docs/threat-model.md) for keys at rest: the CLI keystore (scrypt + AES-256-GCM,
 * the DID as associated data) and the web app's page policy, which is what keeps injected script away
 * from the key the app holds in IndexedDB.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, secretKeyMultibase } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import { decryptKeystore, encryptIdentity, parseKeystore } from '../../apps/cli/src/keystore.js';

const root = join(import.meta.dirname, '..', '..');

describe('CLI keystore at rest', () => {
  it('holds no form of the secret key, and refuses a relabelled DID or an altered ciphertext', async () => {
    const me = await generateIdentity();
    const other = await generateIdentity();
    const text = JSON.stringify(await encryptIdentity(me, 'correct horse battery staple'));
    const secret = me.secretKey;
    for (const form of [
      Buffer.from(secret).toString('hex'),
      Buffer.from(secret).toString('base64'),
      secretKeyMultibase(secret),
    ]) {
      expect(text).not.toContain(form);
    }
    const keystore = parseKeystore(text);
    expect((await decryptKeystore(keystore, 'correct horse battery staple')).did).toBe(me.did);
    await expect(decryptKeystore(keystore, 'wrong')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
    // The DID is authenticated: pointing the keystore at another identity breaks the GCM tag.
    const relabelled = parseKeystore(JSON.stringify({ ...keystore, did: other.did }));
    await expect(decryptKeystore(relabelled, 'correct horse battery staple')).rejects.toMatchObject({
      code: 'WRONG_PASSPHRASE',
    });
    const flipped = Buffer.from(keystore.ciphertext, 'base64');
    flipped[0] = (flipped[0] as number) ^ 1;
    const altered = parseKeystore(JSON.stringify({ ...keystore, ciphertext: flipped.toString('base64') }));
    await expect(decryptKeystore(altered, 'correct horse battery staple')).rejects.toMatchObject({
      code: 'WRONG_PASSPHRASE',
    });
  });
});

describe('web app page policy', () => {
  it('allows only same-origin scripts, no inline script or eval, no plugins, no base or form targets', () => {
    const html = readFileSync(join(root, 'apps', 'web', 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
    expect(meta).not.toBeNull();
    const directives = new Map(
      (meta?.[1] ?? '').split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(meta?.[1]).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('puts no untrusted text into HTML: the app source has no HTML-parsing DOM sinks', () => {
    const dir = join(root, 'apps', 'web', 'src');
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(5);
    for (const file of sources) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(source, file).not.toMatch(
        /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/,
      );
    }
  });
});
