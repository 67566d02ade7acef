import { Args, Flags } from '@oclif/core';
import { peerSecretEnvName } from '../../config/names.js';
import { appError, isAppError } from '../../errors/index.js';
import { adminPaths, type AddPeerRequest, type PeerAddedResponse } from '../../node/control/bodies.js';
import { AdminCommand } from '../../cli/admin-command.js';
import { out } from '../../cli/output.js';

/** The body of POST /admin/peers. */
export type PeerAdded = PeerAddedResponse;

/** `agent-runtime peers add <id>`. */
export default class PeersAdd extends AdminCommand {
  static override summary = 'Add a peer to a running node';

  static override description =
    'Add a peer to a running node (kept in the data directory across restarts; it wins over the config file there).\n' +
    'An existing id is refused (PEER_EXISTS): change fields with `peers update`, or replace the whole peer with --replace.\n' +
    'The shared BTP secret comes from --auth-token, else from BTP_PEER_<ID>_SECRET in the environment.\n' +
    'An ILP-over-HTTP peer (--transport http, RFC 0035) has no BTP secret: --incoming-token is what it sends us, --outgoing-token and --http-url what we send it.';

  static override examples = [
    'BTP_PEER_BOB_SECRET=s3cret <%= config.bin %> peers add bob --btp-url ws://127.0.0.1:3001 --route g.bob',
    '<%= config.bin %> peers add carol --relation child --auth-token s3cret --credit-limit 1000000',
    '<%= config.bin %> peers add carol --relation child --auth-token s3cret --replace',
    '<%= config.bin %> peers add xrp-peer --auth-token s3cret --asset-code XRP --asset-scale 6',
    '<%= config.bin %> peers add rafiki --transport http --http-url https://rafiki.example/ilp --incoming-token in-s3cret --outgoing-token out-s3cret --route g.rafiki',
  ];

  static override args = {
    id: Args.string({ description: 'Peer id ([a-zA-Z0-9_~-]+)', required: true }),
  };

  static override flags = {
    'btp-url': Flags.string({ description: "The peer's BTP URL to dial (ws:// or wss://); omit when the peer dials us" }),
    'auth-token': Flags.string({ description: 'Shared BTP secret [default: $BTP_PEER_<ID>_SECRET]' }),
    transport: Flags.string({ description: 'btp (WebSocket) or http (ILP-over-HTTP, RFC 0035)', options: ['btp', 'http'], default: 'btp' }),
    'http-url': Flags.string({ description: "HTTP peers: the peer's ILP-over-HTTP endpoint we POST to (http:// or https://)" }),
    'incoming-token': Flags.string({ description: 'HTTP peers: the bearer token the peer sends us' }),
    'outgoing-token': Flags.string({ description: 'HTTP peers: the bearer token we send the peer' }),
    relation: Flags.string({ description: 'Relation to this node', options: ['parent', 'peer', 'child'], default: 'peer' }),
    route: Flags.string({ description: 'ILP address prefix to route to this peer (repeatable)', multiple: true }),
    'credit-limit': Flags.string({ description: 'How far the peer may owe us (asset units)' }),
    'max-packet-amount': Flags.string({ description: 'Largest Prepare accepted from the peer (asset units)' }),
    'settle-threshold': Flags.string({ description: 'Settle when we owe the peer this much (asset units)' }),
    'asset-code': Flags.string({ description: "The peer's asset code (e.g. XRP); unset: the node's. Its amounts are in this asset, converted with rates" }),
    'asset-scale': Flags.integer({ description: "The peer's asset scale (0-255); unset: the node's", min: 0, max: 255 }),
    replace: Flags.boolean({ description: 'Replace a peer with the same id (all its fields; its routes stay)', default: false }),
  };

  async run(): Promise<PeerAdded> {
    const { args, flags } = await this.parse(PeersAdd);
    const http = flags.transport === 'http';
    const envName = peerSecretEnvName(args.id);
    const authToken = http ? undefined : (flags['auth-token'] ?? process.env[envName]);
    if (!http && !authToken) {
      throw appError('INVALID_ARGUMENT', {
        field: 'auth-token',
        reason: `no secret for ${args.id}`,
        suggestion: `Pass --auth-token, or set ${envName} (the same secret the peer uses for us).`,
      });
    }
    const tokens = { url: flags['http-url'], incomingToken: flags['incoming-token'], outgoingToken: flags['outgoing-token'] };
    const body: AddPeerRequest = {
      id: args.id,
      ...(authToken === undefined ? {} : { authToken }),
      ...(http ? { transport: 'http' as const, http: Object.fromEntries(Object.entries(tokens).filter(([, v]) => v !== undefined)) } : {}),
      relation: flags.relation as AddPeerRequest['relation'],
      ...(flags['btp-url'] === undefined ? {} : { url: flags['btp-url'] }),
      ...(flags.route === undefined ? {} : { routes: flags.route.map((prefix) => ({ prefix })) }),
      ...(flags['credit-limit'] === undefined ? {} : { creditLimit: flags['credit-limit'] }),
      ...(flags['max-packet-amount'] === undefined ? {} : { maxPacketAmount: flags['max-packet-amount'] }),
      ...(flags['settle-threshold'] === undefined ? {} : { settleThreshold: flags['settle-threshold'] }),
      ...(flags['asset-code'] === undefined ? {} : { assetCode: flags['asset-code'] }),
      ...(flags['asset-scale'] === undefined ? {} : { assetScale: flags['asset-scale'] }),
    };
    const path = flags.replace ? `${adminPaths.peers}?replace=true` : adminPaths.peers;
    const added = await this.client(flags)
      .post<PeerAdded>(path, body)
      .catch((e: unknown) => {
        // the admin body carries the code, not the details: name the peer in the suggestion here
        throw isAppError(e) && e.code === 'PEER_EXISTS' ? appError('PEER_EXISTS', { peerId: args.id }) : e;
      });
    if (!this.jsonEnabled()) {
      out(added.message);
      const p = added.peer;
      const reach = p.transport === 'http' ? (p.url ? `ILP-over-HTTP to ${p.url}` : 'ILP-over-HTTP, receive only (no http.url)') : p.url ? `dials ${p.url}` : 'waits for it to dial us';
      out(`  relation ${p.relation}, ${reach}, ${p.connected ? 'connected' : 'not connected yet'}`);
      for (const r of added.routes) out(`  route ${r.prefix} -> ${r.nextHop}`);
    }
    return added;
  }
}
