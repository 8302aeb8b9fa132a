/**
 * The character rules of C2SP signed-note §Format, shared by notes, vkeys and signature lines.
 */

/**
 * True when `text` holds an ASCII control character (below U+0020) other than newline, or a lone
 * surrogate (which has no UTF-8 encoding): signed notes "MUST be valid UTF-8 and MUST NOT contain any
 * ASCII control characters ... other than newline".
 */
export function hasForbiddenCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/**
 * Key names (signed-note §Format): non-empty, no Unicode spaces, no plus (U+002B). Spaces would break
 * the signature line and `+` the vkey; `\p{White_Space}` is the same set as Go's `unicode.IsSpace`,
 * which golang.org/x/mod/sumdb/note uses. Control characters and lone surrogates are refused too.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\p{White_Space}+]/u.test(name) && !hasForbiddenCharacter(name);
}
