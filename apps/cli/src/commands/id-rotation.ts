import {
  AssentError,
  checkChain,
  deriveNextDraft,
  generateIdentity,
  generateRecoveryKey,
  type Identity,
  nextKeyHashOfDid,
  parseDidKey,
  type RecoveryKey,
  recoveryIdentityOf,
  type SignedManifest,
  signManifest,
  type VerifiedManifest,
  verifyManifest,
} from '@assent/manifest';
import type { Command, Context } from '../context.js';
import { cliError, exitCodeOf } from '../errors.js';
import {
  fetchCreatorHistory,
  fetchManifest,
  gatewayUrl,
  type PublishReceipt,
  type VersionRef,
} from '../gateway-client.js';
import {
  type KeystorePublicPart,
  keystorePath,
  openKeystoreKeys,
  ownerOf,
  publicPartOf,
  readKeystore,
  removePrivateFile,
  sealIdentity,
} from '../keystore.js';
import { knownVersions, recordVersions } from '../known-versions.js';
import { currentHead, loadBlock, pagesAtHand, saveSigned, snapshotOfHead } from '../manifest-store.js';
import { canPrompt, passphrase, promptLine } from '../passphrase.js';
import {
  assertNoPendingRotation,
  installPendingRotation,
  type PendingRotation,
  pendingRotationPath,
  publishRotation,
  readPendingRotation,
  writePendingRotation,
} from '../rotation-pending.js';
import { confirmReplace, existingKeystore, recoverySheet } from './id.js';

/**
 * `assent id rotate` and `assent id recover`: the creator's key changes of manifest spec §5.5 (issue
 * #20, DESIGN-TRUST §2.3). Both sign a rotation on top of a version of the creator's chain, carrying
 * its consent state unchanged, check the step locally with `checkChain`, and publish it; the keystore
 * changes only once a node accepted it (rotation-pending.ts keeps the new keys meanwhile).
 */

/** What one rotation is made of. */
interface RotationPlan {
  readonly kind: 'rotation' | 'recovery';
  readonly gateway: string;
  /** The version it builds on: the head, or an earlier version for a recovery fork. */
  readonly base: VerifiedManifest;
  /** The committed key that signs it, and that the keystore holds afterwards. */
  readonly signer: Identity;
  /** The keys it commits to, the fresh next key's hash first. */
  readonly nextKeyHashes: readonly string[];
  /** The fresh next key the keystore seals afterwards. */
  readonly nextKey: Identity;
  /** The keystore's public part to keep (name, date); creator and commitment are set here. */
  readonly keep: KeystorePublicPart;
  /** The passphrase the new keystore is sealed with. */
  readonly secret: string;
  /** The key of `identity.json` now, which the new keystore replaces (null: none). */
  readonly replaces: string | null;
}

/**
 * Signs a rotation as planned, checks it against its base (`checkChain`, spec §5.2, §5.5), keeps the
 * new keystore pending, publishes it, and installs the keystore once the node accepted it. `accepted`
 * runs between the two (the recovery sheet is printed there: a sheet for a refused rotation would be
 * worthless, and the keys it needs are already on disk).
 */
async function rotate(
  ctx: Context,
  plan: RotationPlan,
  accepted?: (signed: SignedManifest, receipt: PublishReceipt) => void,
): Promise<{ signed: SignedManifest; receipt: PublishReceipt }> {
  const { base, signer, gateway } = plan;
  // Spec §5.4: a rotation changes keys, not consent: the base's state is carried as it is.
  const draft = deriveNextDraft(await snapshotOfHead(ctx, base, gateway), []);
  if (!draft.ok) throw new AssentError(draft.code, draft.message);
  const signed = await signManifest(draft.value, {
    identity: signer,
    head: base,
    rotation: true,
    nextKeyHashes: plan.nextKeyHashes,
  });
  const chain = checkChain(base, signed);
  if (!chain.ok)
    throw new AssentError(
      chain.code,
      `${chain.message}: version ${base.version} (${base.cid}) commits to ${base.keyState?.nextKeyHashes.join(', ') ?? 'no key'}, not to ${nextKeyHashOfDid(signer.did)} (${plan.kind === 'recovery' ? 'the key of these words' : "this keystore's next key"}); nothing was published`,
    );
  const keystore = await sealIdentity(
    signer,
    plan.secret,
    { ...plan.keep, creator: signed.creator, nextKeyHashes: plan.nextKeyHashes },
    plan.nextKey,
  );
  const pending: PendingRotation = {
    type: 'AssentPendingRotation',
    kind: plan.kind,
    cid: signed.cid,
    version: signed.version,
    replaces: plan.replaces,
    keystore,
  };
  await writePendingRotation(ctx.home, pending);
  await saveSigned(ctx.home, signed);
  await recordVersions(ctx.home, [
    {
      cid: signed.cid,
      version: signed.version,
      creator: signed.creator,
      issuer: signed.issuer,
      source: plan.kind,
    },
  ]);
  const receipt = await publishRotation(ctx, gateway, pending, signed, signed.pages);
  accepted?.(signed, receipt);
  await installPendingRotation(ctx.home, pending);
  return { signed, receipt };
}

/**
 * Finishes a rotation left pending (the node's answer never came): installs its keystore when the
 * gateway holds the rotation or accepts it now; drops it when the node refuses it or nobody holds it.
 */
async function finishPending(ctx: Context, gateway: string, pending: PendingRotation): Promise<number> {
  let receipt: PublishReceipt | undefined;
  if ((await fetchManifest(gateway, pending.cid)) === undefined) {
    const bytes = await loadBlock(ctx.home, pending.cid);
    const verified = bytes === undefined ? undefined : await verifyManifest(bytes);
    if (verified === undefined || !verified.ok) {
      await removePrivateFile(pendingRotationPath(ctx.home));
      throw cliError(
        'MANIFEST_NOT_FOUND',
        `the pending ${pending.kind} ${pending.cid} is neither on ${gateway} nor on this machine: it was dropped, and the keystore is unchanged`,
      );
    }
    receipt = await publishRotation(
      ctx,
      gateway,
      pending,
      verified.value,
      await pagesAtHand(ctx.home, verified.value),
    );
  }
  await installPendingRotation(ctx.home, pending);
  ctx.emit(
    {
      finished: pending.kind,
      cid: pending.cid,
      version: pending.version,
      did: pending.keystore.did,
      creator: pending.keystore.creator ?? pending.keystore.did,
      gateway,
      created: receipt?.created ?? false,
    },
    () =>
      `${ctx.style.ok('Finished')} the ${pending.kind} of version ${pending.version} (${pending.cid}): the keystore now holds ${pending.keystore.did}${
        pending.kind === 'recovery'
          ? '\nIf its recovery sheet was never shown, make a new one now: assent id rotate --new-recovery'
          : ''
      }`,
  );
  return 0;
}

/** `assent id rotate [--new-recovery]` */
export const rotateIdentity: Command = {
  usage: `assent id rotate [--new-recovery] [--gateway URL] [--json]

Rotates your key, as planned, with the current key at hand: signs the next version of your creator
with the next key your keystore seals (the key your manifests committed to), on top of the gateway's
head, with your consent state unchanged, committing to a fresh next key and to the same recovery key
(--new-recovery: to a fresh one, shown once as a new recovery sheet; use it when the old sheet is
lost or may have been seen). Checks the step locally (NEXT_KEY_NOT_COMMITTED when the head does not
commit to the keystore's next key), publishes it, and only once the node accepted it writes the
keystore: your current key is then the old next key, beside a fresh sealed next key. The old key is
spent and kept nowhere.

Until the node answers, the new keystore waits in $ASSENT_HOME/rotation-pending.json (mode 0600), so
a crash loses no key. If the answer never came, commands that sign stop with ROTATION_PENDING and
assent id rotate finishes that rotation first (publishing it again is harmless).

A keystore without a sealed next key (made before assent id rotate existed) cannot rotate this way:
NEXT_KEY_MISSING; recover with your 24 words instead (assent id recover).

Example:
  assent id rotate`,
  options: { gateway: { type: 'string' }, 'new-recovery': { type: 'boolean' } },
  async run(values, _positionals, ctx) {
    const gateway = gatewayUrl(values, ctx);
    const pending = await readPendingRotation(ctx.home);
    if (pending !== undefined) return finishPending(ctx, gateway, pending);
    const keystore = await readKeystore(ctx.home);
    if (!keystore.hasNextKey)
      throw cliError(
        'NEXT_KEY_MISSING',
        `${keystore.did} has no sealed next key in ${keystorePath(ctx.home)} (it was made before assent id rotate): rotate with your recovery phrase instead, assent id recover`,
      );
    const secret = await passphrase(ctx, { purpose: `${keystore.did.slice(0, 20)}…` });
    const { identity, nextKey } = await openKeystoreKeys(keystore, secret);
    if (nextKey === undefined) throw cliError('NEXT_KEY_MISSING', `${keystore.did} has no sealed next key`);
    const owner = ownerOf(keystore);
    const base = (await currentHead(ctx, owner, gateway, { requireGateway: true })).manifest;
    if (base === undefined)
      throw cliError(
        'MANIFEST_NOT_FOUND',
        `${owner.creator} has published no manifest on ${gateway} yet: there is nothing to rotate (your first manifest will commit to your keys)`,
      );
    if (!(await knownVersions(ctx.home)).has(base.cid))
      ctx.note(
        ctx.style.warn(
          `warning: the head, version ${base.version} (${base.cid}), was not made on this device, and the rotation carries its consent state; if it is not yours, recover from an earlier version instead (assent id recover --from VERSION)`,
        ),
      );
    const fresh = await generateIdentity();
    const recovery = values['new-recovery'] === true ? await generateRecoveryKey() : undefined;
    const used = nextKeyHashOfDid(nextKey.did);
    // The keys committed beside the one used now (the recovery key) stay committed (DESIGN-TRUST §2.3).
    const carried =
      recovery === undefined
        ? (base.keyState?.nextKeyHashes ?? []).filter((hash) => hash !== used)
        : [nextKeyHashOfDid(recovery.identity.did)];
    const nextKeyHashes = [nextKeyHashOfDid(fresh.did), ...carried];
    const { signed, receipt } = await rotate(ctx, {
      kind: 'rotation',
      gateway,
      base,
      signer: nextKey,
      nextKeyHashes,
      nextKey: fresh,
      keep: publicPartOf(keystore),
      secret,
      replaces: keystore.did,
    });
    const summary = {
      creator: signed.creator,
      did: signed.issuer,
      from: identity.did,
      cid: signed.cid,
      version: signed.version,
      previous: base.cid,
      nextKeyHashes,
      gateway,
      created: receipt.created,
      ...(recovery === undefined ? {} : { recoveryPhrase: recovery.phrase }),
    };
    if (ctx.json) {
      ctx.emit(summary, () => '');
      return 0;
    }
    ctx.write(
      `${[
        `${ctx.style.ok('Rotated')} ${identity.did} → ${signed.issuer}: version ${signed.version} ${signed.cid} on ${gateway}`,
        ctx.style.dim(`The keystore holds ${signed.issuer} now, and a fresh sealed next key.`),
        ...(recovery === undefined
          ? []
          : ['', sheetOf(signed.creator, publicPartOf(keystore).name, recovery)]),
      ].join('\n')}\n`,
    );
    if (recovery !== undefined)
      ctx.note(
        ctx.style.warn('Write down the 24 words now: they are shown only this once. The old sheet is spent.'),
      );
    return 0;
  },
};

function sheetOf(creator: string, name: string | undefined, recovery: RecoveryKey): string {
  return recoverySheet({ creator, name, created: new Date().toISOString(), phrase: recovery.phrase });
}

/** The recovery phrase: `ASSENT_RECOVERY_PHRASE`, else typed on the terminal (never stored). */
async function recoveryPhrase(ctx: Context): Promise<string> {
  const fromEnv = ctx.env.ASSENT_RECOVERY_PHRASE;
  if (fromEnv !== undefined) return fromEnv;
  if (!canPrompt())
    throw cliError(
      'USAGE',
      'no terminal to type the recovery phrase on: set ASSENT_RECOVERY_PHRASE to the 24 words',
    );
  // Echoed: the words are read off paper, and a typo must be seen. Once the recovery is published
  // they recover nothing any more.
  return promptLine('Recovery phrase (the 24 words of your recovery sheet, in order): ');
}

/** The version to build on: `--from VERSION|CID`, else the newest; of several, one committing to `key`. */
async function recoveryBase(
  gateway: string,
  creator: string,
  listed: { heads: readonly VersionRef[]; history: readonly VersionRef[] },
  from: string | undefined,
  key: string,
): Promise<VerifiedManifest> {
  let refs: readonly VersionRef[];
  if (from === undefined) refs = listed.heads;
  else if (/^\d+$/.test(from)) refs = listed.history.filter((r) => r.version === Number(from));
  else refs = listed.history.filter((r) => r.cid === from);
  if (refs.length === 0)
    throw cliError(
      'MANIFEST_NOT_FOUND',
      `${gateway} lists no version ${from ?? '(no heads)'} of ${creator}${from === undefined ? '' : ' (--from takes a version number or a CID of its history)'}`,
    );
  const committed = nextKeyHashOfDid(key);
  const candidates: VerifiedManifest[] = [];
  for (const ref of [...refs].sort((a, b) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0))) {
    const manifest = await fetchManifest(gateway, ref.cid);
    if (manifest === undefined) continue;
    if (manifest.creator !== creator)
      throw cliError(
        'GATEWAY_ERROR',
        `the gateway lists ${ref.cid} for ${creator}, but it is not that creator's`,
      );
    candidates.push(manifest);
  }
  const committing = candidates.filter((m) => m.keyState?.nextKeyHashes.includes(committed));
  // Two branches at that version (a fork, a thief's version beside the creator's): which one to keep
  // is the creator's choice, never this tool's.
  if (committing.length > 1)
    throw cliError(
      'USAGE',
      `${from === undefined ? `the head of ${creator} is forked` : `version ${from} of ${creator} has several branches`}: name the one to build on with --from CID (${committing.map((m) => `${m.cid} signed by ${m.issuer}`).join('; ')})`,
    );
  const base = committing[0] ?? candidates[0];
  if (base === undefined)
    throw cliError(
      'MANIFEST_NOT_FOUND',
      `${gateway} lists version ${refs[0]?.version} of ${creator} but serves none of it`,
    );
  return base;
}

/** The CIDs of `cid` and every version before it, by `previous`, in a history. */
function ancestry(history: readonly VersionRef[], cid: string): Set<string> {
  const byCid = new Map(history.map((r) => [r.cid, r]));
  const line = new Set<string>();
  for (let at: string | undefined = cid; at !== undefined && !line.has(at); at = byCid.get(at)?.previous)
    line.add(at);
  return line;
}

/** `assent id recover [--creator DID] [--from VERSION|CID]` */
export const recoverIdentity: Command = {
  usage: `assent id recover [--creator DID] [--from VERSION|CID] [--name N] [--force [--confirm DID]] [--gateway URL] [--json]

Takes your identity back with the 24 words of your recovery sheet, when your key is lost or stolen.
The words are typed on the terminal or read from ASSENT_RECOVERY_PHRASE; they are never stored. The
creator is --creator (any key it signed with), else the one of the keystore in $ASSENT_HOME.

Signs a rotation with the recovery key the words write down, on top of the creator's head on the
gateway, or with --from on top of an earlier version (a version number or CID of its history): that
forks away from what came after it, such as versions a thief made with a stolen key: verifiers weigh
the two branches as a fork (the most restrictive decides), and a loosening counts only 72 hours after
a node first logged it (docs/decisions.md §2.3). The consent state of the version built on is carried unchanged. The rotation commits to a
fresh next key and a fresh recovery key. It is checked here first: RECOVERY_PHRASE_INVALID for words
that are not a recovery phrase, NEXT_KEY_NOT_COMMITTED when the version built on does not commit to
their key (another creator's sheet, or a sheet a rotation replaced).

Once a node accepted it, the new recovery sheet is printed (--json: recoveryPhrase, for the caller to
store), and a new keystore is written, sealed with a new passphrase (asked twice, or
ASSENT_PASSPHRASE). Then a planned rotation follows at once, so that the key of the words you typed,
which this computer has seen, signs nothing more: your keystore ends with a fresh key and a fresh
sealed next key, and the old sheet is spent. A keystore of another creator in $ASSENT_HOME is replaced
only with --force and a typed confirmation, as for assent id create; one of the same creator is
replaced without (its key is the one being recovered from).

Example:
  assent id recover --creator did:key:z6Mk… --from 3`,
  options: {
    creator: { type: 'string' },
    from: { type: 'string' },
    name: { type: 'string' },
    force: { type: 'boolean' },
    confirm: { type: 'string' },
    gateway: { type: 'string' },
  },
  async run(values, _positionals, ctx) {
    const gateway = gatewayUrl(values, ctx);
    await assertNoPendingRotation(ctx.home);
    const existing = await existingKeystore(ctx);
    const asked =
      (values.creator as string | undefined) ??
      (existing === undefined ? undefined : ownerOf(existing).creator);
    if (asked === undefined)
      throw cliError('USAGE', `no identity in ${ctx.home}: name the creator to recover with --creator DID`);
    const parsed = parseDidKey(asked);
    if (!parsed.ok) throw new AssentError(parsed.code, `--creator: ${parsed.message}`);
    const from = values.from as string | undefined;
    if (from !== undefined && !/^(\d{1,10}|[a-z0-9]{8,})$/.test(from))
      throw cliError('USAGE', `--from takes a version number or a CID, not ${JSON.stringify(from)}`);
    const phrase = await recoveryPhrase(ctx);
    const recovered = await recoveryIdentityOf(phrase);
    if (!recovered.ok) throw new AssentError(recovered.code, recovered.message);
    const signer = recovered.value;
    const listed = await fetchCreatorHistory(gateway, asked);
    if (listed === undefined)
      throw cliError(
        'MANIFEST_NOT_FOUND',
        `${gateway} holds no manifest of ${asked}: nothing to recover there`,
      );
    const creator = listed.creator;
    // Another creator's keystore is replaced only as id create replaces it; this creator's is what we recover.
    if (existing !== undefined && ownerOf(existing).creator !== creator) await confirmReplace(ctx, values);
    const base = await recoveryBase(gateway, creator, listed, from, signer.did);
    // Checked before the passphrase is asked: words that cannot sign here need no new keystore.
    if (!base.keyState?.nextKeyHashes.includes(nextKeyHashOfDid(signer.did)))
      throw cliError(
        'NEXT_KEY_NOT_COMMITTED',
        `version ${base.version} of ${creator} (${base.cid}) does not commit to the key of these words (${nextKeyHashOfDid(signer.did)}): they are another creator's recovery phrase, or one a rotation replaced; nothing was published`,
      );
    const secret = await passphrase(ctx, { confirm: true, purpose: 'new keystore' });
    const next = await generateIdentity();
    const recovery = await generateRecoveryKey();
    const recoveryKeyHash = nextKeyHashOfDid(recovery.identity.did);
    // The same creator's keystore lends its name and date; another creator's, nothing.
    const same = existing !== undefined && ownerOf(existing).creator === creator ? existing : undefined;
    const name = (values.name as string | undefined) ?? same?.name;
    const keep: KeystorePublicPart = {
      ...(name === undefined ? {} : { name }),
      ...(same?.created === undefined ? {} : { created: same.created }),
    };
    const sheet = (created: string) => recoverySheet({ creator, name, created, phrase: recovery.phrase });
    const recoveredVersion = await rotate(
      ctx,
      {
        kind: 'recovery',
        gateway,
        base,
        signer,
        nextKeyHashes: [nextKeyHashOfDid(next.did), recoveryKeyHash],
        nextKey: next,
        keep,
        secret,
        replaces: existing?.did ?? null,
      },
      (signed) => {
        if (!ctx.json)
          ctx.write(
            `${[
              `${ctx.style.ok('Recovered')} ${creator}: version ${signed.version} ${signed.cid} on ${gateway}, built on version ${base.version}`,
              '',
              sheet(new Date().toISOString()),
              '',
            ].join('\n')}\n`,
          );
      },
    );
    // The history the recovery built on is the creator's; the rest was known and left behind.
    const line = ancestry(listed.history, base.cid);
    await recordVersions(
      ctx.home,
      listed.history.map((r) => ({
        cid: r.cid,
        version: r.version,
        creator,
        source: line.has(r.cid) ? 'adopted' : 'disowned',
      })),
    );
    // The key of the words was typed on this computer: move on to a fresh one now, so that it signs
    // nothing more and the old sheet is spent (the same planned rotation as assent id rotate).
    const fresh = await generateIdentity();
    let rotated: { signed: SignedManifest; receipt: PublishReceipt } | undefined;
    let rotationError: { code: string; message: string } | undefined;
    try {
      rotated = await rotate(ctx, {
        kind: 'rotation',
        gateway,
        base: recoveredVersion.signed,
        signer: next,
        nextKeyHashes: [nextKeyHashOfDid(fresh.did), recoveryKeyHash],
        nextKey: fresh,
        keep,
        secret,
        replaces: signer.did,
      });
    } catch (error) {
      rotationError = {
        code: (error as { code?: string }).code ?? 'INTERNAL',
        message: (error as Error).message,
      };
    }
    const recoveredSigned = recoveredVersion.signed;
    const summary = {
      creator,
      did: rotated?.signed.issuer ?? signer.did,
      recovery: {
        cid: recoveredSigned.cid,
        version: recoveredSigned.version,
        previous: base.cid,
        issuer: signer.did,
        forked: recoveredVersion.receipt.forked,
      },
      rotation:
        rotated === undefined
          ? { error: rotationError }
          : { cid: rotated.signed.cid, version: rotated.signed.version, issuer: rotated.signed.issuer },
      nextKeyHashes:
        rotated === undefined
          ? [nextKeyHashOfDid(next.did), recoveryKeyHash]
          : rotated.signed.keyState?.nextKeyHashes,
      recoveryKeyHash,
      keystore: keystorePath(ctx.home),
      gateway,
      recoveryPhrase: recovery.phrase,
    };
    if (ctx.json) ctx.emit(summary, () => '');
    else if (rotated !== undefined)
      ctx.write(
        `${ctx.style.ok('Rotated')} to a fresh key: version ${rotated.signed.version} ${rotated.signed.cid}; the keystore holds ${rotated.signed.issuer} and a fresh sealed next key.\n`,
      );
    ctx.note(
      ctx.style.warn(
        'Write down the 24 words of the new sheet now: they are shown only this once. The old sheet is spent.',
      ),
    );
    if (rotationError !== undefined) {
      ctx.note(
        `${ctx.style.bad(`error ${rotationError.code}`)}: the recovery stands, but moving on from the key of the words failed: ${rotationError.message}. Run assent id rotate.`,
      );
      return exitCodeOf(rotationError.code);
    }
    return 0;
  },
};
