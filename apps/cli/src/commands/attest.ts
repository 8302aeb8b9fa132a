import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AssentError,
  generateIdentity,
  MAX_ATTESTED_ISRCS,
  parseDidKey,
  signAttestation,
  type VerifiedAttestation,
} from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError } from '../errors.js';
import { gatewayRequest, gatewayUrl } from '../gateway-client.js';
import { unlockIdentity } from '../passphrase.js';
import { dateFromFlag } from '../policy-flags.js';
import { readInput } from '../read-input.js';

/** Where `attest` keeps a copy of every attestation it signs. */
export function attestationsDir(home: string): string {
  return join(home, 'attestations');
}

/** Values of a repeatable flag, each also split at commas (`--isrc A,B --isrc C`). */
function listFlag(values: Record<string, unknown>, flag: string, split: boolean): string[] {
  const given = (values[flag] as string[] | undefined) ?? [];
  return given
    .flatMap((v) => (split ? v.split(',') : [v]))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** The ISRCs of an `--isrc-file`: one per line; blank lines and `#` comments are skipped. */
async function isrcsFromFile(path: string): Promise<string[]> {
  const text = new TextDecoder().decode(await readInput(path, '--isrc-file FILE'));
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** The answer of `POST /v1/attestations`. */
interface PublishedAttestation {
  readonly cid: string;
  /** False when the gateway already held it (HTTP 200). */
  readonly created: boolean;
}

async function publishAttestation(base: string, bytes: Uint8Array): Promise<PublishedAttestation> {
  const answer = await gatewayRequest(base, '/v1/attestations', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  let body: { cid?: unknown };
  try {
    body = JSON.parse(new TextDecoder().decode(answer?.bytes)) as { cid?: unknown };
  } catch (cause) {
    throw cliError('GATEWAY_ERROR', 'POST /v1/attestations: the answer is not JSON', cause);
  }
  if (typeof body.cid !== 'string')
    throw cliError('GATEWAY_ERROR', 'the gateway answered POST /v1/attestations without a cid');
  return { cid: body.cid, created: answer?.status === 201 };
}

async function keepCopy(ctx: Context, attestation: VerifiedAttestation): Promise<string> {
  const dir = attestationsDir(ctx.home);
  const file = join(dir, `${attestation.cid}.json`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, attestation.bytes);
  } catch (cause) {
    throw cliError('FILE_UNWRITABLE', `cannot write ${file}: ${(cause as Error).message}`, cause);
  }
  return file;
}

/** `assent attest DID --isrc … | --isrc-prefix … | --url-prefix … [-o FILE] [--publish]` */
export const attest: Command = {
  usage: `assent attest DID (--isrc ID ... | --isrc-file FILE | --isrc-prefix CC-XXX ... | --url-prefix URL ...)
              [--role ROLE] [--valid-until DATE] [-o FILE] [--publish] [--gateway URL] [--json]

Issues an attestation (docs/spec/attestation.md): you, as a label, distributor, collecting society
or platform, sign that the creator DID speaks for these works. A verifier that trusts you as an
attester counts it as a binding (L3) of DID to those ISRCs and URLs; to anyone else it is worth
nothing. Signed with your identity (assent id create). At least one scope:
  --isrc ID           an ISRC in any spelling (US-RC1-76-07839, usrc17607839); repeatable, or A,B
  --isrc-file FILE    ISRCs, one per line (blank lines and # comments skipped); - for stdin
  --isrc-prefix CC-XXX  a registrant prefix: every ISRC that starts with it; repeatable
  --url-prefix URL    pages under a URL (https://soundcloud.com/the-flight/); repeatable
--role ROLE says what DID is to these works (artist, label, publisher, …); --valid-until DATE ends the
attestation (2027-06-30 or a UTC date-time). At most ${MAX_ATTESTED_ISRCS.toLocaleString('en')} ISRCs per attestation: split a
larger catalogue.

Prints the attestation's CID and keeps a copy in $ASSENT_HOME/attestations. -o FILE writes the signed
credential (its canonical JSON); --publish sends it to the gateway (POST /v1/attestations), which
verifies and stores it and replicates it to its peers.

Examples:
  assent attest did:key:z6Mk… --isrc-file catalogue.txt --role artist --publish
  assent attest did:key:z6Mk… --url-prefix https://soundcloud.com/the-flight/ -o attestation.json`,
  options: {
    isrc: { type: 'string', multiple: true },
    'isrc-file': { type: 'string' },
    'isrc-prefix': { type: 'string', multiple: true },
    'url-prefix': { type: 'string', multiple: true },
    role: { type: 'string' },
    'valid-until': { type: 'string' },
    out: { type: 'string', short: 'o' },
    publish: { type: 'boolean' },
    gateway: { type: 'string' },
  },
  async run(values, positionals, ctx) {
    const [subject, ...extra] = positionals;
    if (subject === undefined) throw cliError('USAGE', 'missing DID: the creator you attest (did:key:…)');
    if (extra.length > 0) throw cliError('USAGE', `one DID per attestation, got also ${extra.join(' ')}`);
    const did = parseDidKey(subject);
    if (!did.ok) throw new AssentError(did.code, `${subject}: ${did.message}`);
    const isrcFile = values['isrc-file'] as string | undefined;
    const isrcs = [
      ...listFlag(values, 'isrc', true),
      ...(isrcFile === undefined ? [] : await isrcsFromFile(isrcFile)),
    ];
    const isrcPrefixes = listFlag(values, 'isrc-prefix', true);
    const urlPrefixes = listFlag(values, 'url-prefix', false);
    if (isrcs.length === 0 && isrcPrefixes.length === 0 && urlPrefixes.length === 0)
      throw cliError(
        'USAGE',
        isrcFile === undefined
          ? 'name what DID speaks for: --isrc, --isrc-file, --isrc-prefix or --url-prefix'
          : `${isrcFile} names no ISRC`,
      );
    if (new Set(isrcs).size > MAX_ATTESTED_ISRCS)
      throw cliError(
        'USAGE',
        `${isrcs.length} ISRCs: one attestation names at most ${MAX_ATTESTED_ISRCS}; split the catalogue`,
      );
    const role = values.role as string | undefined;
    const validUntilText = values['valid-until'] as string | undefined;
    const validUntil = validUntilText === undefined ? undefined : dateFromFlag(validUntilText, 'valid-until');
    // The gateway is checked before the passphrase is asked for.
    const gateway = values.publish === true ? gatewayUrl(values, ctx) : undefined;
    const draft = {
      subject,
      ...(isrcs.length === 0 ? {} : { isrcs }),
      ...(isrcPrefixes.length === 0 ? {} : { isrcPrefixes }),
      ...(urlPrefixes.length === 0 ? {} : { urlPrefixes }),
      ...(role === undefined ? {} : { role }),
      ...(validUntil === undefined ? {} : { validUntil }),
    };
    // Checked first by signing with a throwaway key: the one normalizer (signAttestation's), and a
    // malformed ISRC is reported before the passphrase is asked for.
    await signAttestation(draft, { identity: await generateIdentity() });
    const identity = await unlockIdentity(ctx);
    const attestation = await signAttestation(draft, { identity });
    const out = values.out as string | undefined;
    if (out !== undefined) {
      try {
        await writeFile(out, attestation.bytes);
      } catch (cause) {
        throw cliError('FILE_UNWRITABLE', `cannot write ${out}: ${(cause as Error).message}`, cause);
      }
    }
    const kept = await keepCopy(ctx, attestation);
    const published =
      gateway === undefined ? undefined : await publishAttestation(gateway, attestation.bytes);
    if (published !== undefined && published.cid !== attestation.cid)
      throw cliError(
        'GATEWAY_ERROR',
        `the gateway stored ${published.cid}, not the attestation signed here (${attestation.cid})`,
      );
    const summary = {
      cid: attestation.cid,
      issuer: attestation.issuer,
      subject: attestation.subject,
      role: attestation.role ?? null,
      validFrom: attestation.validFrom,
      validUntil: attestation.validUntil ?? null,
      isrcs: attestation.isrcs.length,
      isrcPrefixes: attestation.isrcPrefixes.length,
      urlPrefixes: attestation.urlPrefixes.length,
      file: out ?? null,
      kept,
      published: published === undefined ? null : { gateway, created: published.created },
    };
    if (!ctx.json) {
      const scope = [
        attestation.isrcs.length > 0 ? `${attestation.isrcs.length} ISRCs` : '',
        attestation.isrcPrefixes.length > 0 ? `${attestation.isrcPrefixes.length} ISRC prefixes` : '',
        attestation.urlPrefixes.length > 0 ? `${attestation.urlPrefixes.length} URL prefixes` : '',
      ]
        .filter((s) => s !== '')
        .join(', ');
      ctx.note(`${ctx.style.ok('Attested')} ${scope} for ${attestation.subject}`);
      if (out !== undefined) ctx.note(`Wrote ${out}`);
      if (published !== undefined)
        ctx.note(`${published.created ? 'Published' : 'Already published'} to ${gateway}`);
    }
    // The CID alone on stdout, so that `cid=$(assent attest …)` works.
    ctx.emit(summary, () => attestation.cid);
    return 0;
  },
};
