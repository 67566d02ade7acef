/**
 * What the core hands the settlement engine, and the BTP frames it takes back. The engine (and
 * through it the chain SDKs) is loaded by dynamic import only when settlement is enabled.
 */
import type { Logger } from 'pino';
import type { NodeConfig } from '../config/index.js';
import type { LedgerBackend } from '../ledger/index.js';
import type { SettlementModule } from './ports.js';
import type { BtpLink } from './btp/btp-link.js';
import type { BtpFrame } from './btp/codec.js';
import type { EventStream } from './events.js';
import type { PeerSet } from './peers.js';
import type { Cluster } from '../cluster/cluster.js';

/**
 * Loads and creates the settlement engine over the node's ledger, events and peer links. A cluster
 * instance (`cluster`) hands it the lane leaders (src/cluster/lanes.ts): a peer whose link another
 * live instance holds counts as connected, and a claim for it goes through that instance.
 */
export async function loadSettlement(o: { config: NodeConfig; ledger: LedgerBackend; events: EventStream; logger: Logger; peers: PeerSet; cluster?: Cluster | undefined }): Promise<SettlementModule> {
  const { createSettlementModule } = await import('../settlement/index.js');
  const frames = o.cluster?.frames;
  const elsewhere = (id: string): boolean => frames !== undefined && o.cluster?.heldElsewhere(id) !== undefined;
  return createSettlementModule({
    config: o.config,
    ledger: o.ledger,
    events: o.events,
    logger: o.logger,
    dataDir: o.config.dataDir,
    ...(frames ? { lanes: frames } : {}),
    peers: () => o.peers.all().map((p) => ({ id: p.id, connected: p.connected || elsewhere(p.id), settleThreshold: p.spec.settleThreshold, settlement: p.spec.settlement, asset: p.asset })),
    request: (peerId, frame, deadline, cb) => {
      const link = o.peers.get(peerId)?.link;
      if (!link?.isOpen) {
        if (frames?.requestElsewhere(peerId, frame, deadline, cb) === true) return;
        cb(new Error(`peer ${peerId} is not connected`));
        return;
      }
      link.request(frame, deadline, (err, _ilp, response) => cb(err, response));
    },
  });
}

/** Settlement sub-protocols (BTP TRANSFER or MESSAGE without `ilp`), handed to the engine if there is one. */
export function onSettlementFrame(settlement: SettlementModule | undefined, link: BtpLink, frame: BtpFrame): void {
  const taken = settlement?.onPeerRequest(link.peerId, frame, (reply) => {
    if (reply.ok) link.respond({ type: 1, requestId: frame.requestId, protocolData: reply.protocolData ?? [] });
    else link.respondError(frame.requestId, reply.code, 'NotAcceptedError', reply.message);
  });
  if (!taken) link.respondError(frame.requestId, 'F00', 'NotAcceptedError', 'unsupported sub-protocol: settlement is not enabled on this node');
}
