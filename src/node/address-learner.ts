/**
 * Our ILP address: configured, or learned from the parent by ILDCP (RFC 0031) when the parent's
 * link comes up. Until it is known the node answers with `local.<nodeId>` and is not ready.
 */
import type { Logger } from 'pino';
import type { IlpSender, Peer } from './peers.js';
import { deserializeIldcpResponse, serializeIldcpRequest, serializeIldcpResponse } from './ilp/ildcp.js';
import { IlpPacketType } from './ilp/packet.js';

/** How long the ILDCP request to the parent may take, in ms. */
const ILDCP_TIMEOUT_MS = 30_000;

export interface AddressLearnerOptions {
  nodeId: string;
  /** the configured address; unset: learned from the parent */
  configured?: string;
  assetCode: string;
  assetScale: number;
  logger: Logger;
  /** called once the address is learned (implicit routes follow it) */
  onLearned(address: string): void;
}

export class AddressLearner {
  private address: string;
  private isKnown: boolean;
  private waiters: (() => void)[] = [];

  constructor(private readonly o: AddressLearnerOptions) {
    this.isKnown = o.configured !== undefined;
    this.address = o.configured ?? `local.${o.nodeId}`;
  }

  get value(): string {
    return this.address;
  }

  get known(): boolean {
    return this.isKnown;
  }

  /** The ILDCP answer for a child (`<our address>.<childId>`); undefined for others or while we have no address. */
  answer(peer: Peer | undefined): Buffer | undefined {
    if (peer?.relation !== 'child' || !this.isKnown) return undefined;
    // a child's asset is its own when configured (it learns it here), else the node's
    const asset = peer.asset ?? { code: this.o.assetCode, scale: this.o.assetScale };
    return serializeIldcpResponse({ clientAddress: `${this.address}.${peer.id}`, assetScale: asset.scale, assetCode: asset.code });
  }

  /** A link came up: when it is the parent's and no address is configured, ask it for ours. */
  linkUp(peer: Peer, link: IlpSender): void {
    if (peer.relation !== 'parent' || this.o.configured !== undefined) return;
    const log = this.o.logger;
    const request = serializeIldcpRequest({ expiresAt: new Date(Date.now() + ILDCP_TIMEOUT_MS) });
    link.sendIlp(request, Date.now() + ILDCP_TIMEOUT_MS, (err, ilp) => {
      if (err || !ilp) {
        log.warn({ peer: peer.id, err: err?.message }, 'ILDCP request to the parent failed');
        return;
      }
      try {
        if (ilp[0] !== IlpPacketType.Fulfill) throw new Error('parent rejected peer.config');
        const info = deserializeIldcpResponse(ilp);
        const expected = peer.asset ?? { code: this.o.assetCode, scale: this.o.assetScale };
        if (info.assetCode !== expected.code || info.assetScale !== expected.scale) {
          log.error({ parent: peer.id, ...info, expected }, "the parent's asset differs from the one configured for it (peers[].assetCode/assetScale, else the node's); refusing the address");
          return;
        }
        this.address = info.clientAddress;
        this.isKnown = true;
        this.o.onLearned(this.address);
        log.info({ ilpAddress: this.address, parent: peer.id }, 'learned ILP address from parent');
        this.release();
      } catch (e) {
        log.warn({ peer: peer.id, err: e instanceof Error ? e.message : String(e) }, 'unusable ILDCP answer from the parent');
      }
    });
  }

  /** Resolves once the address is known, or after `timeoutMs` (ms) at the latest. */
  wait(timeoutMs: number): Promise<void> {
    if (this.isKnown) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Wakes every waiter (address learned, or the node stopping). */
  release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
