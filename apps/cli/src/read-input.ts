import { readFile } from 'node:fs/promises';
import { cliError } from './errors.js';

/** Reads a file the user named (`-` for stdin); failures are `FILE_UNREADABLE`. */
export async function readInput(path: string | undefined, what: string): Promise<Uint8Array> {
  if (path === undefined) throw cliError('USAGE', `missing ${what}`);
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    }
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw cliError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
}
