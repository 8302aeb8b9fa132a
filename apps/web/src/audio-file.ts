import { normalizeWorkId, sha256WorkId, type WorkId } from '@assent/manifest';
import { readId3Isrc } from './id3.js';

/** File name endings of the audio formats the app reads. */
export const AUDIO_EXTENSIONS = [
  'mp3',
  'wav',
  'flac',
  'ogg',
  'oga',
  'opus',
  'm4a',
  'aac',
  'aif',
  'aiff',
  'wma',
  'alac',
] as const;

/** The largest file hashed in the page (WebCrypto digests a whole buffer at once). */
export const MAX_AUDIO_BYTES = 1024 * 1024 * 1024;

/** What a dropped audio file identifies: its hash, and the ISRC of its tag when it has one. */
export interface AudioWork {
  readonly name: string;
  readonly title: string;
  readonly sha256: WorkId;
  readonly isrc: WorkId | undefined;
  /** The tag's ISRC text when it is not a valid ISRC (shown, not used). */
  readonly badIsrc: string | undefined;
}

/** Why a file could not be used. */
export class UnsupportedFileError extends Error {
  override readonly name = 'UnsupportedFileError';
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** True for a file the app treats as audio: an audio MIME type or a known audio extension. */
export function isAudioFile(file: Pick<File, 'name' | 'type'>): boolean {
  return (
    file.type.startsWith('audio/') || (AUDIO_EXTENSIONS as readonly string[]).includes(extensionOf(file.name))
  );
}

/** The SHA-256 work id of bytes, with WebCrypto. */
export async function sha256Of(bytes: Uint8Array<ArrayBuffer>): Promise<WorkId> {
  return sha256WorkId(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

/**
 * Reads an audio file in the page: SHA-256 of its bytes and the ISRC of its ID3 tag. The file never
 * leaves the browser.
 * @throws UnsupportedFileError for a file that is not audio, empty, too large or unreadable.
 */
export async function readAudioFile(file: File): Promise<AudioWork> {
  if (!isAudioFile(file)) {
    throw new UnsupportedFileError(
      `“${file.name}” is not an audio file this page can read. Use ${AUDIO_EXTENSIONS.slice(0, 6).join(', ')} or another audio format.`,
    );
  }
  if (file.size === 0) throw new UnsupportedFileError(`“${file.name}” is empty.`);
  if (file.size > MAX_AUDIO_BYTES) throw new UnsupportedFileError(`“${file.name}” is larger than 1 GB.`);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (cause) {
    throw new UnsupportedFileError(`“${file.name}” could not be read: ${(cause as Error).message}`);
  }
  const raw = readId3Isrc(bytes);
  const isrc = raw === undefined ? undefined : normalizeWorkId(`isrc:${raw}`);
  const dot = file.name.lastIndexOf('.');
  return {
    name: file.name,
    title: (dot > 0 ? file.name.slice(0, dot) : file.name).slice(0, 512),
    sha256: await sha256Of(bytes),
    isrc: isrc?.ok === true ? isrc.value : undefined,
    badIsrc: raw !== undefined && isrc?.ok !== true ? raw : undefined,
  };
}
