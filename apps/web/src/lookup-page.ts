import {
  AssentError,
  isOrgId,
  parseCidString,
  TERM_LABELS,
  USE_TERMS,
  type UseTerm,
  type VerifiedManifest,
} from '@assent/manifest';
import {
  type CheckRequest,
  type CheckResult,
  createVerifier,
  gatewaySource,
  indexedDbState,
  memoryState,
  type Verifier,
} from '@assent/verifier';
import { readAudioFile } from './audio-file.js';
import { claimantList } from './claimant-list.js';
import { describeConditions, describeStatement } from './consent-form.js';
import { badge } from './decision-badge.js';
import { h, replace } from './element.js';
import { showError, showStatus } from './feedback.js';
import { formatDate } from './format-date.js';
import { fetchManifest, GatewayError, gatewayBase } from './gateway-client.js';
import { describeWorkId, workIdFromText } from './work-input.js';

/**
 * The public lookup page. Decisions come from the verifier SDK running in the page: the gateway only
 * supplies manifests, and this browser checks every signature and decides by itself.
 */

/** Uses in the order a reader expects: the specific ones first, `all` last. */
const LOOKUP_TERMS: readonly UseTerm[] = ['train-genai', 'train-ai', 'ai-input', 'tdm', 'search', 'all'];

let sharedVerifier: Verifier | undefined;
let persistent = true;
function verifier(): Verifier {
  // indexedDbState remembers the newest version seen per creator across visits, so a gateway cannot
  // roll one back; where IndexedDB is unavailable (some private modes) the memory lasts for the page.
  sharedVerifier ??= createVerifier({
    source: gatewaySource(gatewayBase().href.replace(/\/$/, '')),
    state: persistent ? indexedDbState({ name: 'assent-web-verifier' }) : memoryState(),
  });
  return sharedVerifier;
}

async function check(request: CheckRequest): Promise<CheckResult> {
  try {
    return await verifier().check(request);
  } catch (error) {
    if (!(persistent && error instanceof AssentError && error.code === 'STATE_UNAVAILABLE')) throw error;
    persistent = false;
    sharedVerifier = undefined;
    return verifier().check(request);
  }
}

export function lookupPage(): HTMLElement {
  const results = h('div', { id: 'lookup-results', 'aria-live': 'polite' });
  const queryId = 'lookup-query';
  const fileId = 'lookup-file';
  const dropzone = h(
    'div',
    { class: 'dropzone', id: 'lookup-dropzone' },
    h('p', {}, 'Or drop an audio file here, or'),
    h('label', { for: fileId, class: 'button-like' }, 'Choose a file'),
    h('input', {
      type: 'file',
      id: fileId,
      class: 'file-input',
      accept: 'audio/*,.mp3,.wav,.flac,.ogg,.opus,.m4a,.aac,.aif,.aiff',
      onchange: (e: Event) => {
        const input = e.target as HTMLInputElement;
        const file = input.files?.[0];
        if (file !== undefined) void lookupFile(file).finally(() => (input.value = ''));
      },
    }),
    h('p', { class: 'hint' }, 'The file is fingerprinted in this browser and never uploaded.'),
  );
  dropzone.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropzone.classList.add('over');
  });
  dropzone.addEventListener('dragleave', () => dropzone.classList.remove('over'));
  dropzone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropzone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file !== undefined) void lookupFile(file);
  });

  async function lookupFile(file: File): Promise<void> {
    showStatus(results, `Reading “${file.name}”…`);
    try {
      const audio = await readAudioFile(file);
      await showWork(audio.sha256, audio.isrc === undefined ? [] : [audio.isrc], file.name);
    } catch (error) {
      showError(results, error);
    }
  }

  /** The organisation asking, for grants limited to named licensees; undefined when left empty. */
  function orgOf(): string | undefined {
    const value = (form.elements.namedItem('org') as HTMLInputElement).value.trim();
    if (value === '') return undefined;
    const org = value.startsWith('did:') ? value : value.toLowerCase();
    if (!isOrgId(org))
      throw new Error(`“${value}” is not an organisation: use a domain (example.ai) or a DID.`);
    return org;
  }

  async function onSubmit(event: Event): Promise<void> {
    event.preventDefault();
    const text = (form.elements.namedItem('q') as HTMLInputElement).value.trim();
    if (text === '')
      return showError(results, new Error('Enter a link, an ISRC, a work id or a manifest CID.'));
    // A bare CID may be a manifest; if the registry holds no manifest by it, it is looked up as a work.
    if (parseCidString(text).ok) {
      showStatus(results, 'Fetching the manifest…');
      try {
        return showManifest(await fetchManifest(text));
      } catch (error) {
        if (!(error instanceof GatewayError && error.code === 'MANIFEST_NOT_FOUND'))
          return showError(results, error);
      }
    }
    const id = workIdFromText(text);
    if (!id.ok) return showError(results, new Error(id.message));
    await showWork(id.value, [], text);
  }

  /** Checks a work for every use; `also` are other ids of the same work (a file's ISRC). */
  async function showWork(primary: string, also: readonly string[], label: string): Promise<void> {
    showStatus(results, 'Checking signatures and deciding in this browser…');
    try {
      const org = orgOf();
      const ids = [primary, ...also];
      const perId = await Promise.all(
        ids.map((work) =>
          Promise.all(LOOKUP_TERMS.map((use) => check({ work, use, ...(org === undefined ? {} : { org }) }))),
        ),
      );
      replace(results, ...ids.map((id, i) => workResult(id, perId[i] ?? [], i === 0 ? label : undefined)));
      (results.querySelector('h2') as HTMLElement | null)?.focus();
    } catch (error) {
      showError(results, error);
    }
  }

  const form = h(
    'form',
    { id: 'lookup-form', role: 'search', onsubmit: (e: Event) => void onSubmit(e) },
    h('label', { for: queryId }, 'A link, an ISRC, a work id or a manifest CID'),
    h(
      'div',
      { class: 'inline' },
      h('input', {
        type: 'text',
        id: queryId,
        name: 'q',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: 'USRC17607839 or https://…',
      }),
      h('button', { type: 'submit', id: 'lookup-button' }, 'Look up'),
    ),
    h('label', { for: 'lookup-org' }, 'Your organisation (optional)'),
    h(
      'p',
      { class: 'hint', id: 'lookup-org-hint' },
      'Some creators allow a use only for named organisations. Enter yours (a domain such as example.ai, or a DID) to see what applies to you.',
    ),
    h('input', {
      type: 'text',
      id: 'lookup-org',
      name: 'org',
      autocomplete: 'organization',
      spellcheck: 'false',
      'aria-describedby': 'lookup-org-hint',
    }),
  );

  return h(
    'div',
    { class: 'page' },
    h('h1', {}, 'Look up a work'),
    h(
      'p',
      { class: 'lead' },
      'Find out what a work’s creator says about AI use: training, AI input, search and data mining.',
    ),
    form,
    dropzone,
    results,
  );
}

/** A grant that did not count for want of a binding, in plain words (docs/decisions.md §7 item 2). */
function insufficientBinding(checks: readonly CheckResult[]): HTMLElement | false {
  const uses = checks.filter((c) => c.rule === 'insufficient-binding');
  if (uses.length === 0) return false;
  return h(
    'div',
    { class: 'notice insufficient-binding' },
    h(
      'p',
      {},
      `Why “No answer” for ${uses.map((c) => TERM_LABELS[c.use]).join(', ')}: a signer allows it, but has not shown that this work is theirs.`,
    ),
    h(
      'p',
      {},
      'Anyone can sign a manifest and name any work. A permission counts only from a signer with a checked link to the profile page or website the work is published under (or, for an ISRC, a label or distributor this page trusts vouching for them). Until then the “yes” is not relied on. A “no” always counts.',
    ),
  );
}

function workResult(id: string, checks: readonly CheckResult[], label: string | undefined): HTMLElement {
  const { kind, value } = describeWorkId(id);
  const first = checks[0];
  const disputed = checks.some((c) => c.disputed);
  const named = checks.some((c) => c.evidence.length > 0);
  const section = h(
    'section',
    { class: 'result', 'data-work': id },
    h('h2', { tabindex: -1 }, label !== undefined && label !== id ? label : `${kind}: ${value}`),
    label !== undefined && label !== id && h('p', { class: 'hint' }, `${kind}: `, h('code', {}, value)),
    disputed &&
      h(
        'p',
        { class: 'warning', id: 'disputed' },
        'Disputed: more than one creator claims this work, or its creator published conflicting versions. The most restrictive answer is shown.',
      ),
    !named &&
      h(
        'p',
        { class: 'notice', id: 'no-claim' },
        'No creator has published consent for this work in this registry. “No answer” is not permission.',
      ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'decisions' },
        h('caption', {}, 'Decision for each use (verified in this browser)'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Use'),
            h('th', { scope: 'col' }, 'Decision'),
            h('th', { scope: 'col' }, 'Why'),
          ),
        ),
        h(
          'tbody',
          {},
          ...checks.map((c) =>
            h(
              'tr',
              { 'data-use': c.use },
              h('th', { scope: 'row' }, TERM_LABELS[c.use]),
              h('td', {}, badge(c.decision)),
              h(
                'td',
                {},
                c.conditions !== undefined && h('p', {}, `Conditions: ${describeConditions(c.conditions)}`),
                h('p', { class: 'reason' }, c.reason),
                ...c.warnings.map((w) => h('p', { class: 'warning' }, w.message)),
              ),
            ),
          ),
        ),
      ),
    ),
    insufficientBinding(checks),
    first !== undefined && claimantList(first),
  );
  // The signing time is in the manifest itself; fetch it (verified) for each manifest shown.
  for (const span of section.querySelectorAll<HTMLElement>('.signed-at')) {
    const cid = span.dataset.cid;
    if (cid === undefined) continue;
    void fetchManifest(cid)
      .then((m) => {
        span.textContent = ` · signed ${formatDate(m.manifest.proof?.created ?? m.manifest.validFrom)}`;
      })
      .catch(() => {});
  }
  return section;
}

function showManifestInto(results: HTMLElement, m: VerifiedManifest): void {
  const subject = m.manifest.credentialSubject;
  const defaults = subject.default ?? {};
  replace(
    results,
    h(
      'section',
      { class: 'result', 'data-manifest': m.cid },
      h('h2', { tabindex: -1 }, `Manifest, version ${m.version}`),
      h('p', { class: 'success' }, 'The signature is valid: checked in this browser.'),
      h(
        'dl',
        { class: 'summary' },
        h('dt', {}, 'Signed by'),
        h('dd', {}, h('code', { class: 'did' }, m.issuer)),
        h('dt', {}, 'Signed'),
        h('dd', {}, formatDate(m.manifest.proof?.created ?? m.manifest.validFrom)),
        h('dt', {}, 'Valid until'),
        h('dd', {}, m.manifest.validUntil === undefined ? 'No end date' : formatDate(m.manifest.validUntil)),
        h('dt', {}, 'CID'),
        h('dd', {}, h('a', { href: `v1/manifests/${m.cid}`, class: 'cid' }, m.cid)),
      ),
      h('h3', {}, 'Answers for all its works'),
      h(
        'dl',
        { class: 'summary' },
        ...USE_TERMS.flatMap((t) => [
          h('dt', {}, TERM_LABELS[t]),
          h('dd', {}, describeStatement(defaults[t])),
        ]),
      ),
      h(
        'h3',
        {},
        `Works (${subject.works.length}${subject.catalog === undefined ? '' : ' inline, more in catalog pages'})`,
      ),
      h(
        'ul',
        {},
        ...subject.works
          .slice(0, 200)
          .map((w) =>
            h('li', {}, w.title ?? '', ' ', ...w.ids.map((id) => h('code', { class: 'id' }, id, ' '))),
          ),
      ),
      h('p', { class: 'hint' }, 'A newer version may exist: look a work up to get its current answer.'),
    ),
  );
  (results.querySelector('h2') as HTMLElement | null)?.focus();
}

function showManifest(this: void, m: VerifiedManifest): void {
  const results = document.getElementById('lookup-results');
  if (results !== null) showManifestInto(results, m);
}
