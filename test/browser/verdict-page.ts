import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';

/**
 * What every browser verdict-equality suite does before it asks the page for verdicts: serve the
 * bundle's files on 127.0.0.1, open the page in Chromium, and wait until the page's runner is there.
 */

/** Serves `files` (path → bytes) on 127.0.0.1 to GET, `.js` as JavaScript, the rest as HTML, no caching. */
export async function serveBundleFiles(
  files: Map<string, Uint8Array>,
): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files.get(path);
    if (req.method !== 'GET' || body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = path.endsWith('.js') ? 'text/javascript' : 'text/html';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((done, failed) => {
    server.once('error', failed);
    server.listen(0, '127.0.0.1', done);
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Opens `origin` in a new page and waits (30 s) until the page defines `globalName`; the page, and the
 * errors it throws (collected from the start, for the suite to assert none).
 */
export async function openVerdictPage(
  browser: Browser,
  origin: string,
  globalName: string,
): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${origin}/`);
  try {
    await page.waitForFunction((name) => name in globalThis, globalName, { timeout: 30_000 });
  } catch (cause) {
    throw new Error(
      `the page at ${origin} did not define ${globalName}: ${pageErrors.join('; ') || String(cause)}`,
    );
  }
  return { page, pageErrors };
}
