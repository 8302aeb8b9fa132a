/**
 * `pnpm loadtest [--duration S] [--concurrency N] [--creators N]`: a bounded load test (issue 9).
 *
 * A real registry and gateway run in a child process on 127.0.0.1, port 0, over a temp dir. For the
 * duration (default 30 s; `ASSENT_LOADTEST_SECONDS`), this process sends at once: publishes (valid
 * signed manifests, each creator's next version naming the last acknowledged one, and now and then the
 * same manifest again), `GET /v1/check` and `POST /v1/check` traffic, and hostile requests (broken
 * JSON, tampered signatures, oversize bodies, malformed ids, unknown use terms, wrong content types,
 * path tricks, chain gaps, oversize batches, duplicate keys, deep nesting).
 *
 * It prints throughput, p50/p99 latency per kind and answers by status and code, then asserts: no 5xx
 * and no failed connection at all; every acknowledged manifest is served by `GET /v1/manifests/{cid}`
 * with identical bytes; each creator's head is its newest acknowledged version and checks decide by it;
 * the node holds exactly the acknowledged manifests; every hostile request got its expected 4xx code.
 * Exit code 1 on any violation. Writes are not rate limited here (the limit would cap the test, not
 * the node); tests in apps/gateway cover the limiter.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  generateIdentity,
  type Identity,
  type SignedManifest,
  signManifest,
  type UseTerm,
} from '@assent/manifest';
import { base58btc } from 'multiformats/bases/base58';
import { isrc } from './workload.js';

const SELF = fileURLToPath(import.meta.url);

// --- The load side ---------------------------------------------------------------------------------

interface Options {
  readonly seconds: number;
  readonly concurrency: number;
  readonly creators: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      creators: { type: 'string' },
    },
  });
  const int = (name: string, text: string | undefined, fallback: number, max: number) => {
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new RangeError(`${name}: an integer 1–${max}`);
    return n;
  };
  return {
    seconds: int('--duration', values.duration ?? process.env.ASSENT_LOADTEST_SECONDS, 30, 3600),
    concurrency: int('--concurrency', values.concurrency, 8, 256),
    creators: int('--creators', values.creators, 64, 800),
  };
}

/** One answer: how long it took and what it was. */
interface Sample {
  readonly ms: number;
  readonly status: number;
  readonly code: string;
}

/** Answers per kind of request. */
class Tally {
  readonly samples = new Map<string, Sample[]>();
  readonly violations: string[] = [];

  add(kind: string, sample: Sample): void {
    const list = this.samples.get(kind) ?? [];
    if (list.length === 0) this.samples.set(kind, list);
    list.push(sample);
    if (sample.status >= 500 || sample.status === 0)
      this.violate(`${kind}: HTTP ${sample.status} ${sample.code}`);
  }

  /** Records a violation (the report groups equal texts and counts them). */
  violate(text: string): void {
    this.violations.push(text);
  }
}

/** What the gateway answered, timed. `code` is the error code, `-` for a success, or the network fault. */
async function send(
  url: string,
  init: RequestInit & { bodyBytes?: Uint8Array | string } = {},
): Promise<Sample & { body: Uint8Array }> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      ...init,
      ...(init.bodyBytes === undefined ? {} : { body: init.bodyBytes as BodyInit }),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const ms = performance.now() - started;
    let code = '-';
    if (res.status >= 400) {
      try {
        code = (JSON.parse(new TextDecoder().decode(body)) as { error: { code: string } }).error.code;
      } catch {
        code = '(no error body)';
      }
    }
    return { ms, status: res.status, code, body };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return { ms: performance.now() - started, status: 0, code: `network: ${cause}`, body: new Uint8Array() };
  }
}

/** A GET of `path` exactly as written (fetch would resolve `..` before sending; a hostile client does not). */
function sendRaw(origin: string, path: string): Promise<Sample & { body: Uint8Array }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(`${origin}/`, { path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = new Uint8Array(Buffer.concat(chunks));
        let code = '-';
        if ((res.statusCode ?? 0) >= 400) {
          try {
            code = (JSON.parse(new TextDecoder().decode(body)) as { error: { code: string } }).error.code;
          } catch {
            code = '(no error body)';
          }
        }
        resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, code, body });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        ms: performance.now() - started,
        status: 0,
        code: `network: ${error.code}`,
        body: new Uint8Array(),
      }),
    );
    req.end();
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const CHECK_USES: readonly UseTerm[] = ['train-genai', 'train-ai', 'search', 'ai-input'];
const WORKS_PER_MANIFEST = 8;
const BATCH = 200;

/** Creator `c`'s manifest, version `v`: its works are fixed; the train-genai default flips each version. */
function draftOf(c: number, v: number) {
  return {
    default: {
      'train-genai': v % 2 === 0 ? ('allow' as const) : ('deny' as const),
      search: 'allow' as const,
    },
    works: Array.from({ length: WORKS_PER_MANIFEST }, (_, w) => ({ ids: [isrc(c, w)], title: `v${v}` })),
  };
}
const expectedTrainGenai = (version: number) => (version % 2 === 0 ? 'allow' : 'deny');

interface Creator {
  readonly index: number;
  readonly identity: Identity;
  /** Every manifest the gateway acknowledged (201 or 200), in version order. */
  readonly acked: SignedManifest[];
}

/** A hostile request and the one answer it must get. */
interface Hostile {
  readonly kind: string;
  readonly path: string;
  readonly init: RequestInit & { bodyBytes?: Uint8Array | string };
  /** Sent byte for byte, without the client resolving `..` or escaping anything. */
  readonly raw?: boolean;
  readonly status: number;
  readonly code: string;
}

async function hostileRequests(): Promise<Hostile[]> {
  const mallory = await generateIdentity();
  const v1 = await signManifest(draftOf(900, 1), { identity: mallory });
  const v2 = await signManifest(draftOf(900, 2), { identity: mallory, head: v1 });
  const text = new TextDecoder().decode(v1.bytes);
  const manifest = JSON.parse(text) as { proof: { proofValue: string } };
  // The signed content changed after signing: deny turned into allow.
  const tamperedContent = text.replace('"train-genai":"deny"', '"train-genai":"allow"');
  const signature = base58btc.decode(manifest.proof.proofValue);
  const withSignature = (bytes: Uint8Array) =>
    text.replace(manifest.proof.proofValue, base58btc.encode(bytes));
  // One bit of R flipped: a well-formed signature that does not verify.
  const flipped = signature.slice();
  flipped[0] = (flipped[0] as number) ^ 1;
  const tamperedSignature = withSignature(flipped);
  // S + L: the same signature in its malleable form, which RFC 8032 §5.1.7 requires refusing.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let sPlusL = 0n;
  for (let i = 63; i >= 32; i--) sPlusL = (sPlusL << 8n) | BigInt(signature[i] as number);
  sPlusL += L;
  const malleable = signature.slice();
  for (let i = 32; i < 64; i++, sPlusL >>= 8n) malleable[i] = Number(sPlusL & 0xffn);
  const malleableSignature = withSignature(malleable);
  const post = (bodyBytes: Uint8Array | string, type = 'application/json') => ({
    method: 'POST',
    headers: { 'content-type': type },
    bodyBytes,
  });
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const tooMany = JSON.stringify({
    use: 'search',
    works: Array.from({ length: 10_001 }, (_, i) => isrc(1, i % 100_000)),
  });
  const absent = 'bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea';
  const list: Hostile[] = [
    {
      kind: 'broken JSON',
      path: '/v1/manifests',
      init: post('{"@context": ['),
      status: 400,
      code: 'JSON_SYNTAX',
    },
    {
      kind: 'broken JSON',
      path: '/v1/check',
      init: post('{"use":"search",'),
      status: 400,
      code: 'JSON_SYNTAX',
    },
    {
      kind: 'duplicate key',
      path: '/v1/manifests',
      init: post(`{"issuer":"x",${text.slice(1)}`),
      status: 400,
      code: 'JSON_DUPLICATE_KEY',
    },
    { kind: 'deep nesting', path: '/v1/check', init: post(deep), status: 400, code: 'JSON_TOO_DEEP' },
    {
      kind: 'tampered content',
      path: '/v1/manifests',
      init: post(tamperedContent),
      status: 422,
      code: 'SIGNATURE_INVALID',
    },
    {
      kind: 'tampered signature',
      path: '/v1/manifests',
      init: post(tamperedSignature),
      status: 422,
      code: 'SIGNATURE_INVALID',
    },
    {
      kind: 'malleable signature',
      path: '/v1/manifests',
      init: post(malleableSignature),
      status: 422,
      code: 'SIGNATURE_NOT_CANONICAL',
    },
    {
      kind: 'chain gap',
      path: '/v1/manifests',
      init: post(v2.bytes),
      status: 409,
      code: 'CHAIN_PREVIOUS_UNKNOWN',
    },
    {
      kind: 'oversize body',
      path: '/v1/manifests',
      init: post(new Uint8Array(1024 * 1024 + 1).fill(0x20)),
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    { kind: 'oversize batch', path: '/v1/check', init: post(tooMany), status: 413, code: 'BATCH_TOO_LARGE' },
    {
      kind: 'wrong content type',
      path: '/v1/manifests',
      init: post(text, 'text/plain'),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      kind: 'wrong content type',
      path: '/v1/check',
      init: post('use=search&works=x', 'application/x-www-form-urlencoded'),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      kind: 'malformed id',
      path: '/v1/check?work=isrc:XX-1&use=search',
      init: {},
      status: 400,
      code: 'WORK_ID_ISRC_MALFORMED',
    },
    {
      kind: 'malformed id',
      path: '/v1/check?work=url:javascript:alert(1)&use=search',
      init: {},
      status: 400,
      code: 'WORK_ID_URL_SCHEME',
    },
    {
      kind: 'malformed id',
      path: '/v1/creators/did:key:z6MkNOTAKEY',
      init: {},
      status: 400,
      code: 'DID_MALFORMED',
    },
    {
      kind: 'unknown use term',
      path: `/v1/check?work=${isrc(1, 1)}&use=train`,
      init: {},
      status: 400,
      code: 'USE_TERM_UNKNOWN',
    },
    {
      kind: 'unknown use term',
      path: '/v1/check',
      init: post(JSON.stringify({ use: 'ai-everything', works: [isrc(1, 1)] })),
      status: 400,
      code: 'USE_TERM_UNKNOWN',
    },
    {
      kind: 'path trick',
      path: '/v1/manifests/..%2F..%2F..%2Fetc%2Fpasswd',
      init: {},
      status: 400,
      code: 'CID_MALFORMED',
    },
    { kind: 'path trick', path: '/v1/../../etc/passwd', init: {}, raw: true, status: 404, code: 'NOT_FOUND' },
    {
      kind: 'path trick',
      path: '/ipfs/%2e%2e/%2e%2e/v1/manifests?format=raw',
      init: {},
      raw: true,
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    },
    {
      kind: 'path trick',
      path: '/v1/creators/did:key:z6Mk%00%ff%c0%af',
      init: {},
      raw: true,
      status: 400,
      code: 'DID_MALFORMED',
    },
    { kind: 'path trick', path: `/v1/manifests/${absent}`, init: {}, status: 404, code: 'NOT_FOUND' },
    { kind: 'path trick', path: `/ipfs/${absent}`, init: {}, status: 406, code: 'NOT_ACCEPTABLE' },
    {
      kind: 'path trick',
      path: '/v1/manifests',
      init: { method: 'DELETE' },
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    },
  ];
  return list;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
}

async function startServer(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(SELF, ['--serve', dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code} before listening`)));
  });
  return { url, child };
}

async function loadTest(): Promise<number> {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), 'assent-loadtest-'));
  const { url, child } = await startServer(dir);
  const tally = new Tally();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = signal ?? `exit code ${code}`;
  });
  const hostile = await hostileRequests();
  const creators: Creator[] = await Promise.all(
    Array.from({ length: opts.creators }, async (_, index) => ({
      index,
      identity: await generateIdentity(),
      acked: [],
    })),
  );
  console.log(
    `loadtest: gateway ${url} (data ${dir}); ${opts.seconds} s, ${opts.concurrency} clients per kind, ${opts.creators} creators`,
  );

  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const running = () => performance.now() < deadline;
  let republish = 0;

  /** Publishers: each owns a slice of the creators, so versions of one creator never race. */
  const publisher = async (slot: number) => {
    const mine = creators.filter((c) => c.index % opts.concurrency === slot);
    for (let round = 0; running() && mine.length > 0; round++) {
      const creator = mine[round % mine.length] as Creator;
      const head = creator.acked.at(-1);
      if (head !== undefined && ++republish % 20 === 0) {
        // The same manifest again: acknowledged with 200, never a second copy.
        const again = await send(`${url}/v1/manifests`, {
          method: 'POST',
          headers: JSON_TYPE,
          bodyBytes: head.bytes,
        });
        tally.add('publish (same again)', again);
        if (again.status !== 200)
          tally.violate(`republish of ${head.cid}: HTTP ${again.status} ${again.code}`);
        continue;
      }
      const version = (head?.version ?? 0) + 1;
      const signed = await signManifest(draftOf(creator.index, version), {
        identity: creator.identity,
        ...(head === undefined ? {} : { head }),
      });
      const res = await send(`${url}/v1/manifests`, {
        method: 'POST',
        headers: JSON_TYPE,
        bodyBytes: signed.bytes,
      });
      tally.add(version === 1 ? 'publish (new creator)' : 'publish (next version)', res);
      if (res.status === 201) creator.acked.push(signed);
      else tally.violate(`publish of ${creator.identity.did} v${version}: HTTP ${res.status} ${res.code}`);
    }
  };

  /** A work some creator may have published (or not yet: then the answer is `unknown`). */
  const someWork = (i: number) => isrc(i % opts.creators, (i >> 3) % WORKS_PER_MANIFEST);

  const getChecker = async (slot: number) => {
    for (let i = slot; running(); i += opts.concurrency) {
      const use = CHECK_USES[i % CHECK_USES.length] as UseTerm;
      const res = await send(`${url}/v1/check?work=${someWork(i * 7919)}&use=${use}`);
      tally.add('GET /v1/check', res);
      if (res.status !== 200) tally.violate(`GET /v1/check: HTTP ${res.status} ${res.code}`);
    }
  };

  const postChecker = async (slot: number) => {
    for (let i = slot; running(); i += opts.concurrency) {
      const works = Array.from({ length: BATCH }, (_, k) =>
        k % 4 === 3 ? isrc(998, (i * BATCH + k) % 100_000) : someWork(i * BATCH + k),
      );
      const res = await send(`${url}/v1/check`, {
        method: 'POST',
        headers: JSON_TYPE,
        bodyBytes: JSON.stringify({ use: 'train-genai', works }),
      });
      tally.add(`POST /v1/check (${BATCH} works)`, res);
      if (res.status !== 200) tally.violate(`POST /v1/check: HTTP ${res.status} ${res.code}`);
      else {
        const n = (JSON.parse(new TextDecoder().decode(res.body)) as { results: unknown[] }).results.length;
        if (n !== BATCH) tally.violate(`POST /v1/check answered ${n} results for ${BATCH} works`);
      }
    }
  };

  const hostileMismatches = new Map<string, number>();
  const attacker = async (slot: number) => {
    for (let i = slot; running(); i += opts.concurrency) {
      const h = hostile[i % hostile.length] as Hostile;
      const res = h.raw === true ? await sendRaw(url, h.path) : await send(`${url}${h.path}`, h.init);
      tally.add(`hostile: ${h.kind}`, res);
      if (res.status !== h.status || res.code !== h.code) {
        const key = `${h.kind} ${h.init.method ?? 'GET'} ${h.path.slice(0, 60)}: expected ${h.status} ${h.code}, got ${res.status} ${res.code}`;
        hostileMismatches.set(key, (hostileMismatches.get(key) ?? 0) + 1);
      }
    }
  };

  const clients = Array.from({ length: opts.concurrency }, (_, slot) => [
    publisher(slot),
    getChecker(slot),
    postChecker(slot),
    attacker(slot),
  ]).flat();
  const progress = setInterval(() => {
    const done = [...tally.samples.values()].reduce((n, s) => n + s.length, 0);
    process.stderr.write(`  ${Math.round((performance.now() - started) / 1000)} s: ${done} requests\n`);
  }, 5000);
  await Promise.all(clients);
  clearInterval(progress);
  const elapsed = (performance.now() - started) / 1000;
  for (const [text, n] of hostileMismatches) tally.violate(`hostile ${text} (${n}×)`);

  // --- After the load: nothing acknowledged is lost, heads are the newest versions. --------------
  const verify = new Tally();
  const acked = creators.flatMap((c) => c.acked);
  let pending = [...acked];
  const fetcher = async () => {
    for (let m = pending.pop(); m !== undefined; m = pending.pop()) {
      const res = await send(`${url}/v1/manifests/${m.cid}`);
      verify.add('verify: GET /v1/manifests/{cid}', res);
      if (res.status !== 200) tally.violate(`lost manifest ${m.cid}: HTTP ${res.status} ${res.code}`);
      else if (Buffer.compare(Buffer.from(res.body), Buffer.from(m.bytes)) !== 0)
        tally.violate(`manifest ${m.cid} is served with other bytes`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, fetcher));
  pending = [];
  for (const c of creators) {
    const newest = c.acked.at(-1);
    if (newest === undefined) continue;
    const res = await send(`${url}/v1/creators/${c.identity.did}`);
    verify.add('verify: GET /v1/creators/{did}', res);
    const creator =
      res.status === 200
        ? (JSON.parse(new TextDecoder().decode(res.body)) as {
            head: string;
            version: number;
            forked: boolean;
          })
        : undefined;
    if (creator?.head !== newest.cid || creator.version !== newest.version || creator.forked)
      tally.violate(
        `creator ${c.identity.did}: head ${creator?.head} v${creator?.version}, expected ${newest.cid} v${newest.version}`,
      );
    const check = await send(`${url}/v1/check`, {
      method: 'POST',
      headers: JSON_TYPE,
      bodyBytes: JSON.stringify({
        use: 'train-genai',
        works: Array.from({ length: WORKS_PER_MANIFEST }, (_, w) => isrc(c.index, w)),
      }),
    });
    verify.add('verify: POST /v1/check', check);
    const results =
      check.status === 200
        ? (
            JSON.parse(new TextDecoder().decode(check.body)) as {
              results: { decision: string; evidence: { cid: string }[] }[];
            }
          ).results
        : [];
    const wrong = results.filter(
      (r) => r.decision !== expectedTrainGenai(newest.version) || r.evidence[0]?.cid !== newest.cid,
    );
    if (results.length !== WORKS_PER_MANIFEST || wrong.length > 0)
      tally.violate(
        `creator ${c.identity.did}: ${wrong.length} works not decided by the head v${newest.version}`,
      );
  }
  const health = await send(`${url}/healthz`);
  if (health.status !== 200) tally.violate(`/healthz: HTTP ${health.status} ${health.code}`);
  else {
    const held = (JSON.parse(new TextDecoder().decode(health.body)) as { manifests: number }).manifests;
    if (held !== acked.length)
      tally.violate(
        `the node holds ${held} manifests; ${acked.length} were acknowledged (nothing else may be stored)`,
      );
  }
  for (const v of verify.violations) tally.violate(v);

  if (exited === undefined) {
    const stopped = new Promise((resolve) => child.once('exit', resolve));
    child.send('stop');
    await stopped;
  } else tally.violate(`the gateway process ended during the run (${exited})`);
  rmSync(dir, { recursive: true, force: true });

  report(tally, verify, elapsed, acked.length, creators, opts);
  return tally.violations.length === 0 ? 0 : 1;
}

function report(
  tally: Tally,
  verify: Tally,
  elapsed: number,
  acked: number,
  creators: readonly Creator[],
  opts: Options,
): void {
  const fmt = (n: number, digits = 0) =>
    Number.isNaN(n)
      ? '—'
      : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const rows: string[][] = [];
  const codes = new Map<string, number>();
  let total = 0;
  for (const [kind, samples] of [...tally.samples, ...verify.samples]) {
    const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
    const byStatus = new Map<string, number>();
    for (const s of samples) {
      const key = s.code === '-' ? String(s.status) : `${s.status} ${s.code}`;
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
      if (!kind.startsWith('verify')) codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    if (!kind.startsWith('verify')) total += samples.length;
    rows.push([
      kind,
      fmt(samples.length),
      kind.startsWith('verify') ? '—' : fmt(samples.length / elapsed, 1),
      fmt(percentile(ms, 0.5), 1),
      fmt(percentile(ms, 0.99), 1),
      [...byStatus].map(([k, n]) => `${k} ×${fmt(n)}`).join(', '),
    ]);
  }
  const table = (head: string[], body: string[][]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
    return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
  };
  const versions = creators.map((c) => c.acked.length);
  console.log(
    [
      '',
      `# Load test: ${fmt(elapsed, 1)} s, ${opts.concurrency} clients per kind, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`,
      '',
      table(['kind', 'requests', 'per s', 'p50 ms', 'p99 ms', 'answers'], rows),
      '',
      table(
        ['answer (status code)', 'count'],
        [...codes].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, fmt(n)]),
      ),
      '',
      `${fmt(total)} requests under load (${fmt(total / elapsed, 0)}/s); ${fmt(acked)} manifests acknowledged from ${creators.filter((c) => c.acked.length > 0).length} creators (up to version ${Math.max(0, ...versions)}), each checked after the run.`,
    ].join('\n'),
  );
  if (tally.violations.length === 0) {
    console.log(
      '\nPASS: no 5xx, no lost manifest, heads are the newest versions, every hostile request got its 4xx.',
    );
    return;
  }
  const counted = new Map<string, number>();
  for (const v of tally.violations) counted.set(v, (counted.get(v) ?? 0) + 1);
  console.log(`\nFAIL: ${tally.violations.length} violations`);
  for (const [v, n] of [...counted].slice(0, 40)) console.log(`  - ${v}${n > 1 ? ` (${n}×)` : ''}`);
  if (counted.size > 40) console.log(`  … and ${counted.size - 40} more kinds`);
}

// --- The server side: a child process, so the gateway has its own event loop. --------------------
if (process.argv[2] === '--serve') {
  const { startGateway } = await import('@assent/gateway');
  const gateway = await startGateway({
    dataDir: process.argv[3] as string,
    port: 0,
    log: false,
    rateLimit: false,
    readRateLimit: false,
  });
  process.send?.({ url: gateway.url });
  const stop = async () => {
    await gateway.close();
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
} else {
  process.exitCode = await loadTest();
}
