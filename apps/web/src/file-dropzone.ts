import { h } from './element.js';

/** What a drop zone says and takes. */
export interface FileDropzoneOptions {
  /** The zone's id; its file input is `${id}-input`. */
  readonly id: string;
  /** The text before the button ("Drop … here, or"). */
  readonly prompt: string;
  /** The button's text, the input's accessible name. */
  readonly button: string;
  readonly accept?: string;
  readonly multiple?: boolean;
  readonly hint: string;
  /** Called with the files dropped or chosen (none are read here). */
  onFiles(files: File[]): void;
}

/**
 * A zone to drop files on, with a file input under a button-styled label: the input stays focusable
 * and the zone shows the focus ring while it has focus (README "Accessibility").
 */
export function fileDropzone(options: FileDropzoneOptions): HTMLElement {
  const inputId = `${options.id}-input`;
  const hintId = `${options.id}-hint`;
  const zone = h(
    'div',
    { class: 'dropzone', id: options.id },
    h('p', {}, options.prompt),
    h('label', { for: inputId, class: 'button-like' }, options.button),
    h('input', {
      type: 'file',
      id: inputId,
      class: 'file-input',
      accept: options.accept,
      multiple: options.multiple,
      'aria-describedby': hintId,
      onchange: (e: Event) => {
        const input = e.target as HTMLInputElement;
        const files = [...(input.files ?? [])];
        // Cleared, so choosing the same file again is a change too.
        input.value = '';
        if (files.length > 0) options.onFiles(files);
      },
    }),
    h('p', { class: 'hint', id: hintId }, options.hint),
  );
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length > 0) options.onFiles(options.multiple === true ? files : files.slice(0, 1));
  });
  return zone;
}
