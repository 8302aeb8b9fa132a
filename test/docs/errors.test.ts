import { CLI_ERROR_CODES } from '@assent/cli';
import { GATEWAY_ERROR_CODES } from '@assent/gateway';
import { ERROR_CODES } from '@assent/manifest';
import { REGISTRY_ERROR_CODES } from '@assent/registry';
import { SIGNAL_ISSUE_CODES } from '@assent/signals';
import { TLOG_ERROR_CODES } from '@assent/tlog';
import { VERIFIER_ERROR_CODES } from '@assent/verifier';
import { RECEIPT_ERROR_CODES } from '@assent/verifier/receipt';
import { describe, expect, it } from 'vitest';
import { errorsDocSections } from '../support/errors-doc.js';

/**
 * docs/errors.md is the one list of public error codes (STYLE §6): every package's codes appear once,
 * each with an HTTP status and a CLI exit code, in that package's section, and the file lists nothing
 * else.
 */
const PACKAGES: { name: string; codes: readonly string[]; sections: readonly string[] }[] = [
  {
    name: '@assent/manifest',
    codes: ERROR_CODES,
    sections: [
      'Strict JSON',
      'Work identifiers',
      'CIDs',
      'Identity',
      'Manifest schema',
      'Attestations',
      'Link observations',
      'Proof and signature',
      'Version chain',
      'Key rotation and recovery',
    ],
  },
  { name: '@assent/tlog', codes: TLOG_ERROR_CODES, sections: ['Transparency log'] },
  { name: '@assent/verifier', codes: VERIFIER_ERROR_CODES, sections: ['Verifier'] },
  { name: '@assent/verifier receipts', codes: RECEIPT_ERROR_CODES, sections: ['Receipts'] },
  { name: '@assent/registry', codes: REGISTRY_ERROR_CODES, sections: ['Registry'] },
  { name: '@assent/signals', codes: SIGNAL_ISSUE_CODES, sections: ['Signals'] },
  { name: '@assent/gateway', codes: GATEWAY_ERROR_CODES, sections: ['Gateway'] },
  { name: '@assent/cli', codes: CLI_ERROR_CODES, sections: ['CLI'] },
];

const sections = errorsDocSections();

function rowsOf(prefixes: readonly string[]): string[][] {
  return [...sections]
    .filter(([title]) => prefixes.some((p) => title.startsWith(p)))
    .flatMap(([, rows]) => rows);
}

describe('docs/errors.md', () => {
  for (const pkg of PACKAGES) {
    it(`lists every ${pkg.name} code once, in its section, with an HTTP status and a CLI exit code`, () => {
      const rows = rowsOf(pkg.sections);
      expect(rows.length).toBeGreaterThan(0);
      for (const code of pkg.codes) {
        const mine = rows.filter((cells) => cells[0] === `\`${code}\``);
        expect(mine, code).toHaveLength(1);
        const [, http, cli, meaning] = mine[0] as string[];
        // Never a 500: an operational fault is a 502, 503 or 504 with its code.
        expect(http, code).toMatch(/^(4\d\d|50[234])$/);
        expect(cli, code).toMatch(/^[1-6]$/);
        expect(meaning?.length, code).toBeGreaterThan(10);
      }
      const known = new Set(pkg.codes.map((code) => `\`${code}\``));
      expect(rows.map((cells) => cells[0]).filter((cell) => !known.has(cell as string))).toEqual([]);
    });
  }

  it('lists each code once across the whole file, and codes are unique SCREAMING_SNAKE across packages', () => {
    const all = PACKAGES.flatMap((pkg) => pkg.codes);
    expect(new Set(all).size).toBe(all.length);
    for (const code of all) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    const documented = [...sections.values()].flat().map((cells) => cells[0]);
    expect(documented.length).toBe(all.length);
  });
});
