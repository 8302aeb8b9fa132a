import { isIP } from 'node:net';
import type { LogPeer } from '@assent/registry';
import { isValidKeyName, parseVkey, SIGNATURE_TYPE_ED25519 } from '@assent/tlog';
import type { Command } from '../context.js';
import { cliError } from '../errors.js';
import { IDENTITY_FLAGS, IDENTITY_FLAGS_HELP, identityOptionsOf } from '../identity-flags.js';
import { linksMirror } from '../links-mirror.js';

/** The number given to `--flag` (decimal, at least `min`), undefined when absent, else `USAGE`. */
function numberFlag(flag: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value) || !(n >= min) || !Number.isFinite(n))
    throw cliError('USAGE', `--${flag} takes a number ≥ ${min}`);
  return n;
}

/**
 * A gateway rate limit from `--KIND-rate` and `--KIND-burst` (the gateway's defaults where absent;
 * `--KIND-rate 0`: no limit).
 */
function rateLimit(
  kind: 'write' | 'read',
  rate: unknown,
  burst: unknown,
): { perSecond?: number; burst?: number } | false {
  const perSecond = numberFlag(`${kind}-rate`, rate, 0);
  const most = numberFlag(`${kind}-burst`, burst, 1);
  if (perSecond === 0) {
    if (most !== undefined) throw cliError('USAGE', `--${kind}-burst means nothing with --${kind}-rate 0`);
    return false;
  }
  return {
    ...(perSecond === undefined ? {} : { perSecond }),
    ...(most === undefined ? {} : { burst: most }),
  };
}

/**
 * The log peers of `--log-peer "URL [LOG_VKEY] [WITNESS_VKEY]"` (repeatable): a peer's gateway URL and,
 * to pin them, its vkeys, told apart by their type (0x01 log, 0x04 witness). Neither a URL nor a vkey
 * holds a space. `normalize` is the registry's URL check.
 */
function logPeers(values: unknown, normalize: (url: string) => string): LogPeer[] {
  return ((values as string[] | undefined) ?? []).map((value) => {
    const [url = '', ...keys] = value.trim().split(/\s+/);
    const peer: { url: string; vkey?: string; witnessVkey?: string } = { url };
    try {
      normalize(url);
    } catch (cause) {
      throw cliError('USAGE', `--log-peer: ${(cause as Error).message}`);
    }
    for (const key of keys) {
      const parsed = parseVkey(key);
      if (!parsed.ok) throw cliError('USAGE', `--log-peer ${url}: ${parsed.message}`);
      // parseVkey accepts only the two types: 0x01 (log) and 0x04 (witness).
      const field = parsed.value.type === SIGNATURE_TYPE_ED25519 ? 'vkey' : 'witnessVkey';
      if (peer[field] !== undefined)
        throw cliError('USAGE', `--log-peer ${url}: two ${field === 'vkey' ? 'log' : 'witness'} keys`);
      peer[field] = key;
    }
    return peer;
  });
}

/** An IP address and an optional port, as node:dns takes a server: `1.2.3.4:53`, `::1`, `[::1]:53`. */
function isDnsServer(text: string): boolean {
  if (isIP(text) !== 0) return true;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (match === null) return false;
  const [, v6, v4, port] = match;
  const address = v6 === undefined ? isIP(v4 ?? '') === 4 : isIP(v6) === 6;
  return address && Number(port) >= 1 && Number(port) <= 65535;
}

/**
 * The DNS servers of `--dns-server IP[:PORT]` (repeatable) for link checks: node:dns takes IP addresses
 * only, so a host name is a usage error here rather than a failure at start-up.
 */
function dnsServers(values: unknown): string[] | undefined {
  const servers = values as string[] | undefined;
  for (const server of servers ?? [])
    if (!isDnsServer(server))
      throw cliError(
        'USAGE',
        `--dns-server takes IP[:PORT] (e.g. 127.0.0.1:5300), not ${JSON.stringify(server)}`,
      );
  return servers;
}

/** `assent serve [--port 8787] [--data DIR] [--peer MULTIADDR ...] [--fsync] [--peer-allow PEERID ...]` */
export const serve: Command = {
  usage: `assent serve [--port 8787] [--host 127.0.0.1] [--data DIR] [--listen MULTIADDR ...] [--peer MULTIADDR ...] [--peer-allow PEERID ...] [--web DIR] [--write-rate 20] [--write-burst 120] [--read-rate 500] [--read-burst 2000] [--log-origin ORIGIN] [--log-peer "URL [VKEY] [WITNESS_VKEY]" ...] [--insecure-links [--links-mirror URL]] [--dns-server IP[:PORT] ...] [--trust FILE] [--unbound-grants] [--fsync] [--quiet] [--json]

Runs a registry node (Helia blockstore + SQLite index in DIR, default $ASSENT_HOME) and its HTTP
gateway, with the web app at / (built by \`pnpm build\`; --web serves another build). Prints the HTTP
URL and the node's libp2p multiaddrs (give them to other nodes as --peer).
--port 0 picks a free port. Each client (an IPv4 address, or an IPv6 /64) may publish --write-rate
manifests a second, in bursts of up to --write-burst, and read the API --read-rate times a second,
in bursts of up to --read-burst; beyond that it is answered 429 with Retry-After (a rate of 0: no
limit). --peer-allow: only these libp2p peer ids may connect (default any). --fsync: blocks and the
index are flushed to disk before a publish is acknowledged, so acknowledged manifests survive power
loss too, not only a crash of the process (publishing is slower). Logs (requests and replication) go
to stderr as JSON lines (--quiet: warnings and errors only). --log-origin names the node's
transparency log on its first start (e.g. example.org/assent/log; default assent/<node DID key>); it
never changes after. --log-peer names another node's gateway whose log this node witnesses and which
it asks to cosign its own checkpoints (docs/witnessing.md); its log and witness keys are learned from
URL/.well-known/assent-node.json on first contact and remembered (trust on first use), unless pinned
after the URL. The node checks the identity links creators claim when it receives their manifests, then
about daily, and signs and logs each result (docs/spec/observation.md): over https, public addresses
only. --insecure-links also allows loopback addresses and plain http for these checks (tests and local
use; off by default); --links-mirror URL, with --insecure-links, fetches https://HOST/PATH from
URL/HOST/PATH instead (a loopback stand-in for real sites); --dns-server sends their DNS look-ups to
these servers instead of the system's.
Stops cleanly on SIGINT or SIGTERM.

${IDENTITY_FLAGS_HELP}

Example:
  assent serve --port 8787 --peer /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW… --log-peer https://b.example.org`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    peer: { type: 'string', multiple: true },
    'peer-allow': { type: 'string', multiple: true },
    fsync: { type: 'boolean' },
    'read-rate': { type: 'string' },
    'read-burst': { type: 'string' },
    listen: { type: 'string', multiple: true },
    web: { type: 'string' },
    'write-rate': { type: 'string' },
    'write-burst': { type: 'string' },
    quiet: { type: 'boolean' },
    'log-origin': { type: 'string' },
    'log-peer': { type: 'string', multiple: true },
    'insecure-links': { type: 'boolean' },
    'dns-server': { type: 'string', multiple: true },
    'links-mirror': { type: 'string' },
    ...IDENTITY_FLAGS,
  },
  async run(values, _positionals, ctx) {
    const port = Number((values.port as string | undefined) ?? '8787');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw cliError('USAGE', '--port takes 0–65535');
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    const dataDir = (values.data as string | undefined) ?? ctx.home;
    const writeLimit = rateLimit('write', values['write-rate'], values['write-burst']);
    const readLimit = rateLimit('read', values['read-rate'], values['read-burst']);
    const peerAllow = values['peer-allow'] as string[] | undefined;
    for (const id of peerAllow ?? [])
      if (!/^[1-9A-HJ-NP-Za-km-z]{40,80}$/.test(id))
        throw cliError('USAGE', `--peer-allow takes libp2p peer ids (12D3KooW…), not ${JSON.stringify(id)}`);
    const logOrigin = values['log-origin'] as string | undefined;
    if (logOrigin !== undefined && !isValidKeyName(logOrigin))
      throw cliError('USAGE', '--log-origin takes a name without spaces or "+", e.g. example.org/assent/log');
    const quiet = values.quiet === true;
    const identity = await identityOptionsOf(values);
    const linkDns = dnsServers(values['dns-server']);
    const insecureLinks = values['insecure-links'] === true;
    const mapUrl = linksMirror(values);
    // Loaded here only: Helia, libp2p, SQLite and the HTTP server are for this command alone.
    const { createRegistry, normalizePeerUrl } = await import('@assent/registry');
    const witnessed = logPeers(values['log-peer'], normalizePeerUrl);
    const { createGatewayLogger, startGateway } = await import('@assent/gateway');
    const webRoot = (values.web as string | undefined) ?? (await import('@assent/web')).webRoot;
    const peers = (values.peer as string[] | undefined) ?? [];
    const listen = values.listen as string[] | undefined;
    // One stream of JSON lines on stderr, so stdout holds only where the node listens.
    const logger = createGatewayLogger({ level: quiet ? 'warn' : 'info' });
    const registry = await createRegistry({
      dataDir,
      peers,
      ...(listen === undefined ? {} : { listen }),
      ...(peerAllow === undefined ? {} : { peerAllow }),
      fsync: values.fsync === true,
      ...(logOrigin === undefined ? {} : { logOrigin }),
      ...(witnessed.length === 0 ? {} : { logPeers: witnessed }),
      links: {
        ...(insecureLinks ? { allowInsecure: true } : {}),
        ...(linkDns === undefined ? {} : { dnsServers: linkDns }),
        ...(mapUrl === undefined ? {} : { mapUrl }),
      },
      logger: logger.child({ component: 'registry' }),
    });
    let server: { url: string; close(): Promise<void> };
    try {
      server = await startGateway({
        host,
        port,
        registry,
        webRoot,
        rateLimit: writeLimit,
        readRateLimit: readLimit,
        logger,
        identity,
        ...(quiet ? { log: false as const } : {}),
      });
    } catch (cause) {
      await registry.stop();
      if ((cause as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw cliError('PORT_IN_USE', `${host}:${port} is in use`, cause);
      throw cause;
    }
    const multiaddrs = registry.multiaddrs().map(String);
    ctx.emit({ url: server.url, multiaddrs, peerId: String(registry.peerId), dataDir }, () =>
      [
        `${ctx.style.ok('Serving')} ${server.url}`,
        ...multiaddrs.map((m) => `libp2p   ${m}`),
        ctx.style.dim(`data     ${dataDir}`),
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    ctx.note('stopping…');
    await server.close();
    await registry.stop();
    return 0;
  },
};
