import {
  childrenOf,
  isUseTerm,
  type Policy,
  type Statement,
  USE_TERMS,
  type UseTerm,
} from '@assent/manifest';
import type { Command } from '../context.js';
import { cliError } from '../errors.js';
import { gatewayUrl, publishToGateway } from '../gateway-client.js';
import { currentHead, draftOf, saveSigned } from '../manifest-store.js';
import { unlockIdentity } from '../passphrase.js';
import { workIdFromText } from '../work-items.js';
import { signDraft } from './sign.js';

/** The term and every term under it (`train-ai` → `train-genai`). */
function withDescendants(term: UseTerm): UseTerm[] {
  return [term, ...childrenOf(term).flatMap(withDescendants)];
}

/** A policy with `uses` denied: their statements and those of every narrower term become `deny`. */
function denyIn(policy: Policy | undefined, uses: readonly UseTerm[], always: boolean): Policy | undefined {
  const next: Partial<Record<UseTerm, Statement>> = { ...policy };
  for (const use of uses) {
    for (const term of withDescendants(use)) if (next[term] !== undefined) next[term] = 'deny';
    if (always) next[use] = 'deny';
  }
  return Object.keys(next).length === 0 ? undefined : (next as Policy);
}

/** `assent revoke [--work ID ...] [--use TERM ...]` */
export const revoke: Command = {
  usage: `assent revoke [--work ID ...] [--use TERM ...] [--gateway URL] [--json]

Publishes the next version of your manifest with permissions withdrawn:
  --work ID --use TERM   deny TERM (and narrower terms) for those works
  --work ID              deny every use of those works (all)
  --use TERM             deny TERM for every work and in the default
Everything else stays as it was. Needs the gateway (it starts from the head it holds).

Example (withdraw AI input everywhere):
  assent revoke --use ai-input`,
  options: {
    work: { type: 'string', multiple: true },
    use: { type: 'string', multiple: true },
    gateway: { type: 'string' },
  },
  async run(values, _positionals, ctx) {
    const workArgs = (values.work as string[] | undefined) ?? [];
    const uses = ((values.use as string[] | undefined) ?? [])
      .flatMap((u) => u.split(','))
      .map((u) => {
        if (!isUseTerm(u))
          throw cliError('USAGE', `--use ${u}: not a use term; one of ${USE_TERMS.join(', ')}`);
        return u;
      });
    if (workArgs.length === 0 && uses.length === 0)
      throw cliError('USAGE', 'name what to revoke: --work ID and/or --use TERM');
    const ids = workArgs.map((w) => {
      const item = workIdFromText(w, w);
      if (item.error !== undefined || item.ids[0] === undefined)
        throw cliError(item.error?.code ?? 'USAGE', item.error?.message ?? w);
      return item.ids[0];
    });
    const gateway = gatewayUrl(values, ctx);
    const identity = await unlockIdentity(ctx);
    const head = (await currentHead(ctx, identity.did, gateway, { requireGateway: true })).manifest;
    if (head === undefined)
      throw cliError('MANIFEST_NOT_FOUND', `${identity.did} has published no manifest yet`);
    const draft = await draftOf(ctx, head, gateway);
    const denied = uses.length === 0 ? (['all'] as UseTerm[]) : uses;
    if (ids.length === 0) {
      for (const work of draft.works) {
        const policy = denyIn(work.policy, denied, false);
        if (policy === undefined) delete work.policy;
        else work.policy = policy;
      }
      draft.default = denyIn(draft.default, denied, true) as Policy;
    } else {
      for (const id of ids) {
        let work = draft.works.find((w) => w.ids.includes(id));
        if (work === undefined) {
          work = { ids: [id] };
          draft.works.push(work);
        }
        work.policy = denyIn(work.policy, denied, true) as Policy;
      }
    }
    const signed = await signDraft(ctx, draft, gateway, { head });
    const receipt = await publishToGateway(gateway, signed, signed.pages);
    await saveSigned(ctx.home, signed);
    ctx.emit(
      { ...receipt, previous: head.cid, revoked: { works: ids, uses: denied } },
      () =>
        `${ctx.style.ok('Revoked')} ${denied.join(', ')}${ids.length === 0 ? '' : ` for ${ids.length} work(s)`}: version ${receipt.version} ${receipt.cid}`,
    );
    return 0;
  },
};
