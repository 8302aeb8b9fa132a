import { fileURLToPath } from 'node:url';

/**
 * The absolute path of the built web app (`apps/web/dist`, made by `pnpm --filter @assent/web build`).
 * The gateway serves it at `/`.
 */
export const webRoot = fileURLToPath(new URL('./dist/', import.meta.url));
