/** The --api-key-file: one key a line; blank lines and lines starting with # are skipped. */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';

export async function loadApiKeys(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the API key file (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message})`, { cause: err });
  }
  const keys = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (keys.length === 0) throw new InputError(`${file}: no API key in it (expected one key a line; lines starting with # are comments)`);
  const short = keys.findIndex((k) => k.length < 16);
  if (short >= 0) throw new InputError(`${file}: key ${short + 1} has ${keys[short]!.length} characters; use keys of at least 16 (e.g. openssl rand -hex 24)`);
  return keys;
}
