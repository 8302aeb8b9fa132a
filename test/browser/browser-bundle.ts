import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/** What a browser suite serves and inspects. */
export interface BrowserBundle {
  readonly dir: string;
  /** Served files by URL path (`/` is the page). */
  readonly files: Map<string, Uint8Array>;
  /** `node:` modules that any bundled input or output imports; must be none. */
  readonly nodeImports: string[];
  /** The minified single-file bundle of the package under test alone, for its size. */
  readonly standalone: Uint8Array;
}

const NODE_IMPORT_IN_TEXT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'`](node:[^"'`]+)/g;

function nodeImportsOf(metafile: Metafile, texts: readonly string[]): string[] {
  const found = new Set<string>();
  for (const section of [metafile.inputs, metafile.outputs]) {
    for (const entry of Object.values(section)) {
      for (const { path } of entry.imports) if (path.startsWith('node:')) found.add(path);
    }
  }
  for (const text of texts)
    for (const match of text.matchAll(NODE_IMPORT_IN_TEXT)) found.add(match[1] as string);
  return [...found].sort();
}

/**
 * Bundles entries as a browser loads them: esm, platform browser, minified, with shared chunks, from
 * the TypeScript sources (as the tests run them: dist/ exists only after `pnpm build`). esbuild
 * refuses to resolve `node:` modules for the browser, so a Node import fails the build; the scan also
 * catches any that slipped through. The caller removes `dir` when done.
 */
export async function bundleForBrowser(options: {
  readonly page: string;
  readonly entryPoints: Record<string, string>;
  readonly standaloneEntry: string;
}): Promise<BrowserBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'assent-browser-'));
  const common = {
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    conditions: ['source'] as string[],
  } as const;
  const site = join(dir, 'site');
  const page = await build({ ...common, entryPoints: options.entryPoints, splitting: true, outdir: site });
  const sizeFile = join(dir, 'size', 'standalone.js');
  const size = await build({ ...common, entryPoints: [options.standaloneEntry], outfile: sizeFile });

  const files = new Map<string, Uint8Array>([['/', new TextEncoder().encode(options.page)]]);
  for (const name of await readdir(site))
    files.set(`/${name}`, new Uint8Array(await readFile(join(site, name))));
  const standalone = new Uint8Array(await readFile(sizeFile));
  const texts = [...files.values(), standalone].map((bytes) => new TextDecoder().decode(bytes));
  const metafile: Metafile = {
    inputs: { ...page.metafile.inputs, ...size.metafile.inputs },
    outputs: { ...page.metafile.outputs, ...size.metafile.outputs },
  };
  return { dir, files, nodeImports: nodeImportsOf(metafile, texts), standalone };
}
