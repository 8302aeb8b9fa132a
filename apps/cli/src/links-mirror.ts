import { cliError } from './errors.js';

/**
 * The URL map of `--links-mirror URL` (with `--insecure-links` only): link checks fetch
 * `https://HOST/PATH` from `URL/HOST/PATH`, so tests and local setups can stand a loopback server in for
 * real platforms. Undefined without the flag. `USAGE` without `--insecure-links` or for a URL that is
 * not http(s).
 */
export function linksMirror(values: Record<string, unknown>): ((url: URL) => URL) | undefined {
  const mirror = values['links-mirror'] as string | undefined;
  if (mirror === undefined) return undefined;
  if (values['insecure-links'] !== true)
    throw cliError('USAGE', '--links-mirror is for tests and local use: add --insecure-links');
  let base: URL;
  try {
    base = new URL(mirror);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw cliError('USAGE', `--links-mirror must be an http(s) URL, got ${JSON.stringify(mirror)}`);
  }
  const prefix = base.href.replace(/\/+$/, '');
  return (url) => new URL(`${prefix}/${url.hostname}${url.pathname}${url.search}`);
}
