import { extname } from 'node:path';
import { normalizeWorkId, type WorkId } from '@assent/manifest';

/** File types whose tags may carry an ISRC (ID3, Vorbis comments in FLAC/Ogg, MP4 atoms, RIFF/AIFF). */
export const AUDIO_EXTENSIONS = new Set([
  '.mp3',
  '.flac',
  '.m4a',
  '.mp4',
  '.aac',
  '.ogg',
  '.oga',
  '.opus',
  '.wav',
  '.aif',
  '.aiff',
  '.wma',
]);

/** What the tags of an audio file say about it. */
export interface AudioTags {
  readonly isrc: readonly WorkId[];
  readonly title?: string;
}

/**
 * Reads ISRCs (normalized) and the title from an audio file's tags with music-metadata, loaded only
 * when a command meets an audio file. Files with no or unreadable tags give no ISRC, never an error:
 * the file is still identified by its hash.
 */
export async function readAudioTags(path: string): Promise<AudioTags> {
  if (!AUDIO_EXTENSIONS.has(extname(path).toLowerCase())) return { isrc: [] };
  const { parseFile } = await import('music-metadata');
  try {
    const { common } = await parseFile(path, { duration: false, skipCovers: true });
    const isrc: WorkId[] = [];
    for (const raw of common.isrc ?? []) {
      const id = normalizeWorkId(`isrc:${raw.trim()}`);
      if (id.ok && !isrc.includes(id.value)) isrc.push(id.value);
    }
    return common.title === undefined || common.title === ''
      ? { isrc }
      : { isrc, title: common.title.slice(0, 512) };
  } catch {
    return { isrc: [] };
  }
}
