/**
 * The absolute path of the built web app (`apps/web/dist`, made by `pnpm --filter @assent/web build`).
 * The gateway serves it at `/`.
 * @example
 * import { webRoot } from '@assent/web';
 * await startGateway({ host: '127.0.0.1', port: 8787, registry, webRoot });
 */
export declare const webRoot: string;
