import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** What `user create` reads a password from: a pipe, a file, or a terminal it turns echo off on. */
export interface PasswordInput extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** A password arrives as a line: everything up to the first line break (CRLF too). */
const firstLine = (text: string) => text.split(/\r?\n/, 1)[0] ?? '';

/** The first line of `file` (relative to `cwd`); its trailing line break is not part of the password. */
export async function passwordFromFile(file: string, cwd: string): Promise<string> {
  return firstLine(await readFile(resolve(cwd, file), 'utf8'));
}

/** The first line of a piped stdin (at most 4 KiB are read). */
export async function passwordFromPipe(input: PasswordInput): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  return firstLine(text);
}

/**
 * Asks on a terminal with echo off (raw mode): the typed characters are never shown. Backspace
 * edits, Enter ends, Ctrl-C or Ctrl-D gives up (undefined).
 */
export function passwordFromTerminal(
  input: PasswordInput,
  prompt: (text: string) => void,
  question: string,
): Promise<string | undefined> {
  prompt(question);
  input.setRawMode?.(true);
  // Events, not an async iterator: leaving one destroys stdin, and the question comes twice.
  return new Promise((done) => {
    let typed = '';
    const finish = (value: string | undefined) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      prompt('\n');
      done(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(typed);
        if (char === '\u0003' || char === '\u0004') return finish(undefined);
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
