/**
 * icnctl's file I/O: JSON reads with one-line errors, and atomic writes (temp file beside the
 * target, fsync, then rename, or link when the target must not be replaced).
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseStrictJson } from '../canonical/index.js';
import { IcnError } from '../errors.js';
import { CtlError } from './errors.js';

export function readText(path: string, what = 'file'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    throw new CtlError('CTL_READ', `cannot read ${what} ${path}: ${why}`);
  }
}

export function readJson(path: string, what = 'file'): unknown {
  const text = readText(path, what);
  try {
    return parseStrictJson(text, path);
  } catch (e) {
    if (e instanceof IcnError)
      throw new CtlError('CTL_JSON', `${what} ${path} is not valid JSON: ${e.message}`);
    throw e;
  }
}

let tmpCounter = 0;

/**
 * Write `data` to `path` atomically with `mode`. Unless `replace`, an existing `path` is never
 * touched (link(2) fails with EEXIST instead of replacing it): the refusal is a CtlError.
 */
export function writeAtomic(
  path: string,
  data: string,
  o: { mode?: number; replace?: boolean; what?: string } = {},
): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${tmpCounter++}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'wx', o.mode ?? 0o644);
    try {
      writeSync(fd, Buffer.from(data, 'utf8'));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (o.replace) renameSync(tmp, path);
    else {
      linkSync(tmp, path);
      rmSync(tmp, { force: true });
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CtlError(
        'CTL_EXISTS',
        `${o.what ?? 'file'} ${path} already exists (pass --force to replace it)`,
      );
    throw new CtlError(
      'CTL_WRITE',
      `cannot write ${o.what ?? 'file'} ${path}: ${(e as Error).message}`,
    );
  }
}
