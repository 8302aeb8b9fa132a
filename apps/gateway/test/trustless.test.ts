/**
 * The trustless block endpoint, fetched by a real Helia client: `createHeliaLight` with only the
 * trustless-gateway block broker and a fallback router naming this gateway (no libp2p, no public
 * gateways). Helia checks each block's bytes against its CID before handing them out, so the test
 * also shows a lying gateway is caught.
 */
import '../../../packages/registry/src/promise-with-resolvers.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateIdentity, type SignedManifest, signManifest } from '@assent/manifest';
import { fallbackRouter } from '@helia/fallback-router';
import { trustlessGatewayBlockBroker } from '@helia/trustless-gateway-client';
import { createHeliaLight } from 'helia';
import { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/index.js';
import { cleanup, startTestGateway } from './support/fixture.js';

let gw: RunningGateway;
let m: SignedManifest;
let liar: Server;

async function heliaClient(gateway: string) {
  // Helia 7.1 waits forever when it has only "fallback" routers (its loop over the default routers
  // never finishes with none), so the same static router is given without that capability.
  const fallback = fallbackRouter({ gateways: [gateway], shuffle: false });
  return createHeliaLight({
    blockBrokers: [trustlessGatewayBlockBroker({ allowInsecure: true, allowLocal: true })],
    routers: [
      {
        name: 'assent-gateway',
        findProviders: (cid, options) => fallback.findProviders?.(cid, options) ?? none(),
      },
    ],
  });
}

beforeAll(async () => {
  gw = await startTestGateway();
  m = await signManifest(
    {
      default: { 'train-ai': 'deny' },
      works: Array.from({ length: 30 }, (_, i) => ({ ids: [`isrc:USRC1760${String(i).padStart(4, '0')}`] })),
    },
    { identity: await generateIdentity(), inlineBudgetBytes: 0 },
  );
  const stored = await gw.registry.ingest(m.bytes, { pages: m.pages.map((p) => p.bytes) });
  expect(stored.ok).toBe(true);
  // A gateway that answers every block request with the manifest's bytes, whatever the CID.
  liar = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.ipld.raw' }).end(Buffer.from(m.bytes));
  });
  await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
}, 30_000);

afterAll(async () => {
  liar?.closeAllConnections();
  liar?.close();
  await gw?.close();
  cleanup();
});

describe('GET /ipfs/{cid} with a Helia client', () => {
  it('serves manifests and catalog pages that Helia fetches and verifies', async () => {
    const helia = await heliaClient(gw.url);
    try {
      await helia.start();
      for (const block of [m, ...m.pages]) {
        const bytes = await collect(
          helia.blockstore.get(CID.parse(block.cid), { signal: AbortSignal.timeout(10_000) }),
        );
        expect(bytes).toEqual(block.bytes);
      }
    } finally {
      await helia.stop();
    }
  });

  it('a lying gateway is caught by the client', async () => {
    const helia = await heliaClient(`http://127.0.0.1:${(liar.address() as AddressInfo).port}`);
    try {
      await helia.start();
      const page = m.pages[0] as { cid: string };
      await expect(
        collect(helia.blockstore.get(CID.parse(page.cid), { signal: AbortSignal.timeout(3_000) })),
      ).rejects.toThrow();
    } finally {
      await helia.stop();
    }
  });
});

async function* none(): AsyncGenerator<never> {}

async function collect(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}
