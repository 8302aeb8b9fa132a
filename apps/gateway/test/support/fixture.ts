import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Identity, type SignedManifest, signManifest } from '@assent/manifest';
import { createRegistry, type Registry } from '@assent/registry';
import { type Logger, pino } from 'pino';
import {
  type RequestLogEntry,
  type RunningGateway,
  type StartGatewayOptions,
  startGateway,
} from '../../src/index.js';

/** A temp directory removed by {@link cleanup}. */
const dirs: string[] = [];
export function tempDir(prefix = 'assent-gateway-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A real registry in a temp dir (network off: these tests speak HTTP only) behind a real server on 127.0.0.1:0. */
export async function startTestGateway(
  options: Omit<StartGatewayOptions, 'registry' | 'dataDir'> = {},
): Promise<RunningGateway & { registry: Registry }> {
  const registry = await createRegistry({ dataDir: tempDir(), network: false });
  // Quiet unless a test brings its own logger (captureLogger) to read the lines.
  const quiet =
    options.logger === undefined ? { log: false as const, logger: pino({ level: 'silent' }) } : {};
  const gateway = await startGateway({ port: 0, ...quiet, ...options, registry });
  return {
    ...gateway,
    registry,
    async close() {
      await gateway.close();
      await registry.stop();
    },
  };
}

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** POST JSON text to a gateway. */
export function postJson(
  url: string,
  body: string | Uint8Array,
  type = 'application/json',
): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': type }, body: body as BodyInit });
}

/**
 * The gateway suites' creator story: v1 allows search and, for The Flight's SoundCloud prefix,
 * ai-input with attribution; v2 then denies search. Both deny train-genai.
 */
export async function theFlight(identity: Identity): Promise<{ v1: SignedManifest; v2: SignedManifest }> {
  const v1 = await signManifest(
    {
      default: { 'train-genai': 'deny', search: 'allow' },
      works: [
        { ids: ['isrc:USRC17607839'] },
        {
          ids: ['url-prefix:https://soundcloud.com/the-flight/'],
          policy: { 'ai-input': { decision: 'conditional', conditions: { attribution: 'The Flight' } } },
        },
      ],
    },
    { identity },
  );
  const v2 = await signManifest(
    { default: { 'train-genai': 'deny', search: 'deny' }, works: [{ ids: ['isrc:USRC17607839'] }] },
    { identity, head: v1 },
  );
  return { v1, v2 };
}

/** A pino logger whose lines are parsed into `lines`; `requests` are the request lines' fields. */
export function captureLogger(): {
  logger: Logger;
  lines: Record<string, unknown>[];
  requests: () => RequestLogEntry[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ base: null }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const requests = () =>
    lines
      .filter((l) => l.msg === 'request')
      .map(({ level: _l, msg: _m, ...entry }) => entry as unknown as RequestLogEntry);
  return { logger, lines, requests };
}
