/**
 * Contracts behind icn-node's HTTP API: deploy (with the participants' co-signatures), execute
 * (a caller-signed call, see contract-call.ts) and the receipts of executions.
 *
 * The node's NodeContracts does the work exactly as on a simulated node (deploy installs what it
 * publishes on `contracts:deploy`; execute authorizes, runs and signs a receipt), so a daemon and
 * a simulated node given the same inputs reach the same roots. What the daemon adds:
 *  - calls are handled one at a time (the replay check, the execution and the log write of one
 *    call are not interleaved with another's);
 *  - every acknowledged execution is logged: the signed call and its receipt are written and
 *    synced before the answer, so /receipts and the replay protection survive kill -9. (The
 *    contract state an execution changed comes back with the node's storage: NodeContracts
 *    publishes such an execution as a gossip record, synced before the receipt is returned.)
 *  - a call naming another node as its executor is refused (421 CALL_WRONG_EXECUTOR), as is a
 *    call id already executed (409 CALL_REPLAYED: from the log, and from the executions adopted
 *    over gossip, NodeContracts.executeCall) and a call whose timestamp is more than
 *    CALL_MAX_SKEW_MS from the node's clock.
 * Every refusal is an HttpError (4xx with a code and a reason) raised before anything changes,
 * including a deployment or an execution gossip will not publish (NodeContracts applies nothing
 * then): 429 NODE_PUBLISH_REFUSED with Retry-After for the node's per-author quota, 422 otherwise.
 */
import { canonicalString, dec, parseStrictJson, type CanonicalValue } from '../canonical/index.js';
import { parseCapabilities, type Capability } from '../ccl/index.js';
import {
  codeFromJson,
  codeName,
  ContractError,
  installationBodyToJson,
  installationHash,
  installationToJson,
  receiptFromJson,
  receiptHash,
  receiptToJson,
  stateRoot,
  type ContractCode,
  type ExecutionReceipt,
  type InstallationSignature,
} from '../contracts/index.js';
import { IcnError } from '../errors.js';
import { isHash, type Hash } from '../hash/index.js';
import { Did } from '../identity/index.js';
import { PublishRefused, type IcnNode, type NodeContracts } from '../node/index.js';
import type { KvStore } from '../node/storage.js';
import {
  CALL_MAX_SKEW_MS,
  CallError,
  verifyCall,
  type ContractCall,
  type VerifiedCall,
} from './contract-call.js';
import {
  HttpError,
  publishHttpError,
  type ApiRequest,
  type ApiResponse,
  type Route,
} from './http-api.js';

const CALL_KEY = 'daemon/calls/';

/**
 * The contract settings a daemon runs NodeContracts with. Witnesses: the daemon logs each
 * execution's witness with its receipt and serves it from that log, so the runtime needs only the
 * one of the execution being logged (executions run one at a time); its default (10,000 bundles,
 * each with the contract's code) held ~3 KB per execution in memory for nothing (issue 14 soak).
 */
export const DAEMON_CONTRACT_CONFIG = { maxWitnesses: 16 } as const;
const callKey = (seq: number) => `${CALL_KEY}${String(seq).padStart(12, '0')}`;

interface LoggedCall {
  call: ContractCall;
  signature: string;
  receipt: CanonicalValue;
  /** The witness bundle the receipt names (records logged before it was kept have none). */
  witness?: CanonicalValue;
}

export interface RestoreReport {
  loaded: number;
  /** Log records that do not parse or verify (named, never fatal). */
  unreadable: string[];
}

/** Run a step at a request's `at` (daemon.ts: the request clock) and return what it returns. */
export type Stepper = <T>(body: unknown, f: () => T) => T;

export class DaemonContracts {
  /** Receipt hash → the key of its logged call (the receipt is read back from storage when asked for, not kept in memory). */
  private readonly receipts = new Map<Hash, string>();
  /** Receipt hashes in execution order. */
  private readonly order: Hash[] = [];
  private readonly callIds = new Map<Hash, Hash>();
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly node: IcnNode,
    readonly contracts: NodeContracts,
    private readonly storage: KvStore,
    /** Runs executions one at a time in arrival order; the daemon passes GroupCommit's batcher (one fsync per batch). */
    private readonly runner?: <T>(f: () => Promise<T>) => Promise<T>,
  ) {}

  /**
   * Load the execution log (call once, before serving): the receipts and call ids of every
   * acknowledged execution. Contract state itself comes back with the node's own storage (an
   * execution that changes state is a gossip record the node persisted before answering).
   */
  restore(): RestoreReport {
    const report: RestoreReport = { loaded: 0, unreadable: [] };
    for (const k of this.storage.keys(CALL_KEY)) {
      this.seq = Math.max(this.seq, Number(k.slice(CALL_KEY.length)) + 1);
      try {
        const logged = parseStrictJson(this.storage.get(k)!, k) as unknown as LoggedCall;
        const receipt = receiptFromJson(logged.receipt);
        const v = verifyCall({ call: logged.call, signature: logged.signature });
        this.remember(v.id, receipt, k);
        report.loaded++;
      } catch (e) {
        report.unreadable.push(`${k}: ${(e as Error).message}`);
      }
    }
    return report;
  }

  private remember(id: Hash, r: ExecutionReceipt, key: string): void {
    const h = receiptHash(r);
    if (!this.receipts.has(h)) this.order.push(h);
    this.receipts.set(h, key);
    this.callIds.set(id, h);
  }

  /** Receipts of executions run here. */
  receiptCount(): number {
    return this.order.length;
  }

  /**
   * A receipt and its witness: one this node executed (from its log), else one it adopted from a
   * gossip execution record (a state-changing execution elsewhere, verified here by replay; the
   * record carries the witness). Read-only executions are never published, so only their executor
   * has them. The witness is null for an execution logged before witnesses were logged.
   */
  find(
    h: Hash,
  ):
    | { receipt: CanonicalValue; witness: CanonicalValue | null; source: 'executed' | 'adopted' }
    | undefined {
    const key = this.receipts.get(h);
    const text = key === undefined ? undefined : this.storage.get(key);
    if (text !== undefined) {
      const logged = parseStrictJson(text, key!) as unknown as LoggedCall;
      return { receipt: logged.receipt, witness: logged.witness ?? null, source: 'executed' };
    }
    const x = this.contracts.executions;
    if (!x) return undefined;
    for (const [entryHash, o] of x.outcomes) {
      if ((o.status !== 'adopted' && o.status !== 'own') || o.receiptHash !== h) continue;
      const e = this.node.gossip.store('ledger:entries').get(entryHash);
      const rec = e?.data as { receipt?: CanonicalValue; witness?: CanonicalValue } | undefined;
      if (rec?.receipt !== undefined)
        return { receipt: rec.receipt, witness: rec.witness ?? null, source: 'adopted' };
    }
    return undefined;
  }

  /** find(h), or 404 RECEIPT_NOT_FOUND. */
  private held(h: Hash): NonNullable<ReturnType<DaemonContracts['find']>> {
    const found = this.find(h);
    if (!found)
      throw new HttpError(
        404,
        'RECEIPT_NOT_FOUND',
        `no receipt ${h} on this node (a read-only execution's receipt is kept only by the node that ran it)`,
      );
    return found;
  }

  /** Executions one at a time, in arrival order. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    if (this.runner) return this.runner(f);
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  routes(step: Stepper): Route[] {
    return [
      {
        method: 'GET',
        pattern: '/contracts',
        handler: () => ({
          status: 200,
          body: { contracts: this.contracts.installedCodeHashes().map((h) => this.summary(h)) },
        }),
      },
      { method: 'GET', pattern: '/contracts/:hash', handler: (r) => this.getContract(r) },
      {
        method: 'POST',
        pattern: '/contracts/prepare',
        handler: (r) => this.prepareDeploy(r, step),
      },
      { method: 'POST', pattern: '/contracts', handler: (r) => this.deploy(r, step) },
      {
        method: 'POST',
        pattern: '/contracts/:hash/execute',
        handler: (r) => this.execute(r, step),
      },
      {
        method: 'GET',
        pattern: '/receipts',
        handler: () => ({
          status: 200,
          body: { count: this.order.length, receipts: this.order.slice(-1000) },
        }),
      },
      { method: 'GET', pattern: '/receipts/:hash', handler: (r) => this.getReceipt(r) },
      { method: 'GET', pattern: '/receipts/:hash/witness', handler: (r) => this.getWitness(r) },
    ];
  }

  private getContract(r: ApiRequest): ApiResponse {
    const h = hashParam(r.params.hash!);
    const inst = this.contracts.actor.runtime.get(h);
    if (!inst)
      throw new HttpError(
        404,
        'CONTRACT_NOT_FOUND',
        `no contract with code hash ${h} is installed`,
      );
    return {
      status: 200,
      body: {
        ...(this.summary(h) as Record<string, CanonicalValue>),
        installation: installationToJson(inst.installation),
        successor: inst.successor,
        stateRoot: stateRoot(h, this.contracts.actor.runtime.state(h) ?? new Map()),
      },
    };
  }

  private prepareDeploy(r: ApiRequest, step: Stepper): ApiResponse {
    const d = parseDeploy(r.body, false);
    const body = step(r.body, () =>
      this.contracts.actor.prepare(d.code, {
        capabilities: d.capabilities,
        minCallerTrustPpm: d.minCallerTrustPpm,
        installedAt: d.installedAt ?? BigInt(this.node.clock.nowMs()),
        previous: d.previous,
      }),
    );
    return {
      status: 200,
      body: {
        body: installationBodyToJson(body),
        hash: installationHash(body),
        sign: 'each participant other than this node signs DOMAIN.installation over body; POST /contracts with the same fields, installedAt and the signatures',
      },
    };
  }

  private deploy(r: ApiRequest, step: Stepper): ApiResponse {
    const d = parseDeploy(r.body, true);
    const out = step(r.body, () => {
      try {
        return this.contracts.deploy(d.code, {
          capabilities: d.capabilities,
          minCallerTrustPpm: d.minCallerTrustPpm,
          installedAt: d.installedAt ?? BigInt(this.node.clock.nowMs()),
          previous: d.previous,
          signatures: d.signatures,
        });
      } catch (e) {
        // A deployment gossip will not publish is not installed: send it again later (429) or smaller (422).
        if (e instanceof PublishRefused) throw publishHttpError(e);
        throw e instanceof ContractError ? contractHttpError(e) : e;
      }
    });
    if (!out.result.accepted)
      throw new HttpError(422, 'CONTRACT_REJECTED', `${out.result.reason}: ${out.result.detail}`);
    return {
      status: 200,
      body: {
        codeHash: out.result.codeHash,
        duplicate: out.result.duplicate,
        entry: out.entry?.hash ?? null,
        message: out.message.toJson(),
      },
    };
  }

  /** The request's call, checked for this node and this contract (before anything runs). */
  private callFor(r: ApiRequest, h: Hash, step: Stepper): VerifiedCall {
    let v: VerifiedCall;
    try {
      v = verifyCall(r.body, ['at']);
    } catch (e) {
      if (!(e instanceof IcnError)) throw e;
      throw new HttpError(e.code === 'CALL_BAD_SIGNATURE' ? 401 : 400, e.code, e.message);
    }
    if (v.call.codeHash !== h)
      throw new HttpError(
        400,
        'CALL_MALFORMED',
        `$.call.codeHash: ${v.call.codeHash} is not the contract of the path (${h})`,
      );
    // The clock check runs at the step's time (request clock) or now.
    step(r.body, () => {
      const now = BigInt(this.node.clock.nowMs());
      const skew = v.timestamp > now ? v.timestamp - now : now - v.timestamp;
      if (skew > BigInt(CALL_MAX_SKEW_MS))
        throw new HttpError(
          400,
          'CALL_STALE',
          `the call's timestamp ${v.timestamp} is ${skew} ms from the node's clock (${now}); at most ${CALL_MAX_SKEW_MS} ms`,
        );
    });
    // A call naming another node is not for this one: it runs on its executor only (421, before anything else).
    if (v.call.executor !== this.node.id)
      throw new HttpError(
        421,
        'CALL_WRONG_EXECUTOR',
        `call ${v.id} names ${v.call.executor} as its executor, this node is ${this.node.id}; send it there`,
        { fields: { executor: v.call.executor } },
      );
    return v;
  }

  private async execute(r: ApiRequest, step: Stepper): Promise<ApiResponse> {
    const h = hashParam(r.params.hash!);
    const v = this.callFor(r, h, step);
    return this.serial(async () => {
      const seen = this.callIds.get(v.id);
      if (seen)
        throw new HttpError(
          409,
          'CALL_REPLAYED',
          `call ${v.id} was already executed (receipt ${seen})`,
          { fields: { receiptHash: seen } },
        );
      if (!this.contracts.actor.runtime.get(h))
        throw new HttpError(
          404,
          'CONTRACT_NOT_FOUND',
          `no contract with code hash ${h} is installed`,
        );
      const receipt = await this.executeCall(v);
      this.log(v, (r.body as { signature: string }).signature, receipt);
      return {
        status: 200,
        body: { callId: v.id, receiptHash: receiptHash(receipt), receipt: receiptToJson(receipt) },
      };
    });
  }

  /** Run a verified call; a refusal becomes the HTTP error that names it. */
  private async executeCall(v: VerifiedCall): Promise<ExecutionReceipt> {
    try {
      return await this.contracts.executeCall(v);
    } catch (e) {
      // A refused execution changed nothing and its call id is not spent: the same signed call may be sent again.
      if (e instanceof PublishRefused) throw publishHttpError(e);
      if (e instanceof IcnError && e.code === 'NODE_EXECUTION_RACE')
        throw new HttpError(409, e.code, e.message);
      if (e instanceof CallError) throw callHttpError(e);
      throw e instanceof ContractError ? contractHttpError(e) : e;
    }
  }

  /** Durable before acknowledged: the call and its receipt, synced. */
  private log(v: VerifiedCall, signature: string, receipt: ExecutionReceipt): void {
    const witness = this.contracts.actor.runtime.witness(receipt.witness);
    const logged: LoggedCall = {
      call: v.call,
      signature,
      receipt: receiptToJson(receipt),
      ...(witness ? { witness: witness as unknown as CanonicalValue } : {}),
    };
    const key = callKey(this.seq++);
    this.storage.put(key, canonicalString(logged as unknown as CanonicalValue));
    this.storage.sync();
    this.remember(v.id, receipt, key);
  }

  private getReceipt(r: ApiRequest): ApiResponse {
    const h = hashParam(r.params.hash!);
    const found = this.held(h);
    return {
      status: 200,
      body: {
        receiptHash: h,
        source: found.source,
        witnessAvailable: found.witness !== null,
        receipt: found.receipt,
      },
    };
  }

  private getWitness(r: ApiRequest): ApiResponse {
    const h = hashParam(r.params.hash!);
    const found = this.held(h);
    if (found.witness === null)
      throw new HttpError(
        404,
        'WITNESS_NOT_FOUND',
        `this node holds receipt ${h} but not its witness (logged before witnesses were kept)`,
      );
    return { status: 200, body: { receiptHash: h, witness: found.witness } };
  }

  private summary(h: Hash): CanonicalValue {
    const inst = this.contracts.actor.runtime.get(h)!;
    return {
      codeHash: h,
      name: codeName(inst.code),
      engine: inst.code.engine,
      version: inst.installation.version,
      installationHash: inst.installationHash,
      installedBy: inst.installation.installedBy,
      participants: [...inst.installation.participants],
    };
  }
}

function hashParam(s: string): Hash {
  if (!isHash(s))
    throw new HttpError(
      400,
      'HTTP_FIELD',
      `path parameter ${JSON.stringify(s.slice(0, 80))} is not a hash (sha256:<64 hex>)`,
    );
  return s as Hash;
}

function callHttpError(e: CallError): HttpError {
  const status =
    e.code === 'CALL_REPLAYED'
      ? 409
      : e.code === 'CALL_WRONG_EXECUTOR'
        ? 421
        : e.code === 'CALL_BAD_SIGNATURE'
          ? 401
          : 400;
  const fields =
    typeof e.details.receiptHash === 'string'
      ? { receiptHash: e.details.receiptHash }
      : typeof e.details.executor === 'string'
        ? { executor: e.details.executor }
        : undefined;
  return new HttpError(status, e.code, e.message, fields ? { fields } : {});
}

function contractHttpError(e: ContractError): HttpError {
  const status =
    e.code === 'CONTRACT_NOT_FOUND' ? 404 : e.code === 'CONTRACT_UNAUTHORIZED' ? 403 : 422;
  return new HttpError(status, e.code, e.message);
}

interface DeployRequest {
  code: ContractCode;
  capabilities: Capability[];
  minCallerTrustPpm: number | null;
  installedAt: bigint | undefined;
  previous: Hash | null;
  signatures: InstallationSignature[];
}

const DEPLOY_FIELDS = [
  'at',
  'capabilities',
  'code',
  'installedAt',
  'minCallerTrustPpm',
  'previous',
  'signatures',
];

/** `{code, capabilities?, minCallerTrustPpm?, installedAt?, previous?, signatures?, at?}`, strictly. */
function parseDeploy(x: unknown, withSignatures: boolean): DeployRequest {
  const bad = (field: string, why: string): never => {
    throw new HttpError(400, 'HTTP_FIELD', `field "${field}": ${why}`);
  };
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    return bad('$', 'the body is an object');
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!DEPLOY_FIELDS.includes(k) || (k === 'signatures' && !withSignatures))
      bad(k, 'unknown field');
  if (o.code === undefined)
    bad('code', 'required (the contract code: {engine: "ccl", contract} or {engine: "wasm", …})');
  const wrap = <T>(field: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof IcnError) throw new HttpError(400, e.code, `field "${field}": ${e.message}`);
      throw e;
    }
  };
  const code = wrap('code', () => codeFromJson(o.code, '$.code'));
  const capabilities =
    o.capabilities === undefined
      ? []
      : wrap('capabilities', () => parseCapabilities(o.capabilities, '$.capabilities'));
  let minCallerTrustPpm: number | null = null;
  if (o.minCallerTrustPpm !== undefined && o.minCallerTrustPpm !== null) {
    if (
      !Number.isSafeInteger(o.minCallerTrustPpm) ||
      (o.minCallerTrustPpm as number) < 0 ||
      (o.minCallerTrustPpm as number) > 1_000_000
    )
      bad('minCallerTrustPpm', 'an integer 0..1000000 or null');
    minCallerTrustPpm = o.minCallerTrustPpm as number;
  }
  const installedAt =
    o.installedAt === undefined
      ? undefined
      : wrap('installedAt', () => dec.u64(o.installedAt as string));
  if (o.previous !== undefined && o.previous !== null && !isHash(o.previous))
    bad('previous', 'a code hash or null');
  const signatures: InstallationSignature[] = [];
  if (o.signatures !== undefined) {
    if (!Array.isArray(o.signatures)) bad('signatures', 'an array of {signer, signature}');
    (o.signatures as unknown[]).forEach((s, i) => {
      const so = s as Record<string, unknown>;
      if (
        typeof so !== 'object' ||
        so === null ||
        Object.keys(so).sort().join() !== 'signature,signer'
      )
        bad(`signatures[${i}]`, 'exactly {signer, signature}');
      if (typeof so.signature !== 'string' || !/^[0-9a-f]{128}$/.test(so.signature))
        bad(`signatures[${i}].signature`, '128 lowercase hex characters');
      const signer = wrap(`signatures[${i}].signer`, () =>
        Did.parse(so.signer as string).toString(),
      );
      signatures.push({ signer, signature: so.signature as string });
    });
  }
  return {
    code,
    capabilities,
    minCallerTrustPpm,
    installedAt,
    previous: (o.previous as Hash | undefined) ?? null,
    signatures,
  };
}
