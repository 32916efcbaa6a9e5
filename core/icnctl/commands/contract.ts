/** `icnctl contract deploy|sign-installation|list|show|execute`. */
import type { Command } from 'commander';
import type { SignedCall } from '../../daemon/contract-call.js';
import type { Hash } from '../../hash/index.js';
import { act, EXIT, type Ctx } from '../context.js';
import { CtlError, CtlNegative } from '../errors.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

interface Summary {
  codeHash: string;
  name: string;
  engine: string;
  version: number;
  installedBy: string;
  participants: string[];
}

export function register(program: Command): void {
  const contract = program
    .command('contract')
    .description('contracts on the node: deploy, list, show, execute');
  registerDeploy(contract);
  registerSignInstallation(contract);
  registerList(contract);
  registerShow(contract);
  registerExecute(contract);
}

function registerDeploy(contract: Command): void {
  contract
    .command('deploy')
    .description(
      'deploy a contract file through the node (prepared, co-signed by the other participants, deployed); exit 1 when the node refuses it',
    )
    .argument('<file>', 'a CCL contract (.json) or code JSON {engine, …}')
    .option('--capabilities <json>', 'capabilities granted, as JSON or @FILE (default none)')
    .option(
      '--min-caller-trust <ppm>',
      'non-participants may call with at least this trust (default: participants only)',
    )
    .option(
      '--installed-at <ms>',
      'installation time, ms (default now; give the prepared one when co-signatures were made from --prepare-out)',
    )
    .option('--previous <hash>', 'code hash of the version this one replaces')
    .option(
      '--participant <did>',
      "replace the file's participants (repeatable): a DID, or `self` for the node's own DID (the node signs the installation, so it must be one)",
      collect,
      [],
    )
    .option(
      '--co-sign <keyfile>',
      'sign for a co-participant with its key file here (repeatable)',
      collect,
      [],
    )
    .option(
      '--signature <file>',
      'a co-participant signature from `contract sign-installation` (repeatable)',
      collect,
      [],
    )
    .option(
      '--prepare-out <file>',
      'when co-signatures are missing: write the installation request here for the co-participants',
    )
    .action(
      act(
        'contract deploy',
        async (
          ctx,
          file: string,
          o: {
            participant: string[];
            capabilities?: string;
            minCallerTrust?: string;
            installedAt?: string;
            previous?: string;
            coSign: string[];
            signature: string[];
            prepareOut?: string;
          },
        ) => {
          const { deploy } = await import('../deploy.js');
          const { loadKey } = await import('../keyfile.js');
          const { NodeHttpError } = await import('../client.js');
          const coSigners = o.coSign.map((k) => loadKey(k));
          let r;
          try {
            r = await deploy(ctx.node(), file, o, coSigners, Date.now());
          } catch (e) {
            // The node judged the deployment and refused it: a negative result, with its reason code.
            if (e instanceof NodeHttpError && e.nodeCode === 'CONTRACT_REJECTED')
              throw new CtlNegative(e.nodeCode, e.message);
            throw e;
          }
          if (!r.deployed) {
            ctx.print(
              [
                `not deployed: needs the signature of ${r.missing.join(', ')}`,
                `wrote ${r.requestFile}: each runs \`icnctl contract sign-installation ${r.requestFile} --key KEY --out SIG\`; then deploy again with --installed-at ${r.installedAt} --signature SIG …`,
              ],
              r,
            );
            return EXIT.ok;
          }
          ctx.print(
            [
              `${r.duplicate ? 'already installed' : 'deployed'} ${r.codeHash}`,
              `  installation ${r.installationHash}${r.entry ? `, gossip entry ${r.entry}` : ''}`,
            ],
            r,
          );
          return EXIT.ok;
        },
      ),
    );
}

function registerSignInstallation(contract: Command): void {
  contract
    .command('sign-installation')
    .description(
      "a co-participant's signature over a prepared installation (the file from `deploy --prepare-out`, or a bare body)",
    )
    .argument('<body>', 'the installation request or body (.json)')
    .option('--key <file>', 'the co-participant identity file [ICN_KEY] (default icn-key.json)')
    .option('--out <file>', 'write the signature here (default: print it)')
    .action(
      act(
        'contract sign-installation',
        async (ctx, file: string, o: { key?: string; out?: string }) => {
          const { signBody } = await import('../deploy.js');
          const { keyPath, loadKey } = await import('../keyfile.js');
          const { writeAtomic } = await import('../files.js');
          const sig = signBody(file, loadKey(keyPath(o.key)));
          const text = `${JSON.stringify(sig, null, 2)}\n`;
          if (o.out) {
            writeAtomic(o.out, text, { replace: true, what: 'signature' });
            ctx.print(
              [`wrote ${o.out}: ${sig.signer} signs installation ${sig.installationHash}`],
              { file: o.out, ...sig },
            );
          } else process.stdout.write(text);
          return EXIT.ok;
        },
      ),
    );
}

function registerList(contract: Command): void {
  contract
    .command('list')
    .description('the contracts installed on the node')
    .action(
      act('contract list', async (ctx) => {
        const r = await ctx
          .node()
          .get<{ contracts: Summary[] }>('/contracts', { contracts: 'array' });
        ctx.print(
          r.contracts.map(
            (c) => `${c.codeHash}\t${c.name}\t${c.engine} v${c.version}\tby ${c.installedBy}`,
          ),
          r,
        );
        return EXIT.ok;
      }),
    );
}

function registerShow(contract: Command): void {
  contract
    .command('show')
    .description('one installed contract: installation, participants, capabilities, state root')
    .argument('<hash>', 'code hash (sha256:…)')
    .action(
      act('contract show', async (ctx, hash: string) => {
        const { hashArg } = await import('../receipts.js');
        const r = await ctx.node().get<
          Summary & {
            installation: {
              capabilities: unknown[];
              minCallerTrustPpm: number | null;
              installedAt: string;
            };
            stateRoot: string;
            successor: string | null;
          }
        >(`/contracts/${hashArg('code hash', hash)}`, {
          codeHash: 'string',
          installation: 'object',
          participants: 'array',
        });
        const i = r.installation;
        ctx.print(
          [
            `${r.name} ${r.codeHash} (${r.engine} v${r.version})`,
            `  installed by ${r.installedBy} at ${i.installedAt}; installation ${(r as unknown as { installationHash: string }).installationHash}`,
            `  participants ${r.participants.join(', ') || '(none)'}; min caller trust ${i.minCallerTrustPpm === null ? 'participants only' : `${i.minCallerTrustPpm} ppm`}`,
            `  capabilities ${JSON.stringify(i.capabilities)}`,
            `  state root ${r.stateRoot}${r.successor ? `; replaced by ${r.successor}` : ''}`,
          ],
          r,
        );
        return EXIT.ok;
      }),
    );
}

function registerExecute(contract: Command): void {
  contract
    .command('execute')
    .description(
      'run a rule on the node with a call signed here by your key; prints the receipt summary',
    )
    .argument('<hash>', 'code hash (sha256:…)')
    .argument('<rule>', 'rule name')
    .argument(
      '[args]',
      'JSON array of arguments: bare integers, booleans, strings or tagged values (\'[5, 3]\', \'[{"Did": "did:icn:…"}]\')',
      '[]',
    )
    .option('--key <file>', 'the caller identity file [ICN_KEY] (default icn-key.json)')
    .option('--fuel-limit <n>', 'fuel limit (default: the engine default)')
    .option('--nonce <text>', 'the call nonce (default: random, so each run is a new call)')
    .option(
      '--timestamp <ms>',
      "the call's time, ms (default now; the node refuses one more than 5 minutes off). With --nonce: resending the same call is refused as CALL_REPLAYED, so a retry never runs twice",
    )
    .option(
      '--executor <did>',
      "the node the call is for (default: the node's DID from /status). A retry sent to another node names the first: that node refuses it (421 CALL_WRONG_EXECUTOR) instead of running it again",
    )
    .option(
      '--call-out <file>',
      'write the signed call here before sending it (resend it with --call)',
    )
    .option(
      '--call <file>',
      'resend this saved signed call as it is (HASH and RULE must be its own; ARGS and the call flags are not used)',
    )
    .option('--save <dir>', 'write the receipt and witness into this directory')
    .action(act('contract execute', executeAction));
}

interface ExecuteOpts {
  key?: string;
  fuelLimit?: string;
  nonce?: string;
  timestamp?: string;
  executor?: string;
  callOut?: string;
  call?: string;
  save?: string;
}

/** `contract execute`: sign (or load) the call, send it, check the receipt, show its value. */
async function executeAction(
  ctx: Ctx,
  hash: string,
  rule: string,
  args: string,
  o: ExecuteOpts,
): Promise<number> {
  const { hashArg } = await import('../receipts.js');
  const { loadCall, saveCall } = await import('../calls.js');
  const codeHash = hashArg('code hash', hash);
  const call =
    o.call !== undefined
      ? loadCall(o.call, codeHash, rule)
      : await newCall(ctx, codeHash, rule, args, o);
  if (o.callOut !== undefined) saveCall(o.callOut, call);
  const r = await sendCall(ctx, codeHash, call);
  return showReceipt(ctx, r, o.save);
}

/** A new call signed here: flags checked, the executor from --executor or the node's /status. */
async function newCall(
  ctx: Ctx,
  codeHash: Hash,
  rule: string,
  args: string,
  o: ExecuteOpts,
): Promise<SignedCall> {
  const { executorArg, parseCallArgs, signedCall } = await import('../calls.js');
  const { keyPath, loadKey } = await import('../keyfile.js');
  const callArgs = parseCallArgs(args);
  if (o.fuelLimit !== undefined && !/^[1-9][0-9]{0,14}$/.test(o.fuelLimit)) {
    throw new CtlError(
      'CTL_ARGS',
      `--fuel-limit ${JSON.stringify(o.fuelLimit)}: a positive integer`,
    );
  }
  if (o.timestamp !== undefined && !/^(0|[1-9][0-9]{0,15})$/.test(o.timestamp)) {
    const what = `--timestamp ${JSON.stringify(o.timestamp)}`;
    throw new CtlError('CTL_ARGS', `${what}: milliseconds, a decimal integer`);
  }
  const key = loadKey(keyPath(o.key));
  // The call names the node it is for (its executor): --executor, else the node's own DID.
  const executor =
    o.executor !== undefined
      ? executorArg(o.executor)
      : (await ctx.node().get<{ did: string }>('/status', { did: 'string' })).did;
  const nowMs = o.timestamp !== undefined ? Number(o.timestamp) : Date.now();
  return signedCall({
    codeHash,
    rule,
    args: callArgs,
    key,
    executor,
    nowMs,
    ...(o.fuelLimit ? { fuelLimit: Number(o.fuelLimit) } : {}),
    ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
  });
}

interface ExecuteAnswer {
  callId: string;
  receiptHash: string;
  receipt: unknown;
}

/** POST the call; a node that is not the call's executor refuses it, said in one line. */
async function sendCall(ctx: Ctx, codeHash: Hash, call: SignedCall): Promise<ExecuteAnswer> {
  const { NodeHttpError } = await import('../client.js');
  const executor = call.call.executor;
  return ctx
    .node()
    .post<ExecuteAnswer>(`/contracts/${codeHash}/execute`, call, {
      callId: 'string',
      receiptHash: 'string',
      receipt: 'object',
    })
    .catch((e: unknown) => {
      if (e instanceof NodeHttpError && e.nodeCode === 'CALL_WRONG_EXECUTOR')
        throw new CtlError(
          e.nodeCode,
          `${ctx.node().base} refused the call: it is not this node's call (it names ${executor} as its executor; only that node may run it)`,
        );
      throw e;
    });
}

/** Verify the answered receipt, re-execute its witness for the value, print; the exit code. */
async function showReceipt(ctx: Ctx, r: ExecuteAnswer, save: string | undefined): Promise<number> {
  const { fetchReceipt, parseReceipt, receiptLines, saveReceipt, verifyFetched } =
    await import('../receipts.js');
  const { receiptHash, verifyReceipt } = await import('../../contracts/index.js');
  const receipt = parseReceipt(r.receipt, `${ctx.node().base} execute`);
  if (receiptHash(receipt) !== r.receiptHash || !verifyReceipt(receipt))
    throw new CtlNegative(
      'CTL_RECEIPT',
      `${ctx.node().base} answered with a receipt that does not verify (hash ${r.receiptHash})`,
    );
  // The receipt holds only the output's hash: re-execute its witness here for the value itself
  // (shown only when this re-execution reproduces the receipt).
  const fetched = await fetchReceipt(ctx.node(), receiptHash(receipt), false);
  const check = fetched.witness === null ? null : await verifyFetched(fetched);
  const value = check?.verdict === 'REPRODUCED' ? check.value : null;
  const files = save ? saveReceipt(save, fetched) : [];
  const shown =
    check === null
      ? 'not shown (the node has no witness for it)'
      : check.verdict === 'MISMATCH'
        ? 'not shown: re-executing the witness here does NOT reproduce the receipt'
        : JSON.stringify(value);
  ctx.print(
    [
      ...receiptLines(receipt),
      `  call ${r.callId}`,
      `value ${shown}`,
      ...files.map((p) => `wrote ${p}`),
    ],
    { ...r, value, verified: check?.verdict ?? null, files },
  );
  if (check?.verdict === 'MISMATCH') return EXIT.negative;
  return receipt.outcome.status === 'ok' ? EXIT.ok : EXIT.negative;
}
