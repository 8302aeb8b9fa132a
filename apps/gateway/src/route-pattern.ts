const KNOWN_ROUTES: readonly [RegExp, string][] = [
  [/^\/v1\/manifests\/?$/, '/v1/manifests'],
  [/^\/v1\/manifests\/[^/]+$/, '/v1/manifests/{cid}'],
  [/^\/v1\/manifests\/[^/]+\/proof$/, '/v1/manifests/{cid}/proof'],
  [/^\/log\/checkpoint$/, '/log/checkpoint'],
  [/^\/log\/tile\/entries\//, '/log/tile/entries/{N}'],
  [/^\/log\/tile\//, '/log/tile/{L}/{N}'],
  [/^\/\.well-known\/assent-node\.json$/, ''],
  [/^\/witness\/add-checkpoint$/, '/witness/add-checkpoint'],
  [/^\/witness\/[^/]+\/checkpoint$/, '/witness/{originHash}/checkpoint'],
  [/^\/v1\/equivocations\/?$/, '/v1/equivocations'],
  [/^\/v1\/creators\/[^/]+$/, '/v1/creators/{did}'],
  [/^\/v1\/observations\/[^/]+$/, '/v1/observations/{cid}'],
  [/^\/v1\/attestations\/?$/, '/v1/attestations'],
  [/^\/v1\/attestations\/[^/]+$/, '/v1/attestations/{cid}'],
  [/^\/v1\/check\/?$/, '/v1/check'],
  [/^\/v1\/candidates\/?$/, '/v1/candidates'],
  [/^\/ipfs\/[^/]+$/, '/ipfs/{cid}'],
  [/^\/(openapi\.json|docs|healthz|metrics)$/, ''],
];

/** The route pattern of a path, for metrics and logs (never the raw path: bounded label values). */
export function routeOf(path: string): string {
  for (const [pattern, route] of KNOWN_ROUTES) if (pattern.test(path)) return route === '' ? path : route;
  if (path.startsWith('/v1/') || path.startsWith('/ipfs/')) return 'unmatched';
  return '/';
}
