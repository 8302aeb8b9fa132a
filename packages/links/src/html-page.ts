import { type AnyNode, type Document, type Element, hasChildren, isTag, isText } from 'domhandler';
import { parseDocument } from 'htmlparser2';

/**
 * Reading a page as a reader without JavaScript sees it: the server's HTML, parsed with htmlparser2.
 * What a script renders (JSON in `<script>`, hydration data, client-side templates) is not read: a
 * proof must be in the page text or the page's metadata, not in data a script may or may not show.
 */

/** Elements whose content is never page text: scripts and data, styles, templates, embedded content. */
const NOT_TEXT = new Set([
  'script',
  'style',
  'template',
  'head',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'textarea',
  'select',
  'input',
  'button',
]);
/** Elements that break text: their text never runs into the next element's. */
const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'noscript',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);
const HIDDEN_STYLE = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b/i;

/** Parses HTML bytes (UTF-8; invalid sequences become U+FFFD). */
export function parseHtml(bytes: Uint8Array): Document {
  return parseDocument(new TextDecoder('utf-8').decode(bytes));
}

/** Parses an HTML fragment (a Mastodon note or profile field). */
export function parseHtmlText(text: string): Document {
  return parseDocument(text);
}

/** The attribute of an element, or undefined. */
export function attr(element: Element, name: string): string | undefined {
  return element.attribs[name];
}

/** The space-separated tokens of an attribute, lower case (`rel`, `class`, `itemprop`). */
export function tokens(element: Element, name: string): string[] {
  return (attr(element, name) ?? '')
    .toLowerCase()
    .split(/[\t\n\f\r ]+/)
    .filter((t) => t !== '');
}

/** True for an element a reader does not see: `hidden`, `aria-hidden="true"`, `display: none`. */
function isHidden(element: Element): boolean {
  if (attr(element, 'hidden') !== undefined) return true;
  if (attr(element, 'aria-hidden')?.toLowerCase() === 'true') return true;
  return HIDDEN_STYLE.test(attr(element, 'style') ?? '');
}

/** Options of {@link visibleText} and {@link relMeHrefs}: a subtree to leave out. */
export interface ReadOptions {
  readonly skip?: (element: Element) => boolean;
}

/**
 * The text a reader sees under `root`: text nodes outside scripts, styles, templates, form controls and
 * hidden elements, block elements separated by a newline. Iterative, so a deeply nested page costs no
 * stack.
 */
export function visibleText(root: AnyNode, options: ReadOptions = {}): string {
  const parts: string[] = [];
  const stack: (AnyNode | '\n')[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode | '\n';
    if (node === '\n') {
      parts.push('\n');
      continue;
    }
    if (isText(node)) {
      parts.push(node.data);
      continue;
    }
    if (isTag(node)) {
      if (NOT_TEXT.has(node.name) || isHidden(node) || options.skip?.(node) === true) continue;
      if (BLOCK.has(node.name)) {
        parts.push('\n');
        stack.push('\n');
      }
    }
    if (hasChildren(node))
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as AnyNode);
  }
  return parts.join('');
}

/** Every element under `root` (document order) that `match` accepts. */
export function findAll(root: AnyNode, match: (element: Element) => boolean): Element[] {
  const found: Element[] = [];
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    if (isTag(node) && match(node)) found.push(node);
    if (hasChildren(node))
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as AnyNode);
  }
  return found;
}

/**
 * The `content` of `<meta>` elements whose `name`, `property` or `itemprop` is one of `keys`
 * (`description`, `og:description`, …), in document order: a page's own summary of itself, set by
 * the server.
 */
export function metaContents(root: AnyNode, keys: readonly string[]): string[] {
  const wanted = new Set(keys.map((k) => k.toLowerCase()));
  return findAll(
    root,
    (e) =>
      e.name === 'meta' &&
      ['name', 'property', 'itemprop'].some((a) => wanted.has((attr(e, a) ?? '').toLowerCase())),
  ).map((e) => attr(e, 'content') ?? '');
}

/**
 * The `href` of every `<a>` and `<link>` whose `rel` has the token `me`, in document order: the
 * elements Mastodon's VerifyLinkService selects (`//a[contains(concat(" ", normalize-space(@rel),
 * " "), " me ")]|//link[…]`). Link types are ASCII case-insensitive (HTML §4.6.7), so `ME` counts too.
 */
export function relMeHrefs(root: AnyNode, options: ReadOptions = {}): string[] {
  const hrefs: string[] = [];
  const stack: AnyNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    if (isTag(node)) {
      if (options.skip?.(node) === true) continue;
      if ((node.name === 'a' || node.name === 'link') && tokens(node, 'rel').includes('me')) {
        const href = attr(node, 'href');
        if (href !== undefined) hrefs.push(href.trim());
      }
    }
    if (hasChildren(node))
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as AnyNode);
  }
  return hrefs;
}

/** Class, id and microdata names of areas where other people write: comments, replies, guest books. */
const OTHERS_WRITE =
  /^(?:comments?|comment-.+|.+-comments?|repl(?:y|ies)|responses?|guestbook|u-comment|p-comment|h-cite|reviews?)$/;

/**
 * True for an element where other people's words appear (comments, replies, reviews): by its
 * microdata (`itemprop="comment"`), microformats (`h-cite`, `u-comment`) or its class or id. A
 * heuristic, used only by the generic page reader; per-platform readers read the bio alone.
 */
export function isOthersArea(element: Element): boolean {
  const names = [...tokens(element, 'itemprop'), ...tokens(element, 'class'), ...tokens(element, 'id')];
  return names.some((n) => OTHERS_WRITE.test(n));
}

/** base58btc, the alphabet of a did:key's key part: a token followed by one of these is a longer DID. */
const BASE58 = /[1-9A-HJ-NP-Za-km-z]/;

/**
 * True when `text` holds the proof token `assent:<did>` for exactly this DID: the token must not run on
 * into more base58 characters, which would make it a different, longer key.
 */
export function containsToken(text: string, did: string): boolean {
  const token = `assent:${did}`;
  for (let at = text.indexOf(token); at !== -1; at = text.indexOf(token, at + 1)) {
    const next = text[at + token.length];
    if (next === undefined || !BASE58.test(next)) return true;
  }
  return false;
}
