import { setTimeout as sleep } from 'node:timers/promises';
import { AssentError, parseDidKey } from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError, exitCodeOf } from '../errors.js';
import { fetchCreatorHistory, fetchManifest, gatewayUrl } from '../gateway-client.js';
import { ownerOf, readKeystore } from '../keystore.js';
import { knownVersions, knownVersionsPath, recordVersions } from '../known-versions.js';

/**
 * `assent id watch`: the creator's watcher (DESIGN-TRUST §2.3 item 8). A stolen key's versions are
 * undone by a recovery only within 72 hours, so the creator must hear of them: every version of the
 * creator id, on every gateway asked, that this device did not make is an alert.
 */

/** A version of the creator this device did not make. */
interface Alert {
  readonly cid: string;
  readonly version: number;
  readonly previous: string | null;
  /** The key that signed it; null when no gateway served the manifest itself. */
  readonly issuer: string | null;
  /** It rotates the creator's key (a rotation or recovery this device did not make). */
  readonly rotation: boolean;
  readonly gateways: string[];
}

/** What one pass over the gateways found. */
interface Pass {
  readonly versions: number;
  readonly alerts: Alert[];
  readonly failures: { gateway: string; code: string; message: string }[];
}

/** One pass: every gateway's whole history of the creator against the record of this device. */
async function watchOnce(ctx: Context, creator: string, gateways: readonly string[]): Promise<Pass> {
  const known = await knownVersions(ctx.home);
  const alerts = new Map<string, Alert & { gateways: string[] }>();
  const failures: Pass['failures'] = [];
  const seen = new Set<string>();
  for (const gateway of gateways) {
    try {
      // The whole history every time: a fork may start at any version, not only after the newest.
      const listed = await fetchCreatorHistory(gateway, creator);
      if (listed === undefined) continue;
      if (listed.creator !== creator)
        throw cliError(
          'GATEWAY_ERROR',
          `${gateway} says ${creator} is a key of the creator ${listed.creator}: watch --creator ${listed.creator}`,
        );
      for (const ref of listed.history) {
        seen.add(ref.cid);
        if (known.has(ref.cid)) continue;
        const already = alerts.get(ref.cid);
        if (already !== undefined) {
          already.gateways.push(gateway);
          continue;
        }
        // Listed is not proven: the manifest is fetched and verified, and must be this creator's.
        const manifest = await fetchManifest(gateway, ref.cid);
        if (manifest !== undefined && manifest.creator !== creator)
          throw cliError(
            'GATEWAY_ERROR',
            `${gateway} lists ${ref.cid} for ${creator}, but it is not that creator's`,
          );
        alerts.set(ref.cid, {
          cid: ref.cid,
          version: manifest?.version ?? ref.version,
          previous: (manifest === undefined ? ref.previous : manifest.previous) ?? null,
          issuer: manifest?.issuer ?? null,
          rotation: manifest?.rotatedFrom !== undefined,
          gateways: [gateway],
        });
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      failures.push({
        gateway,
        code: typeof code === 'string' ? code : 'INTERNAL',
        message: (error as Error).message,
      });
    }
  }
  const sorted = [...alerts.values()].sort((a, b) => a.version - b.version || (a.cid < b.cid ? -1 : 1));
  return { versions: seen.size, alerts: sorted, failures };
}

function alertLine(ctx: Context, creator: string, alert: Alert): string {
  const by =
    alert.issuer === null ? 'by a key not known (the manifest was not served)' : `signed by ${alert.issuer}`;
  return `${ctx.style.bad('ALERT')} version ${alert.version} of ${creator} was not made on this device: ${alert.cid}, ${by}${alert.rotation ? ', a key rotation' : ''}, on ${alert.gateways.join(', ')}. If it is not yours, recover now: assent id recover --from ${Math.max(1, alert.version - 1)}`;
}

/** `assent id watch [--once] [--interval S] [--gateway URL ...] [--creator DID] [--ack CID ...]` */
export const watch: Command = {
  usage: `assent id watch [--once] [--interval S] [--gateway URL ...] [--creator DID] [--ack CID ...] [--json]

Watches your creator's history on the gateways (GET /v1/creators/{creator}, every page) and alerts on
every version this device did not make: a version signed with a stolen key, or a rotation made
elsewhere. Recover within 72 hours and verifiers undo the stolen key's versions (assent id recover
--from VERSION). The versions this device made are recorded in $ASSENT_HOME/known-versions.jsonl as
it signs, publishes, rotates and recovers; a recovery records the history it built on and the
versions it forked away from.

Each alert is a line on stderr. --once: one pass, then exit 1 (FOREIGN_VERSIONS) when there is any,
6 when a gateway could not be read (the higher wins), else 0; --json prints one document
{creator, gateways, versions, alerts, failures, code}. Without --once it polls every --interval
seconds (default 60) until interrupted, alerting on each version once; --json prints a JSON line per
event ({"event": "alert", ...} or {"event": "gateway-failed", ...}).

--gateway is repeatable (default: $ASSENT_GATEWAY, else http://127.0.0.1:8787); --creator watches
another creator than the keystore's. --ack CID records versions you reviewed as known, and exits.

Example:
  assent id watch --once --gateway https://registry-a.example --gateway https://registry-b.example`,
  options: {
    once: { type: 'boolean' },
    interval: { type: 'string' },
    gateway: { type: 'string', multiple: true },
    creator: { type: 'string' },
    ack: { type: 'string', multiple: true },
  },
  async run(values, positionals, ctx) {
    if (positionals.length > 0) throw cliError('USAGE', `unexpected argument ${positionals[0]}`);
    const urls = (values.gateway as string[] | undefined) ?? [undefined];
    const gateways = [
      ...new Set(urls.map((url) => gatewayUrl(url === undefined ? {} : { gateway: url }, ctx))),
    ];
    const intervalText = (values.interval as string | undefined) ?? '60';
    const interval = Number(intervalText);
    if (!/^\d{1,5}$/.test(intervalText) || interval < 1 || interval > 86_400)
      throw cliError(
        'USAGE',
        `--interval is a number of seconds from 1 to 86400, not ${JSON.stringify(intervalText)}`,
      );
    const named = values.creator as string | undefined;
    const creator = named ?? ownerOf(await readKeystore(ctx.home)).creator;
    const parsed = parseDidKey(creator);
    if (!parsed.ok) throw new AssentError(parsed.code, `--creator: ${parsed.message}`);

    const acks = (values.ack as string[] | undefined) ?? [];
    if (acks.length > 0) return acknowledge(ctx, creator, gateways, acks);

    if (values.once === true) {
      const pass = await watchOnce(ctx, creator, gateways);
      for (const alert of pass.alerts) ctx.note(alertLine(ctx, creator, alert));
      for (const failure of pass.failures)
        ctx.note(`${ctx.style.warn(`warning ${failure.code}`)}: ${failure.gateway}: ${failure.message}`);
      const codes = [
        ...(pass.alerts.length > 0 ? ['FOREIGN_VERSIONS'] : []),
        ...pass.failures.map((f) => f.code),
      ];
      const code = codes.reduce<string | null>(
        (worst, c) => (worst === null || exitCodeOf(c) > exitCodeOf(worst) ? c : worst),
        null,
      );
      ctx.emit(
        {
          creator,
          gateways,
          versions: pass.versions,
          alerts: pass.alerts,
          failures: pass.failures,
          record: knownVersionsPath(ctx.home),
          code,
        },
        () =>
          `Watched ${pass.versions} version(s) of ${creator} on ${gateways.length} gateway(s): ${
            pass.alerts.length === 0
              ? ctx.style.ok('every one was made on this device')
              : ctx.style.bad(`${pass.alerts.length} not made on this device`)
          }${pass.failures.length === 0 ? '' : `; ${pass.failures.length} gateway(s) could not be read`}`,
      );
      return code === null ? 0 : exitCodeOf(code);
    }

    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const alerted = new Set<string>();
    const failing = new Set<string>();
    const event = (value: object) => {
      if (ctx.json) ctx.write(`${JSON.stringify(value)}\n`);
    };
    if (!ctx.json)
      ctx.note(`Watching ${creator} on ${gateways.join(', ')} every ${interval} s (Ctrl-C stops).`);
    try {
      while (!stop.signal.aborted) {
        const pass = await watchOnce(ctx, creator, gateways);
        for (const alert of pass.alerts) {
          if (alerted.has(alert.cid)) continue;
          alerted.add(alert.cid);
          ctx.note(alertLine(ctx, creator, alert));
          event({ event: 'alert', creator, at: new Date().toISOString(), ...alert });
        }
        const failed = new Set(pass.failures.map((f) => f.gateway));
        for (const failure of pass.failures) {
          if (failing.has(failure.gateway)) continue;
          ctx.note(`${ctx.style.warn(`warning ${failure.code}`)}: ${failure.gateway}: ${failure.message}`);
          event({ event: 'gateway-failed', creator, at: new Date().toISOString(), ...failure });
        }
        failing.clear();
        for (const gateway of failed) failing.add(gateway);
        await sleep(interval * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  },
};

/** `--ack CID ...`: records versions of the creator, fetched and verified, as reviewed and known. */
async function acknowledge(
  ctx: Context,
  creator: string,
  gateways: readonly string[],
  cids: readonly string[],
): Promise<number> {
  const acknowledged: { cid: string; version: number; issuer: string }[] = [];
  for (const cid of cids) {
    let found: Awaited<ReturnType<typeof fetchManifest>>;
    for (const gateway of gateways) {
      found = await fetchManifest(gateway, cid).catch((error: { code?: string }) => {
        if (error.code === 'GATEWAY_UNREACHABLE') return undefined;
        throw error;
      });
      if (found !== undefined) break;
    }
    if (found === undefined)
      throw cliError('MANIFEST_NOT_FOUND', `no gateway asked (${gateways.join(', ')}) serves ${cid}`);
    if (found.creator !== creator) throw cliError('USAGE', `${cid} is not a version of ${creator}`);
    acknowledged.push({ cid, version: found.version, issuer: found.issuer });
  }
  await recordVersions(
    ctx.home,
    acknowledged.map((a) => ({ ...a, creator, source: 'acknowledged' as const })),
  );
  ctx.emit({ creator, acknowledged, record: knownVersionsPath(ctx.home) }, () =>
    acknowledged.map((a) => `${ctx.style.ok('Acknowledged')} version ${a.version} ${a.cid}`).join('\n'),
  );
  return 0;
}
