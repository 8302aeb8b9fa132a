import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningGateway, startGateway } from '@assent/gateway';
import { createRegistry, type Registry, type RegistryLinkOptions } from '@assent/registry';
import type { IdentityOptions } from '@assent/verifier';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { launchChromium } from '../../../../test/browser/chromium.js';

const appRoot = join(import.meta.dirname, '../..');

/** The built web app served by a real gateway over a real registry, and a Chromium page to drive it. */
export interface ServedWebApp {
  readonly registry: Registry;
  readonly gateway: RunningGateway;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors of the page, in order. */
  readonly pageErrors: string[];
  /** A temp folder of the test's own, removed by {@link ServedWebApp.close}. */
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Builds the web app with Vite into a temp folder (never apps/web/dist), starts a registry node
 * (network off) and the gateway on 127.0.0.1 port 0 serving it, and opens a page in Debian's Chromium.
 * `links`: the node's identity-link checks (a loopback fake platform and DNS server in tests);
 * `identity`: whom the node's verifier trusts for identity (`startGateway`'s option).
 */
export async function serveWebApp(
  options: { acceptDownloads?: boolean; links?: RegistryLinkOptions; identity?: IdentityOptions } = {},
): Promise<ServedWebApp> {
  const dir = await mkdtemp(join(tmpdir(), 'assent-web-'));
  const dist = join(dir, 'dist');
  let registry: Registry | undefined;
  let gateway: RunningGateway | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await gateway?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await build({
      configFile: join(appRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: dist, emptyOutDir: true, sourcemap: false },
    });
    registry = await createRegistry({
      dataDir: join(dir, 'node'),
      network: false,
      ...(options.links === undefined ? {} : { links: options.links }),
    });
    gateway = await startGateway({
      host: '127.0.0.1',
      port: 0,
      registry,
      webRoot: dist,
      log: false,
      ...(options.identity === undefined ? {} : { identity: options.identity }),
    });
    browser = await launchChromium();
    const context = await browser.newContext({
      acceptDownloads: options.acceptDownloads ?? false,
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return { registry, gateway, browser, context, page, pageErrors, dir, close };
  } catch (error) {
    await close();
    throw error;
  }
}
