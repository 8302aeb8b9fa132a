// Bundles the CLI into dist/bundle/ (ESM, split at each command's dynamic import) so that `assent`
// starts without resolving and loading hundreds of small modules: DESIGN §5 asks `assent verify` to
// start within 3× `node -e 0`, and the module graph alone (zod's files above all) takes longer.
// The heavy parts stay outside the bundle and load only in the commands that need them.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(here, 'src/main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source'],
  // Helia, libp2p, SQLite and the HTTP server (serve, scan --offline) and the tag reader stay as
  // packages, loaded from node_modules on first use. The registry brings its own copy of the SDK.
  // @assent/links (id link, id links) too: it requires ipaddr.js from its own node_modules at run time.
  external: ['@assent/registry', '@assent/gateway', '@assent/web', '@assent/links', 'music-metadata'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
