/** A static file of the web app. */
export interface Asset {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/**
 * Where the web app's static files come from (the Node server reads them from `webRoot`). `read`
 * gets a normalized relative path (`index.html`, `assets/app.js`) with no `..`, NUL or backslash, and
 * answers undefined when there is no such file.
 */
export interface AssetSource {
  read(path: string): Promise<Asset | undefined>;
}

/** The page `/` answers while the web app is not built (a 200, not an error). */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Assent gateway</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Assent gateway</h1>
<p>The web app is not built, so this node serves only its API.</p>
<p>To build it: <code>pnpm --filter @assent/web build</code> (it is written to <code>apps/web/dist</code>), then restart the gateway.</p>
<p>API reference: <a href="/docs">/docs</a> · OpenAPI: <a href="/openapi.json">/openapi.json</a> · health: <a href="/healthz">/healthz</a></p>
</body></html>
`;

/**
 * The relative path of a request path inside the web root, or undefined for path tricks (`..`,
 * encoded slashes or NULs, backslashes, dot files). Directories map to their `index.html`.
 */
export function assetPathOf(pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.' || p.startsWith('.'))) return undefined;
  if (parts.length === 0 || decoded.endsWith('/')) parts.push('index.html');
  return parts.join('/');
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  ico: 'image/x-icon',
  txt: 'text/plain; charset=utf-8',
  wasm: 'application/wasm',
  webmanifest: 'application/manifest+json',
  woff2: 'font/woff2',
  map: 'application/json',
};

/** The content type for a file name, by extension. */
export function contentTypeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return TYPES[dot < 0 ? '' : path.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
