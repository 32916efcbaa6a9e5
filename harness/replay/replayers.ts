/**
 * The replayers, one per artifact format. Core modules are imported inside each replayer so that
 * `replay` loads only what the artifact needs.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { canonicalString } from '../../core/canonical/index.js';
import { IcnError, isIcnError } from '../../core/errors.js';
import { readBytes, readJsonFile, UsageError } from '../io/files.js';
import type { ReplayField, ReplayOptions, ReplayReport, Replayer } from './registry.js';
import { formatOf, ReplayRegistry } from './registry.js';

export const BUNDLE_FORMAT = 'icn-replay-bundle/v1';

const show = (v: unknown): string | null =>
  v === undefined ? null : typeof v === 'string' ? v : canonicalString(v as never);

/** `dir/x.receipt.json` → `dir/x.witness.json` (and back): the sidecar convention. */
function sidecar(path: string, from: string, to: string): string | undefined {
  const name = basename(path);
  const other = name.includes(`.${from}.`)
    ? name.replace(`.${from}.`, `.${to}.`)
    : name.replace(/\.json$/, `.${to}.json`);
  const p = join(dirname(path), other);
  return p !== path && existsSync(p) ? p : undefined;
}

/** An artifact field that does not match what its content gives: bad input (exit 2), stored vs computed. */
function mismatch(where: string, field: string, stored: unknown, computed: unknown): UsageError {
  return new UsageError(
    'REPLAY_INTEGRITY',
    `${where}: ${field}: stored ${show(stored) ?? 'nothing'}, computed ${show(computed) ?? 'nothing'}`,
    { path: where, field },
  );
}

/** Refuse any key of `o` outside `allowed` (exit 2, naming it). */
function exactKeys(
  o: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  at = '$',
): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      throw new UsageError(
        'REPLAY_FORMAT',
        `${where}: ${at}.${k}: unknown field (expected ${allowed.join(', ')})`,
        { path: where },
      );
}

/**
 * `ccl exec --json` output, {receiptHash, value, error, receipt, witness}: every top-level field
 * is checked against the receipt before anything is replayed. `receiptHash` must be the receipt's
 * hash; `value` (ok outcome) must hash to the receipt's outputHash; `error.code` and `error.path`
 * must be the receipt's outcome. Only `error.message` is free text (no hash covers it; the
 * receipt commits to code and path): docs/auditor-guide.md.
 */
export async function checkExecOutput(doc: Record<string, unknown>, where: string): Promise<void> {
  const c = await import('../../core/contracts/index.js');
  exactKeys(doc, ['receiptHash', 'value', 'error', 'receipt', 'witness'], where);
  let receipt;
  try {
    receipt = c.receiptFromJson(doc.receipt);
  } catch (e) {
    if (isIcnError(e)) throw new UsageError(e.code, `${where}: $.receipt: ${e.message}`);
    throw e;
  }
  const hash = c.receiptHash(receipt);
  if (doc.receiptHash !== hash) throw mismatch(where, '$.receiptHash', doc.receiptHash, hash);
  const oc = receipt.outcome;
  if (oc.status === 'ok') {
    if (doc.error !== null) throw mismatch(where, '$.error', doc.error, null);
    let out: string | undefined;
    try {
      out = c.outputHash({ value: doc.value as never });
    } catch {
      out = undefined;
    }
    if (out !== receipt.outputHash)
      throw mismatch(where, '$.value', doc.value, `a value with output hash ${receipt.outputHash}`);
    return;
  }
  if (doc.value !== null) throw mismatch(where, '$.value', doc.value, null);
  const err = doc.error as Record<string, unknown> | null;
  if (err === null || typeof err !== 'object' || Array.isArray(err))
    throw mismatch(where, '$.error', err, { code: oc.code, path: oc.path });
  exactKeys(err, ['code', 'message', 'path'], where, '$.error');
  if (typeof err.message !== 'string')
    throw mismatch(where, '$.error.message', err.message, 'a string');
  if (err.code !== oc.code) throw mismatch(where, '$.error.code', err.code, oc.code);
  if (err.path !== oc.path) throw mismatch(where, '$.error.path', err.path, oc.path);
}

function requireFormat(doc: unknown, format: string, where: string): Record<string, unknown> {
  if (formatOf(doc) !== format)
    throw new UsageError(
      'REPLAY_FORMAT',
      `${where}: expected a ${format} document, found ${JSON.stringify(formatOf(doc) ?? 'no format field')}`,
    );
  return doc as Record<string, unknown>;
}

/** Receipt + witness: re-execute from the witness alone and compare every receipt field. */
async function compareReceipt(
  receiptDoc: unknown,
  witnessDoc: unknown,
  where: string,
): Promise<ReplayReport> {
  const c = await import('../../core/contracts/index.js');
  let receipt;
  try {
    receipt = c.receiptFromJson(receiptDoc);
  } catch (e) {
    if (isIcnError(e)) throw new UsageError(e.code, `${where}: ${e.message}`);
    throw e;
  }
  requireFormat(witnessDoc, c.WITNESS_FORMAT, `${where} (witness)`);
  let witness;
  try {
    witness = c.witnessFromJson(witnessDoc);
  } catch (e) {
    if (isIcnError(e)) throw new UsageError(e.code, `${where} (witness): ${e.message}`);
    throw e;
  }
  const r = await c.replayReceipt(witness, receipt);
  const fields: ReplayField[] = [];
  if (!r.witnessMatches)
    fields.push({ field: 'witness', expected: receipt.witness, actual: c.witnessHash(witness) });
  if (r.recomputed) {
    const want = c.receiptBodyToJson(receipt) as Record<string, unknown>;
    const got = c.receiptBodyToJson(r.recomputed) as Record<string, unknown>;
    for (const k of r.mismatches)
      if (k !== 'witness' || r.witnessMatches)
        fields.push({ field: k, expected: show(want[k]), actual: show(got[k]) });
  }
  if (r.error)
    fields.push({ field: 'execution', expected: 'the witness re-executes', actual: r.error });
  if (!r.signatureValid)
    fields.push({
      field: 'signature',
      expected: `a valid signature by ${receipt.executor} over the receipt hash`,
      actual: 'does not verify',
    });
  const notes = [
    `engine ${receipt.engine}, rule ${receipt.rule}, code ${receipt.codeHash}`,
    `executor ${receipt.executor}; signature ${r.signatureValid ? 'verifies' : 'DOES NOT verify'}`,
    `witness ${r.witnessMatches ? 'is the one the receipt names' : 'is NOT the one the receipt names'}`,
    `receipt hash ${c.receiptHash(receipt)}`,
  ];
  if (r.recomputed)
    notes.push(
      `re-executed: outcome ${show((c.receiptBodyToJson(r.recomputed) as Record<string, unknown>).outcome)}, fuel ${r.recomputed.fuelUsed}, output ${r.recomputed.outputHash}`,
    );
  return {
    artifact: `execution receipt of ${receipt.rule} on ${receipt.codeHash}`,
    verdict: r.ok ? 'REPRODUCED' : 'MISMATCH',
    fields,
    notes,
  };
}

async function codeResolver(files: readonly string[], embedded: unknown[] = []) {
  const pom = await import('../../core/pom/index.js');
  const { codeHash } = await import('../../core/contracts/index.js');
  const { loadContract } = await import('../../core/ccl/index.js');
  const { bytesHash, DOMAIN } = await import('../../core/hash/index.js');
  const resolver = new pom.MemoryCodeResolver();
  const addContract = (json: unknown, where: string) => {
    try {
      resolver.put(codeHash({ engine: 'ccl', contract: loadContract(json) }), json);
    } catch (e) {
      if (isIcnError(e)) throw new UsageError(e.code, `${where}: not a CCL contract: ${e.message}`);
      throw e;
    }
  };
  for (const f of files) {
    if (f.endsWith('.wasm')) {
      const bytes = readBytes(f);
      resolver.put(bytesHash(DOMAIN.wasmModule, bytes), bytes);
    } else addContract(readJsonFile(f), f);
  }
  embedded.forEach((x, i) => {
    const o = x as Record<string, unknown>;
    if (o && typeof o === 'object' && 'ccl' in o) addContract(o.ccl, `$.code[${i}].ccl`);
    else if (o && typeof o.wasm === 'string' && /^([0-9a-f]{2})*$/.test(o.wasm)) {
      const bytes = Uint8Array.from(Buffer.from(o.wasm, 'hex'));
      resolver.put(bytesHash(DOMAIN.wasmModule, bytes), bytes);
    } else
      throw new UsageError(
        'REPLAY_FORMAT',
        `$.code[${i}]: expected {"ccl": contract} or {"wasm": "<hex>"}`,
      );
  });
  return { resolver, registry: new pom.ReplayerRegistry([pom.cclReplayer, pom.wasmReplayer]), pom };
}

async function replayPom(
  doc: Record<string, unknown>,
  code: Awaited<ReturnType<typeof codeResolver>>,
): Promise<ReplayReport> {
  const v = await code.pom.verifyPom(doc as never, code.registry, code.resolver);
  const p = doc as {
    expected_output_hash?: string;
    actual_output_hash?: string;
    claim?: { accused?: string; accuser?: string };
    witness?: { engine?: string };
  };
  const artifact = `proof of misbehavior against ${p.claim?.accused ?? '?'} (${p.witness?.engine ?? '?'} execution)`;
  if (v.verdict === 'invalid') {
    if (v.code === 'POM_FORMAT') throw new UsageError('POM_FORMAT', `malformed proof: ${v.reason}`);
    if (v.code === 'POM_CODE_UNKNOWN')
      throw new UsageError(
        'REPLAY_CODE',
        `${v.reason}: give the contract or module with --code FILE`,
      );
    return {
      artifact,
      verdict: 'MISMATCH',
      fields: [{ field: v.code, expected: 'a well-formed, signed proof', actual: v.reason }],
      notes: ['the proof is invalid: nothing was replayed'],
    };
  }
  const notes = [
    v.reason,
    `accused ${p.claim?.accused}, accuser ${p.claim?.accuser}; both signatures verify`,
  ];
  if (v.verdict === 'confirmed')
    return {
      artifact,
      verdict: 'REPRODUCED',
      fields: [],
      notes: [...notes, "the misbehavior is confirmed: replay gives the accuser's expected output"],
    };
  return {
    artifact,
    verdict: 'MISMATCH',
    fields: [
      {
        field: 'expected_output_hash',
        expected: p.expected_output_hash ?? null,
        actual: v.replayed_output_hash,
      },
    ],
    notes: [
      ...notes,
      v.accused_output_correct
        ? 'refuted: the accused signed the correct output (false accusation)'
        : 'refuted: replay gives neither output',
    ],
  };
}

const receiptReplayer: Replayer = {
  format: 'icn-receipt/v1',
  description:
    'execution receipt: re-executed from its witness bundle (--witness, or <name>.witness.json beside it)',
  async replay(doc, opts) {
    const w = opts.witness ?? sidecar(opts.path, 'receipt', 'witness');
    if (!w)
      throw new UsageError(
        'REPLAY_WITNESS',
        `${opts.path}: a receipt is replayed from its witness bundle: pass --witness FILE (or put it beside the receipt as ${basename(opts.path).replace(/(\.receipt)?\.json$/, '.witness.json')})`,
      );
    return compareReceipt(doc, readJsonFile(w), opts.path);
  },
};

const witnessReplayer: Replayer = {
  format: 'icn-witness/v1',
  description:
    'contract witness bundle: re-executed and compared with its receipt (--receipt, or <name>.receipt.json beside it)',
  async replay(doc, opts) {
    const r = opts.receipt ?? sidecar(opts.path, 'witness', 'receipt');
    if (!r)
      throw new UsageError(
        'REPLAY_RECEIPT',
        `${opts.path}: a witness bundle alone claims no result: pass the receipt it belongs to with --receipt FILE`,
      );
    return compareReceipt(readJsonFile(r), doc, opts.path);
  },
};

const bundleReplayer: Replayer = {
  format: BUNDLE_FORMAT,
  description:
    'self-contained replay bundle: {receipt, witness} or {pom, code} (also the untagged output of `ccl exec --json`)',
  async replay(doc, opts) {
    if (doc.receipt !== undefined) {
      exactKeys(doc, ['format', 'description', 'receipt', 'witness'], opts.path);
      return compareReceipt(doc.receipt, doc.witness, opts.path);
    }
    if (doc.pom !== undefined) exactKeys(doc, ['format', 'description', 'pom', 'code'], opts.path);
    if (doc.pom !== undefined)
      return replayPom(
        requireFormat(doc.pom, 'icn-pom/v1', `${opts.path}: $.pom`),
        await codeResolver(opts.code, Array.isArray(doc.code) ? doc.code : []),
      );
    throw new UsageError(
      'REPLAY_FORMAT',
      `${opts.path}: a replay bundle holds {"receipt", "witness"} or {"pom", "code"}`,
    );
  },
};

const pomReplayer: Replayer = {
  format: 'icn-pom/v1',
  description:
    'proof of misbehavior: signatures checked, witness replayed (contract/module via --code)',
  async replay(doc, opts) {
    return replayPom(doc, await codeResolver(opts.code));
  },
};

const pomWitnessReplayer: Replayer = {
  format: 'icn-pom-witness/v1',
  description: 'PoM witness bundle: replayed and compared with --expect-output HASH',
  async replay(doc, opts) {
    if (!opts.expectOutput)
      throw new UsageError(
        'REPLAY_EXPECT',
        `${opts.path}: a bare witness claims no output: pass --expect-output sha256:…`,
      );
    const code = await codeResolver(opts.code);
    let w;
    try {
      w = code.pom.checkWitness(doc);
    } catch (e) {
      if (isIcnError(e)) throw new UsageError(e.code, `${opts.path}: ${e.message}`);
      throw e;
    }
    const replayer = code.registry.get(w.engine);
    if (!replayer)
      throw new UsageError(
        'REPLAY_ENGINE',
        `${opts.path}: no replayer for engine ${JSON.stringify(w.engine)}`,
      );
    let out: string;
    try {
      out = await replayer.replay(w, code.resolver);
    } catch (e) {
      if (isIcnError(e) && e.code === 'POM_CODE_UNKNOWN')
        throw new UsageError('REPLAY_CODE', `${e.message}: give it with --code FILE`);
      if (isIcnError(e) && e.code !== 'HARNESS_FAULT')
        return {
          artifact: `${w.engine} witness`,
          verdict: 'MISMATCH',
          fields: [{ field: e.code, expected: 'the witness replays', actual: e.message }],
          notes: [],
        };
      throw e;
    }
    const ok = out === opts.expectOutput;
    return {
      artifact: `${w.engine} witness ${code.pom.witnessHash(w)}`,
      verdict: ok ? 'REPRODUCED' : 'MISMATCH',
      fields: ok ? [] : [{ field: 'output_hash', expected: opts.expectOutput, actual: out }],
      notes: [`replayed output ${out}`],
    };
  },
};

const manifestReplayer: Replayer = {
  format: 'icn-manifest/v1',
  description:
    'harness manifest: its entries re-run here (--entry to choose) and compared field by field',
  async replay(_doc, opts) {
    const { readManifest } = await import('../manifest/io.js');
    const { fieldDiffs } = await import('../manifest/diff.js');
    const { loadSuite, runCase } = await import('../runner/exec.js');
    const { matchesFilter } = await import('../runner/select.js');
    const { applyKnownFailure, loadKnownFailures } = await import('../runner/known-failures.js');
    const loaded = readManifest(opts.path);
    const m = loaded.manifest;
    const chosen = m.entries.filter(
      (e) => opts.entries.length === 0 || opts.entries.some((p) => matchesFilter(e.id, p)),
    );
    if (chosen.length === 0)
      throw new UsageError(
        'REPLAY_ENTRY',
        `${opts.path}: no entry matches ${opts.entries.join(', ')}`,
      );
    const kfPath = join(opts.repoRoot, 'harness', 'known-failures.json');
    const kf = m.run?.knownFailures && existsSync(kfPath) ? loadKnownFailures(kfPath) : undefined;
    const notes: string[] = [];
    if (m.run?.knownFailures && kf?.hash !== m.run.knownFailures)
      notes.push(
        'the known-failure list differs from the one the run used: xfail/xpass statuses may differ',
      );
    if (m.platform.tier !== 'default')
      notes.push(
        `the manifest was made under tier ${m.platform.tier}; this replay runs under ${process.execArgv.join(' ') || 'default flags'}`,
      );
    const fields: ReplayField[] = [];
    const ctx = {
      repoRoot: opts.repoRoot,
      seed: BigInt(m.run?.seed ?? '0'),
      tiers: [m.platform.tier],
    };
    const p = {
      arch: process.arch,
      os: process.platform,
      node: process.version,
      tier: m.platform.tier,
    };
    for (const e of chosen) {
      let suite;
      try {
        suite = await loadSuite(e.suite);
      } catch (err) {
        if (isIcnError(err)) throw new UsageError(err.code, `${e.id}: ${err.message}`);
        throw err;
      }
      const again = applyKnownFailure(
        await runCase(suite, { id: e.id, suite: e.suite, class: e.class, tags: e.tags }, ctx),
        kf,
        p,
      );
      if (again.hash === e.hash) continue;
      for (const f of fieldDiffs(e, again))
        fields.push({ field: `${e.id} ${f.field}`, expected: f.a, actual: f.b });
    }
    notes.push(
      `${chosen.length} of ${m.entries.length} entries re-run; manifest lc root ${m.root.lc}`,
    );
    return {
      artifact: `manifest ${opts.path}`,
      verdict: fields.length === 0 ? 'REPRODUCED' : 'MISMATCH',
      fields,
      notes,
    };
  },
};

export const REPLAYERS = new ReplayRegistry([
  receiptReplayer,
  witnessReplayer,
  bundleReplayer,
  pomReplayer,
  pomWitnessReplayer,
  manifestReplayer,
]);

/** `icn-harness ccl exec --json` prints {receiptHash, value, error, receipt, witness}: a bundle without a tag. */
function isExecOutput(doc: unknown): doc is Record<string, unknown> {
  const o = doc as Record<string, unknown>;
  return (
    o !== null &&
    typeof o === 'object' &&
    formatOf(doc) === undefined &&
    formatOf(o.receipt) === 'icn-receipt/v1' &&
    formatOf(o.witness) === 'icn-witness/v1'
  );
}

/**
 * A receipt on a live node (`replay --node URL --receipt HASH`): fetch the receipt and its witness
 * with icnctl's client and re-execute here, exactly as for files. A node that serves the receipt
 * without its witness is an input error naming the node.
 */
export async function replayFromNode(url: string, hash: string): Promise<ReplayReport> {
  const { NodeClient } = await import('../../core/icnctl/client.js');
  const { fetchReceipt, hashArg } = await import('../../core/icnctl/receipts.js');
  const client = new NodeClient(url);
  const f = await fetchReceipt(client, hashArg('--receipt', hash), true);
  const r = await compareReceipt(f.receipt, f.witness, `${client.base}/receipts/${f.receiptHash}`);
  return {
    ...r,
    notes: [
      ...r.notes,
      `fetched from ${client.base} (${f.source === 'adopted' ? 'adopted there from gossip' : 'executed there'})`,
    ],
  };
}

export async function replayFile(opts: ReplayOptions): Promise<ReplayReport> {
  const doc = readJsonFile(opts.path);
  if (isExecOutput(doc)) {
    await checkExecOutput(doc, opts.path);
    return compareReceipt(doc.receipt, doc.witness, opts.path);
  }
  const format = formatOf(doc);
  if (!format)
    throw new UsageError(
      'REPLAY_FORMAT',
      `${opts.path}: no "format" (or "version") field: not a replayable artifact (known: ${REPLAYERS.formats().join(', ')})`,
    );
  const r = REPLAYERS.get(format);
  if (!r)
    throw new UsageError(
      'REPLAY_FORMAT',
      `${opts.path}: no replayer for ${JSON.stringify(format)} (known: ${REPLAYERS.formats().join(', ')})`,
    );
  try {
    return await r.replay(doc as Record<string, unknown>, opts);
  } catch (e) {
    // Malformed artifacts are input errors; anything else propagates as a harness fault.
    if (e instanceof IcnError && !(e instanceof UsageError) && /MALFORMED|FORMAT/.test(e.code))
      throw new UsageError(e.code, `${opts.path}: ${e.message}`);
    throw e;
  }
}
