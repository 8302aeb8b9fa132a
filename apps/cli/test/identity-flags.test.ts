/**
 * The trust list of `--trust FILE` (apps/cli/src/identity-flags.ts): one did:key per line, `#` starts a
 * comment. A line that is not a did:key is USAGE naming the line, so a typo never trusts nobody.
 */
import { generateIdentity, isAssentError } from '@assent/manifest';
import { describe, expect, it } from 'vitest';
import { parseTrustList } from '../src/identity-flags.js';

describe('parseTrustList', () => {
  it('reads one did:key a line, skipping blank lines and comments, each once', async () => {
    const a = (await generateIdentity()).did;
    const b = (await generateIdentity()).did;
    const text = `# labels we deal with\n${a}   # The Label\n\n  ${b}\r\n${a}\n`;
    expect(parseTrustList(text, 'trust.txt')).toEqual([a, b]);
    expect(parseTrustList('', 'empty.txt')).toEqual([]);
  });

  it('refuses a line that is not a did:key, naming the file and line', async () => {
    const a = (await generateIdentity()).did;
    for (const bad of ['did:web:label.example', 'z6Mk', `${a}x`]) {
      let thrown: unknown;
      try {
        parseTrustList(`${a}\n${bad}\n`, 'trust.txt');
      } catch (error) {
        thrown = error;
      }
      expect(isAssentError(thrown, 'USAGE')).toBe(true);
      expect((thrown as Error).message).toContain('trust.txt:2');
    }
  });
});
