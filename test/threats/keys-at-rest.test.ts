/**
 * Threat-model checks (docs/threat-model.md) for keys at rest: the identity backup that is the CLI
 * keystore and the web app's backup file (scrypt + AES-256-GCM, the header as associated data;
 * docs/spec/identity-backup.md) and the web app's page policy, which is what keeps injected script away
 * from the key the app holds in IndexedDB.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createIdentityBackup,
  generateIdentity,
  identityBackupText,
  openIdentityBackup,
  parseIdentityBackup,
  secretKeyMultibase,
} from '@assent/manifest';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

async function codeOf(text: string, passphrase: string): Promise<string> {
  const parsed = parseIdentityBackup(text);
  if (!parsed.ok) return parsed.code;
  const opened = await openIdentityBackup(parsed.value, passphrase);
  return opened.ok ? opened.value.did : opened.code;
}

describe('identity backup at rest', () => {
  it('holds no form of the secret key, and refuses a relabelled DID or an altered ciphertext', async () => {
    const me = await generateIdentity();
    const other = await generateIdentity();
    const backup = await createIdentityBackup(me, 'correct horse battery staple');
    const text = identityBackupText(backup);
    const secret = me.secretKey;
    for (const form of [
      Buffer.from(secret).toString('hex'),
      Buffer.from(secret).toString('base64'),
      secretKeyMultibase(secret),
    ]) {
      expect(text).not.toContain(form);
    }
    expect(await codeOf(text, 'correct horse battery staple')).toBe(me.did);
    expect(await codeOf(text, 'wrong')).toBe('WRONG_PASSPHRASE');
    // The header is authenticated: pointing the backup at another identity breaks the GCM tag.
    const relabelled = JSON.stringify({ ...backup, did: other.did });
    expect(await codeOf(relabelled, 'correct horse battery staple')).toBe('WRONG_PASSPHRASE');
    const flipped = Buffer.from(backup.ciphertext, 'base64');
    flipped[0] = (flipped[0] as number) ^ 1;
    const altered = JSON.stringify({ ...backup, ciphertext: flipped.toString('base64') });
    expect(await codeOf(altered, 'correct horse battery staple')).toBe('WRONG_PASSPHRASE');
    // A hostile file cannot make a reader allocate 1 GiB: refused before any key derivation.
    const greedy = JSON.stringify({ ...backup, kdf: { ...backup.kdf, N: 2 ** 20 } });
    expect(await codeOf(greedy, 'correct horse battery staple')).toBe('KEYSTORE_KDF_OUT_OF_BOUNDS');
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
