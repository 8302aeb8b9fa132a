import { parseArgs } from 'node:util';
import { type Command, type Context, createContext } from './context.js';
import { cliError, exitCodeOf } from './errors.js';

/**
 * The commands of DESIGN §4. Each module is imported only when its command runs, so `assent verify`
 * never loads Helia, the server or the audio tag reader (DESIGN §5: cold start ≤ 3× `node -e 0`).
 */
const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Command> }>> = {
  'id create': {
    summary: 'create your identity (a did:key)',
    load: async () => (await import('./commands/id.js')).create,
  },
  'id show': { summary: 'show your identity', load: async () => (await import('./commands/id.js')).show },
  'id export': {
    summary: 'write an encrypted backup of your identity',
    load: async () => (await import('./commands/id.js')).exportIdentity,
  },
  'id import': {
    summary: 'restore an identity from an encrypted backup',
    load: async () => (await import('./commands/id.js')).importIdentity,
  },
  'id rotate': {
    summary: 'rotate to the next key your manifests committed to',
    load: async () => (await import('./commands/id-rotation.js')).rotateIdentity,
  },
  'id recover': {
    summary: 'take your identity back with the 24 words of your recovery sheet',
    load: async () => (await import('./commands/id-rotation.js')).recoverIdentity,
  },
  'id watch': {
    summary: 'alert on versions of your creator this device did not make',
    load: async () => (await import('./commands/id-watch.js')).watch,
  },
  'id link': {
    summary: 'claim a domain or profile page; prints what to publish where',
    load: async () => (await import('./commands/id-link.js')).link,
  },
  'id links': {
    summary: 'list the links your manifest claims (--check: check them now)',
    load: async () => (await import('./commands/id-link.js')).links,
  },
  draft: {
    summary: 'build a consent draft from files, folders and ids',
    load: async () => (await import('./commands/draft.js')).draft,
  },
  sign: {
    summary: 'sign a draft as your next manifest version',
    load: async () => (await import('./commands/sign.js')).sign,
  },
  publish: {
    summary: 'publish a signed manifest (or a draft) to a gateway',
    load: async () => (await import('./commands/publish.js')).publish,
  },
  revoke: {
    summary: 'publish the next version with works or uses denied',
    load: async () => (await import('./commands/revoke.js')).revoke,
  },
  attest: {
    summary: 'sign that a creator speaks for ISRCs or URLs (as a label, a platform)',
    load: async () => (await import('./commands/attest.js')).attest,
  },
  verify: {
    summary: 'verify a manifest offline: form, signature, chain',
    load: async () => (await import('./commands/verify.js')).verify,
  },
  check: {
    summary: 'check works for one AI use',
    load: async () => (await import('./commands/check.js')).check,
  },
  scan: {
    summary: 'check every item of a dataset and write a report',
    load: async () => (await import('./commands/scan.js')).scan,
  },
  serve: {
    summary: 'run a registry node and its gateway',
    load: async () => (await import('./commands/serve.js')).serve,
  },
  'receipt verify': {
    summary: "verify a node's check receipts offline",
    load: async () => (await import('./commands/receipt.js')).verify,
  },
  'receipt item': {
    summary: 'write the receipt evidence for one work alone',
    load: async () => (await import('./commands/receipt.js')).item,
  },
};

/** Commands with subcommands (`assent id create`, `assent receipt verify`), and what they take. */
const GROUPS: Readonly<Record<string, string>> = {
  id: 'create, show, export, import, rotate, recover, watch, link or links',
  receipt: 'verify or item',
};

const OVERVIEW = `assent — AI-use consent: sign and publish it as a creator, check it before you train.

Usage: assent <command> [options]   (assent <command> --help for its options and an example)

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(15)} ${c.summary}`)
  .join('\n')}

Every command takes --json (machine output; errors as {"error":{"code","message"}}).
Data directory: $ASSENT_HOME, else ~/.assent. Gateway: --gateway, $ASSENT_GATEWAY, else http://127.0.0.1:8787.
Exit codes: 0 ok · 1 --fail-on matched or a link broken · 2 usage · 3 input rejected · 4 signature rejected · 5 chain conflict · 6 operational fault.`;

/** Where `main` reads and writes; the process's own streams by default. */
export interface MainOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
}

function errorMessage(error: unknown): { code: string; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    // node:util parseArgs: an unknown flag, a missing value.
    if (error.code.startsWith('ERR_PARSE_ARGS')) return { code: 'USAGE', message };
    // AssentError (by name: main stays free of the SDK's imports for a quick start).
    if (error instanceof Error && error.name === 'AssentError') return { code: error.code, message };
  }
  return { code: 'INTERNAL', message: error instanceof Error ? (error.stack ?? message) : message };
}

/**
 * Runs `assent` with the given arguments (without `node` and the script) and returns the exit code.
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const json = argv.includes('--json');
  const ctx: Context = createContext({ json, env, stdout, stderr });
  // The command comes first: `assent scan …`, `assent id create …`.
  const first = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  const group = first !== undefined && Object.hasOwn(GROUPS, first) ? first : undefined;
  const second =
    group !== undefined && argv[1] !== undefined && !argv[1].startsWith('-') ? argv[1] : undefined;
  if (first === undefined || first === 'help') {
    if (argv.includes('--version')) {
      stdout.write('0.1.0\n');
      return 0;
    }
    stdout.write(`${OVERVIEW}\n`);
    return argv.includes('--help') || argv.includes('-h') || first === 'help' ? 0 : 2;
  }
  const name = group !== undefined ? `${group} ${second ?? ''}`.trim() : first;
  const entry = COMMANDS[name];
  try {
    if (entry === undefined) {
      throw cliError(
        'USAGE',
        group !== undefined && name === group
          ? `missing ${group} subcommand: ${GROUPS[group]}`
          : `unknown command "${name}"; see assent --help`,
      );
    }
    const command = await entry.load();
    const rest = argv.slice(second === undefined ? 1 : 2);
    if (rest.includes('--help') || rest.includes('-h')) {
      stdout.write(`${command.usage}\n`);
      return 0;
    }
    const parsed = parseArgs({
      args: rest,
      options: {
        ...command.options,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    return await command.run(parsed.values as Record<string, unknown>, parsed.positionals, ctx);
  } catch (error) {
    const { code, message } = errorMessage(error);
    if (json) stdout.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
    else stderr.write(`${ctx.style.bad(`error ${code}`)}: ${message}\n`);
    return exitCodeOf(code);
  }
}
