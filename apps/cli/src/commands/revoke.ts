import { deriveNextDraft, isUseTerm, USE_TERMS, type UseTerm } from '@assent/manifest';
import type { Command } from '../context.js';
import { cliError } from '../errors.js';
import { gatewayUrl, publishToGateway } from '../gateway-client.js';
import { ownerOf, readKeystore } from '../keystore.js';
import { currentHead, saveSigned, snapshotOfHead } from '../manifest-store.js';
import { workIdFromText } from '../work-items.js';
import { signDraft } from './sign.js';

/** `assent revoke [--work ID ...] [--use TERM ...]` */
export const revoke: Command = {
  usage: `assent revoke [--work ID ...] [--use TERM ...] [--gateway URL] [--json]

Publishes the next version of your manifest with permissions withdrawn:
  --work ID --use TERM   deny TERM (and narrower terms) for those works
  --work ID              deny every use of those works (all)
  --use TERM             deny TERM (and narrower terms) for every work and in the default
The denial is written where it beats every broader grant: a work that allows train-ai stops allowing
train-genai after --use train-genai. Everything else stays as it was, catalog pages and end dates
included. Needs the gateway (it starts from the head it holds).

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
    const owner = ownerOf(await readKeystore(ctx.home));
    const head = (await currentHead(ctx, owner, gateway, { requireGateway: true })).manifest;
    if (head === undefined)
      throw cliError('MANIFEST_NOT_FOUND', `${owner.creator} has published no manifest yet`);
    const denied: UseTerm[] = uses.length === 0 ? ['all'] : uses;
    const next = deriveNextDraft(await snapshotOfHead(ctx, head, gateway), [
      { op: 'deny', uses: denied, ...(ids.length === 0 ? {} : { works: ids }) },
    ]);
    if (!next.ok) throw cliError(next.code, next.message);
    const signed = await signDraft(ctx, next.value, gateway, { head });
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
