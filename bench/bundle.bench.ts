/**
 * The web SDK bar of DESIGN §5: `@assent/verifier` with `@assent/manifest`, bundled for browsers from
 * the built packages (esbuild, ESM, minified), at most 60 KB gzip (level 9). The baseline is the same
 * bundle before gzip; the ratio is what gzip keeps. Sizes, not rates: the table prints them as KB.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { ComparisonResult } from './harness.js';

const BAR_BYTES = 60 * 1024;

export async function bundleBenchmarks(): Promise<ComparisonResult[]> {
  const out = await build({
    stdin: { contents: "export * from '@assent/verifier';", resolveDir: import.meta.dirname, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const raw = out.outputFiles[0]?.contents ?? new Uint8Array();
  const gzip = gzipSync(raw, { level: 9 }).length;
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return [
    {
      name: 'web SDK: @assent/verifier + @assent/manifest browser bundle, minified (bar ≤ 60 KB gzip)',
      unit: 'bytes',
      baselineName: 'the same bundle before gzip',
      candidatePerSecond: gzip,
      baselinePerSecond: raw.length,
      ratio: gzip / raw.length,
      bar: null,
      pass: gzip <= BAR_BYTES,
      figure: `${kb(gzip)} gzip`,
      baselineFigure: kb(raw.length),
    },
  ];
}

// `tsx bench/bundle.bench.ts` runs it alone.
if (process.argv[1]?.endsWith('bundle.bench.ts')) {
  const { table } = await import('./harness.js');
  console.log(table(await bundleBenchmarks()));
}
