import { describe, expect, it } from 'vitest';
import { contentHash, DOMAIN } from '../hash/index.js';
import { allOps, opByName } from './binary/opcodes.js';
import { COST_TABLE_V1, bulkCost, costListing, costTableHash, opCost } from './cost-table.js';
import { getProfile, PROFILE_NAMES, profileHash, profileManifest } from './profiles.js';

describe('profiles', () => {
  it('pins the profile and cost table hashes (a change here must bump a version)', () => {
    expect(costTableHash(COST_TABLE_V1)).toBe(
      'sha256:43cb794acb856b8d8adff84febb2c2a43895cc9de3c23898099a0f83ec11333e',
    );
    expect(profileHash('raw')).toBe(
      'sha256:769e7528f8d4c22a55c0d8265fd6dffb86e2ce58b2374b8f8515a27845b6460c',
    );
    expect(profileHash('dc')).toBe(
      'sha256:fccd459757f298f3e32da0001b84edf655ada158be2f67a2ba0111aa83122598',
    );
    expect(profileHash('dc-float')).toBe(
      'sha256:0fce2cca4fc62706e69b524af6a155ae0394a0f0153172087bbcf5147ac3f527',
    );
  });

  it('hashes the canonical manifest under DOMAIN.wasmProfile; manifests differ where the rules differ', () => {
    for (const p of PROFILE_NAMES)
      expect(profileHash(p)).toBe(contentHash(DOMAIN.wasmProfile, profileManifest(p)));
    expect(new Set(PROFILE_NAMES.map(profileHash)).size).toBe(3);
    const dc = profileManifest('dc');
    expect(dc).toMatchObject({
      name: 'dc',
      floats: false,
      simd: false,
      threads: false,
      nanCanonicalization: false,
      costTableHash: costTableHash(COST_TABLE_V1),
      abi: 'icn-dc-abi/v1',
    });
    expect((dc.limits as Record<string, unknown>).maxMemoryPages).toBe(2048);
    expect((dc.imports as { name: string }[]).map((i) => i.name)).toEqual([
      'log',
      'timestamp',
      'entropy_seed',
    ]);
    expect(profileManifest('dc-float')).toMatchObject({
      floats: true,
      nanCanonicalization: true,
      simd: false,
    });
    expect(profileManifest('raw')).not.toHaveProperty('costTableHash');
  });

  it('rejects unknown profile names with a typed error', () => {
    expect(() => getProfile('dc2')).toThrow(
      expect.objectContaining({ code: 'WASM_UNKNOWN_PROFILE' }),
    );
  });
});

describe('cost table v1', () => {
  it('charges 1 per operator and 0 for the structural ones', () => {
    for (const n of ['nop', 'drop', 'block', 'loop', 'else', 'end', 'unreachable', 'return'])
      expect(opCost(COST_TABLE_V1, opByName(n).key), n).toBe(0);
    for (const n of [
      'i32.add',
      'call',
      'call_indirect',
      'br',
      'br_if',
      'if',
      'i64.load',
      'memory.grow',
      'memory.fill',
      'f64.sqrt',
    ])
      expect(opCost(COST_TABLE_V1, opByName(n).key), n).toBe(1);
    expect(bulkCost(COST_TABLE_V1, opByName('memory.copy').key)).toEqual({
      perUnit: 1,
      unit: 'byte',
    });
    expect(bulkCost(COST_TABLE_V1, opByName('table.init').key)).toEqual({
      perUnit: 1,
      unit: 'element',
    });
    expect(bulkCost(COST_TABLE_V1, opByName('i32.add').key)).toBeUndefined();
  });
  it('lists a cost for every operator of the feature set', () => {
    const l = costListing(COST_TABLE_V1);
    expect(l).toHaveLength(allOps().length);
    expect(l.filter((x) => x.cost === 0)).toHaveLength(8);
    expect(l.filter((x) => x.bulk !== undefined)).toHaveLength(6);
  });
});
