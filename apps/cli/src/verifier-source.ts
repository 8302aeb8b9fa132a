import { join } from 'node:path';
import { isAssentError } from '@assent/manifest';
import { createVerifier, gatewaySource, type Verifier } from '@assent/verifier';
import { fileCheckpoints, fileState } from '@assent/verifier/node';
import type { CheckpointMemory } from '@assent/verifier/receipt';
import type { Context } from './context.js';
import { cliError } from './errors.js';
import { gatewayUrl } from './gateway-client.js';
import { IDENTITY_FLAGS, identityOptionsOf } from './identity-flags.js';

/** A verifier over the gateway, or over a local node's data with `--offline`. */
export interface OpenVerifier {
  readonly verifier: Verifier;
  /** Where manifests come from: the gateway URL or the node's data directory. */
  readonly source: { readonly gateway: string } | { readonly offline: string };
  close(): Promise<void>;
}

/**
 * The largest checkpoint seen per node log, in `$ASSENT_HOME/checkpoints.json` beside the rollback
 * memory: a log that shows this CLI two histories, in one run or across runs, is `EQUIVOCATION`.
 */
export function checkpointMemory(ctx: Context): CheckpointMemory {
  return fileCheckpoints(join(ctx.home, 'checkpoints.json'));
}

/**
 * Opens the verifier a check or scan uses. Its rollback memory lives in
 * `$ASSENT_HOME/verifier-state.json`, so a gateway can never take back what an earlier check saw.
 * `--offline` opens the node in `--data` (default `$ASSENT_HOME`) without networking; Helia and SQLite
 * are loaded only then. `batchSize`: works per source request (a scan sends 10,000, the API's limit).
 */
export async function openVerifier(
  values: Record<string, unknown>,
  ctx: Context,
  options: { batchSize?: number } = {},
): Promise<OpenVerifier> {
  const state = fileState(join(ctx.home, 'verifier-state.json'));
  const identity = await identityOptionsOf(values);
  if (values.offline === true) {
    const dataDir = (values.data as string | undefined) ?? ctx.home;
    const { createRegistry, registrySource } = await import('@assent/registry');
    const registry = await createRegistry({ dataDir, network: false });
    return {
      verifier: createVerifier({ source: registrySource(registry), state, identity, ...options }),
      source: { offline: dataDir },
      close: () => registry.stop(),
    };
  }
  const gateway = gatewayUrl(values, ctx);
  return {
    verifier: createVerifier({
      source: gatewaySource(gateway, { timeout: 30_000, concurrency: 8 }),
      state,
      identity,
      ...options,
    }),
    source: { gateway },
    close: async () => {},
  };
}

/** A source that could not be reached at all is `GATEWAY_UNREACHABLE`; other faults keep their code. */
export function sourceFault(error: unknown, source: OpenVerifier['source']): unknown {
  if (
    isAssentError(error, 'SOURCE_UNAVAILABLE') &&
    'gateway' in source &&
    !/ HTTP \d{3}\b/.test(error.message)
  ) {
    return cliError(
      'GATEWAY_UNREACHABLE',
      `cannot reach the gateway at ${source.gateway}: ${error.message}`,
      error,
    );
  }
  return error;
}

/** The flags of the commands that check works. */
export const SOURCE_OPTIONS = {
  org: { type: 'string' },
  gateway: { type: 'string' },
  offline: { type: 'boolean' },
  data: { type: 'string' },
  ...IDENTITY_FLAGS,
} as const;
