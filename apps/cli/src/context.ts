import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';

/** The default gateway (DESIGN §4). */
export const DEFAULT_GATEWAY = 'http://127.0.0.1:8787';

/** Terminal styling: ANSI colour only on a terminal, never with `NO_COLOR` or `--json`. */
export interface Style {
  readonly ok: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly bad: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly bold: (text: string) => string;
}

/** What a command runs with: where its data lives, how it prints. */
export interface Context {
  /** `$ASSENT_HOME`, else `~/.assent`: keystore, signed manifests, verifier state, node data. */
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  /** `--json`: one JSON document on stdout, nothing else there. */
  readonly json: boolean;
  readonly style: Style;
  /** stderr is a terminal: progress may be drawn there. */
  readonly interactive: boolean;
  /** Writes the command's result: `value` as JSON with `--json`, else the text. */
  emit(value: unknown, text: () => string): void;
  /** Writes text to stdout as it is (a draft, a signed manifest, a report). */
  write(text: string): void;
  /** stdout itself, for output written as it is made (a scan report), with backpressure. */
  readonly stdout: NodeJS.WritableStream;
  /** A message for the person at the terminal (stderr; kept out of stdout so pipes stay clean). */
  note(text: string): void;
}

/** A command: its help (with an example), its flags, and what it does. Returns the exit code. */
export interface Command {
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>, positionals: string[], ctx: Context): Promise<number>;
}

const plain = (text: string) => text;
const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

/** Builds the context of one invocation. */
export function createContext(options: {
  json: boolean;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}): Context {
  const { env, stdout, stderr, json } = options;
  const colour = !json && stdout.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const style: Style = colour
    ? { ok: ansi(32, 39), warn: ansi(33, 39), bad: ansi(31, 39), dim: ansi(2, 22), bold: ansi(1, 22) }
    : { ok: plain, warn: plain, bad: plain, dim: plain, bold: plain };
  const home =
    env.ASSENT_HOME !== undefined && env.ASSENT_HOME !== '' ? env.ASSENT_HOME : join(homedir(), '.assent');
  return {
    home,
    env,
    json,
    style,
    interactive: stderr.isTTY === true,
    stdout,
    emit(value, text) {
      stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
    },
    write(text) {
      stdout.write(text);
    },
    note(text) {
      stderr.write(`${text}\n`);
    },
  };
}
