/** `icnctl status|peers|trust attest`: the node itself. */
import type { Command } from 'commander';
import { act, EXIT } from '../context.js';
import { CtlError } from '../errors.js';

interface Status {
  did: string;
  version: string;
  stateRoot: string;
  components: Record<string, string>;
  links: {
    did: string;
    address: string;
    direction: string;
    lastReceivedMsAgo: number;
    blocked: boolean;
  }[];
  dialing: string[];
  topics: Record<string, number>;
  ledger: { entries: number; heads: string[] };
  contracts: number;
  receipts: number;
}

const STATUS_SHAPE = {
  did: 'string',
  version: 'string',
  stateRoot: 'string',
  components: 'object',
  links: 'array',
  dialing: 'array',
  topics: 'object',
  ledger: 'object',
} as const;

export function register(program: Command): void {
  program
    .command('status')
    .description("the node's DID, version, links to peers, gossip entries per topic and state root")
    .action(
      act('status', async (ctx) => {
        const s = await ctx.node().get<Status>('/status', STATUS_SHAPE);
        const lines = [
          `node      ${s.did} (icn-node ${s.version}) at ${ctx.node().base}`,
          `state     ${s.stateRoot}`,
          ...Object.entries(s.components).map(([k, v]) => `  ${k.padEnd(16)} ${v}`),
          `links     ${s.links.length}${s.dialing.length ? ` (dialing ${s.dialing.join(', ')})` : ''}`,
          ...s.links.map(
            (l) =>
              `  ${l.did} ${l.direction} ${l.address}, last frame ${l.lastReceivedMsAgo} ms ago${l.blocked ? ', CUT' : ''}`,
          ),
          `topics    ${Object.entries(s.topics)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}`,
          `ledger    ${s.ledger.entries} entries, ${s.ledger.heads.length} heads`,
          `contracts ${s.contracts} installed; ${s.receipts} receipts of executions here`,
        ];
        ctx.print(lines, s);
        return EXIT.ok;
      }),
    );
  program
    .command('peers')
    .description('the peers the node has an authenticated link to')
    .action(
      act('peers', async (ctx) => {
        const s = await ctx.node().get<Status>('/status', STATUS_SHAPE);
        ctx.print(
          s.links.map((l) => `${l.did}\t${l.direction}\t${l.address}${l.blocked ? '\tCUT' : ''}`),
          { peers: s.links },
        );
        return EXIT.ok;
      }),
    );
  const trust = program
    .command('trust')
    .description(
      "the node's trust attestations (deployments from a DID install on a node that trusts it enough)",
    );
  trust
    .command('attest')
    .description(
      'have the node attest its trust in a DID (parts per million, 0..1000000), published over gossip',
    )
    .argument('<did>', 'the DID trusted')
    .argument('<ppm>', 'trust score in parts per million')
    .action(
      act('trust attest', async (ctx, did: string, ppm: string) => {
        const { Did } = await import('../../identity/index.js');
        try {
          Did.parse(did);
        } catch (e) {
          throw new CtlError(
            'CTL_ARGS',
            `DID ${JSON.stringify(did.slice(0, 80))}: ${(e as Error).message}`,
          );
        }
        if (!/^(0|[1-9][0-9]{0,6})$/.test(ppm) || Number(ppm) > 1_000_000)
          throw new CtlError(
            'CTL_ARGS',
            `PPM ${JSON.stringify(ppm)}: an integer from 0 to 1000000`,
          );
        const r = await ctx.node().post('/trust', { to: did, scorePpm: Number(ppm) });
        ctx.print([`attested ${did} at ${ppm} ppm`], r);
        return EXIT.ok;
      }),
    );
}
