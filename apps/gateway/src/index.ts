/**
 * `@assent/gateway`: the Assent HTTP gateway. Publish and check consent manifests over a registry node,
 * a trustless IPFS block endpoint, the OpenAPI document and reference page, metrics, and the web app.
 * `createGateway` is the Hono app (Web Standards only); `startGateway` runs it on Node.
 * @packageDocumentation
 */
export {
  type AnyErrorCode,
  type ErrorBody,
  type ErrorStatus,
  GATEWAY_ERROR_CODES,
  GatewayError,
  type GatewayErrorCode,
  HTTP_STATUS,
  httpStatusOf,
} from './errors.js';
export { createGateway, type GatewayDeps, type RequestLogEntry } from './gateway.js';
export { createGatewayLogger, type GatewayLoggerOptions } from './logger.js';
export type { RateLimitOptions } from './rate-limit.js';
export { MAX_BATCH_WORKS } from './schemas.js';
export { folderAssets, type RunningGateway, type StartGatewayOptions, startGateway } from './server.js';
export { type Asset, type AssetSource, NOT_BUILT_PAGE } from './web-app.js';
