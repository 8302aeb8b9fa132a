import { type IdentityLink, isIdentityType } from '@assent/manifest';
import { cliError } from './errors.js';
import { gatewayRequest } from './gateway-client.js';

/**
 * A node's view of a creator's identity links, from `GET /v1/creators/{did}` (its `links` member,
 * docs/api.md): what the node observed when it last checked each link, and whether it counts the link
 * as bound now. Shown beside the CLI's own checks by `assent id links --gateway`; the CLI decides
 * nothing from it.
 */

/** The states a node reports: `looking` until its first check, then the last check's result. */
export const NODE_LINK_STATES = ['looking', 'ok', 'temp_failure', 'perm_failure'] as const;

/** A state of {@link NODE_LINK_STATES}. */
export type NodeLinkState = (typeof NODE_LINK_STATES)[number];

/** One link as the node reports it. */
export interface NodeLinkView {
  readonly identity: IdentityLink;
  readonly state: NodeLinkState;
  /** The node counts the link now (ok, or a temporary failure inside its grace period). */
  readonly bound: boolean;
  readonly observedAt?: string;
  readonly lastOkAt?: string;
  readonly nextCheckAt?: string;
  readonly method?: string;
  readonly reason?: string;
  /** The CID of the node's latest signed observation (`GET /v1/observations/{cid}`; not fetched here). */
  readonly observation?: string;
}

/** What the node said: `links` absent means a node that does not report link states. */
export interface NodeLinkStates {
  /** False when the node holds no manifest of the creator (404). */
  readonly known: boolean;
  readonly links: readonly NodeLinkView[] | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** One entry of `links`, or undefined when it is not of the documented shape (a newer or broken node). */
function viewOf(entry: unknown): NodeLinkView | undefined {
  if (!isObject(entry) || !isObject(entry.identity)) return undefined;
  const { type, id } = entry.identity;
  const state = entry.state;
  if (!isIdentityType(type) || typeof id !== 'string') return undefined;
  if (typeof state !== 'string' || !(NODE_LINK_STATES as readonly string[]).includes(state)) return undefined;
  const fields = {
    observedAt: optionalString(entry.observedAt),
    lastOkAt: optionalString(entry.lastOkAt),
    nextCheckAt: optionalString(entry.nextCheckAt),
    method: optionalString(entry.method),
    reason: optionalString(entry.reason),
    observation: optionalString(entry.observation),
  };
  return {
    identity: { type, id },
    state: state as NodeLinkState,
    bound: entry.bound === true,
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
  };
}

/**
 * Reads the node's link states for a creator. Entries not of the documented shape are left out.
 * @throws AssentError `GATEWAY_UNREACHABLE`, `GATEWAY_ERROR` (a body that is not JSON), or the gateway's code.
 */
export async function fetchNodeLinkStates(gateway: string, did: string): Promise<NodeLinkStates> {
  const answer = await gatewayRequest(
    gateway,
    `/v1/creators/${encodeURIComponent(did)}`,
    { headers: { accept: 'application/json' } },
    { allow404: true },
  );
  if (answer === undefined) return { known: false, links: undefined };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(answer.bytes));
  } catch (cause) {
    throw cliError('GATEWAY_ERROR', 'GET /v1/creators: the body is not JSON', cause);
  }
  if (!isObject(body) || !Array.isArray(body.links)) return { known: true, links: undefined };
  return { known: true, links: body.links.flatMap((entry) => viewOf(entry) ?? []) };
}
