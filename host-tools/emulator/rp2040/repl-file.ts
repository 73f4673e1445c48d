// Writes a text file to an emulated Pico's LittleFS through Kaluma's REPL (`require('fs').writeFile`), as
// a user provisions a board by hand (docs/boards.md): the text goes in pieces that fit the REPL's
// 1,024-byte line, each as a JSON string literal, so quotes and backslashes survive.
import type { ReplSession } from './repl-session';

/** Characters of the file per REPL line; with JSON escaping and the assignment it stays under 1,024. */
const CHUNK_CHARS = 400;
/** A provisioning file is a few KB (docs/boards.md); refuse what would take the REPL minutes. */
export const REPL_FILE_CHARS_MAX = 65536;

export async function writeFileThroughRepl(session: ReplSession, path: string, text: string, boardMsPerLine = 5000): Promise<void> {
  if (text.length > REPL_FILE_CHARS_MAX) throw new Error(`REPL_FILE_TOO_LARGE: ${text.length} characters; at most ${REPL_FILE_CHARS_MAX} through the REPL`);
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error('REPL_FILE_NOT_ASCII: only printable ASCII goes through the REPL unchanged');
  await session.evaluate("(globalThis.__file = '', 0)", boardMsPerLine);
  for (let at = 0; at < text.length; at += CHUNK_CHARS) {
    const length = await session.evaluate(`(__file += ${JSON.stringify(text.slice(at, at + CHUNK_CHARS))}).length`, boardMsPerLine);
    if (Number(length) !== Math.min(text.length, at + CHUNK_CHARS)) throw new Error(`REPL_FILE_LOST: the board holds ${length} characters after ${at + CHUNK_CHARS}`);
  }
  const written = await session.evaluate(`(require('fs').writeFile(${JSON.stringify(path)}, new TextEncoder().encode(__file)), delete globalThis.__file, require('fs').readFile(${JSON.stringify(path)}).length)`, boardMsPerLine);
  if (Number(written) !== text.length) throw new Error(`REPL_FILE_LOST: ${path} has ${written} bytes, expected ${text.length}`);
}
