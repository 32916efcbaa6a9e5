/**
 * The CLI's on-disk module cache: a hit gives the same output as a cold run, an entry that is
 * corrupt, tampered with or written for another key is never trusted (it is ignored, then
 * rewritten), and the directory stays under its bound.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadModule,
  preparedKey,
  setPreparedStore,
  clearModuleCache,
} from '../../core/wasm/exec/module-cache.js';
import { WasmRejected } from '../../core/wasm/exec/profile.js';
import { watToWasm } from '../../core/wasm/wat.js';
import { DiskCache } from './disk-cache.js';
import { openWasmCache, preparedStore } from './wasm-cache.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'icn-cache-'));
const KEY = {
  verb: 'check',
  moduleHash: 'sha256:aa',
  profileHash: 'sha256:bb',
  costTableHash: 'cc',
  format: '1/x',
};
const OTHER = { ...KEY, moduleHash: 'sha256:dd' };

describe('DiskCache', () => {
  it('returns what was put, for that key only', () => {
    const c = new DiskCache(tmp(), 1 << 20);
    c.put(KEY, { a: [1, 'x'] });
    expect(c.get(KEY)).toEqual({ a: [1, 'x'] });
    expect(c.get(OTHER)).toBeUndefined();
  });

  it('ignores a tampered, truncated or foreign entry, and put rewrites it', () => {
    const c = new DiskCache(tmp(), 1 << 20);
    c.put(KEY, { accepted: false });
    const path = c.pathOf(KEY);
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.replace('"accepted":false', '"accepted":true')); // digest no longer matches
    expect(c.get(KEY)).toBeUndefined();
    writeFileSync(path, good.slice(0, good.length / 2)); // torn write
    expect(c.get(KEY)).toBeUndefined();
    c.put(OTHER, { accepted: true });
    writeFileSync(path, readFileSync(c.pathOf(OTHER))); // a valid entry, of another key
    expect(c.get(KEY)).toBeUndefined();
    c.put(KEY, { accepted: false });
    expect(c.get(KEY)).toEqual({ accepted: false });
  });

  it('drops the least recently used entries beyond its bound', () => {
    const dir = tmp();
    const big = 'x'.repeat(4000);
    const c = new DiskCache(dir, 10_000); // room for two entries of ~4.2 kB
    const keys = [1, 2, 3].map((i) => ({ ...KEY, moduleHash: `sha256:${i}` }));
    c.put(keys[0]!, big);
    c.put(keys[1]!, big);
    utimesSync(c.pathOf(keys[0]!), new Date(1_000_000), new Date(1_000_000));
    utimesSync(c.pathOf(keys[1]!), new Date(2_000_000), new Date(2_000_000));
    expect(c.get(keys[0]!)).toBe(big); // a hit makes key 0 the most recently used
    c.put(keys[2]!, big);
    expect(readdirSync(dir).filter((n) => n.endsWith('.json'))).toHaveLength(2);
    expect(c.get(keys[1]!)).toBeUndefined();
    expect(c.get(keys[0]!)).toBe(big);
    expect(c.get(keys[2]!)).toBe(big);
  });

  it('is off with --no-cache or ICN_CACHE=off, relocated by --cache-dir or ICN_CACHE_DIR', () => {
    expect(openWasmCache({ cache: false }, {})).toBeUndefined();
    expect(openWasmCache({}, { ICN_CACHE: 'off' })).toBeUndefined();
    expect(openWasmCache({ cacheDir: '/a' }, { ICN_CACHE_DIR: '/b' })!.dir).toBe('/a/wasm-v1');
    expect(openWasmCache({}, { ICN_CACHE_DIR: '/b' })!.dir).toBe('/b/wasm-v1');
    expect(openWasmCache({}, { XDG_CACHE_HOME: '/c' })!.dir).toBe('/c/icn-harness/wasm-v1');
    expect(openWasmCache({}, { ICN_CACHE_DIR: '/b', ICN_CACHE_MAX_MB: '2' })!.maxBytes).toBe(
      2 * 1024 * 1024,
    );
  });
});

describe("the executor's store on disk", () => {
  const ok = () =>
    watToWasm(
      '(module (memory 1) (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))',
    );
  const bad = () => watToWasm('(module (func (export "g") (result f32) f32.const 1))'); // floats: not dc

  it('gives back the prepared module and the rejection that were built', async () => {
    const [okBytes, badBytes] = [await ok(), await bad()];
    const store = preparedStore(new DiskCache(tmp(), 1 << 24));
    try {
      clearModuleCache();
      setPreparedStore(store);
      const built = loadModule(okBytes, 'dc');
      expect(() => loadModule(badBytes, 'dc')).toThrow(WasmRejected);
      const again = store.get(preparedKey(okBytes, 'dc'));
      expect(again).toEqual(built);
      const rejected = store.get(preparedKey(badBytes, 'dc'));
      expect(rejected).toBeInstanceOf(WasmRejected);
      expect((rejected as WasmRejected).violations.length).toBeGreaterThan(0);
    } finally {
      setPreparedStore(undefined);
      clearModuleCache();
    }
  });
});

describe('check and exec with the cache (CLI)', () => {
  const CLI = join(process.cwd(), 'bin', 'icn-harness.js');
  const dir = tmp();
  const wat = join(dir, 'm.wat');
  writeFileSync(
    wat,
    '(module (memory 1) (func (export "f") (param i32) (result i32) (i32.store (i32.const 0) (local.get 0)) (i32.mul (local.get 0) (i32.const 3))))',
  );
  const badWat = join(dir, 'bad.wat');
  writeFileSync(badWat, '(module (func (export "g") (result f32) f32.const 1))');
  const cacheDir = join(dir, 'cache');
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args, '--cache-dir', cacheDir], { encoding: 'utf8' });
  const entries = (): string[] =>
    existsSync(join(cacheDir, 'wasm-v1'))
      ? readdirSync(join(cacheDir, 'wasm-v1'))
          .filter((n) => n.endsWith('.json'))
          .map((n) => join(cacheDir, 'wasm-v1', n))
      : [];
  const age = (paths: string[]) =>
    paths.forEach((p) => utimesSync(p, new Date(1_000_000), new Date(1_000_000)));

  it('a hit prints what a cold run prints (check and exec), and a tampered entry is not trusted', () => {
    const cold = [
      cli('check', badWat, '--profile', 'dc', '--json'),
      cli('exec', wat, '--profile', 'dc', '--invoke', 'f', '--args', 'i32:7', '--json'),
    ];
    expect(cold.map((r) => r.status)).toEqual([1, 0]);
    const written = entries();
    expect(written).toHaveLength(2);
    age(written);
    const warm = [
      cli('check', badWat, '--profile', 'dc', '--json'),
      cli('exec', wat, '--profile', 'dc', '--invoke', 'f', '--args', 'i32:7', '--json'),
    ];
    expect(warm.map((r) => r.stdout)).toEqual(cold.map((r) => r.stdout));
    expect(written.every((p) => statSync(p).mtimeMs > 1_000_000)).toBe(true); // read: both were hits
    // flip the verdict and break the instrumented bytes without fixing the digests
    for (const p of written)
      writeFileSync(
        p,
        readFileSync(p, 'utf8')
          .replace('"accepted":false', '"accepted":true')
          .replace(/"bytes":"AGFzbQ/, '"bytes":"AAAAAA'),
      );
    const after = [
      cli('check', badWat, '--profile', 'dc', '--json'),
      cli('exec', wat, '--profile', 'dc', '--invoke', 'f', '--args', 'i32:7', '--json'),
    ];
    expect(after.map((r) => r.stdout)).toEqual(cold.map((r) => r.stdout));
    expect(JSON.parse(after[0]!.stdout).accepted).toBe(false);
    expect(JSON.parse(after[1]!.stdout).returns).toEqual(['i32:0x00000015']);
    // both rewritten: each file verifies again under the key it names
    const c = new DiskCache(join(cacheDir, 'wasm-v1'), 1 << 24);
    for (const p of written)
      expect(
        c.get((JSON.parse(readFileSync(p, 'utf8')) as { key: Record<string, string> }).key),
      ).toBeDefined();
  });

  it('--no-cache writes nothing', () => {
    const d = join(dir, 'none');
    const r = spawnSync(
      process.execPath,
      [CLI, 'check', wat, '--profile', 'dc', '--no-cache', '--cache-dir', d],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(existsSync(d)).toBe(false);
  });
});
