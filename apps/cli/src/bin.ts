#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The bundled build (dist/bundle, written by `pnpm --filter @assent/cli build`) starts in about half
// the time of the module graph tsc emits (DESIGN §5, cold start); without it, the same code unbundled.
const bundled = new URL('./bundle/main.js', import.meta.url);
const { main } = (
  existsSync(bundled) ? await import(bundled.href) : await import('./main.js')
) as typeof import('./main.js');

process.exitCode = await main(process.argv.slice(2));
