/**
 * File I/O for the harness: reads with clear errors, writes that never leave a half-written file
 * (write a temp file beside the target, fsync, rename).
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  decodeUtf8Strict,
  parseStrictJson,
  type StrictJsonOptions,
} from '../../core/canonical/index.js';
import { IcnError } from '../../core/errors.js';

export class UsageError extends IcnError {
  override readonly name = 'UsageError';
}

/** Read a text file as strict UTF-8 (invalid bytes are an error naming the offset, never U+FFFD). */
export function readText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String((e as Error).message);
    throw new UsageError('IO_READ', `cannot read ${path}: ${why}`, { path });
  }
  return decodeUtf8Strict(bytes, path);
}

export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      'IO_READ',
      `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      { path },
    );
  }
}

/** Read and strictly parse a JSON file (duplicate keys rejected, errors with line:column). */
export function readJsonFile(path: string, options?: StrictJsonOptions): unknown {
  return parseStrictJson(readText(path), path, options);
}

let tmpCounter = 0;

/** Atomically replace `path` with `data`: temp file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is unusable: nothing was written
    }
    throw new UsageError('IO_WRITE', `cannot write ${path}: ${(e as Error).message}`, { path });
  }
}
