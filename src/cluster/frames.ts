/**
 * Settlement frames inside a cluster (docs/scaling.md, "Settlement lanes"), on the forwarding
 * listener (forward.ts, so only with `cluster.secret`):
 *
 *   POST /cluster/settlement/<chain>/<peerId>   body: a peer's settlement request (BTP frame)
 *     the instance holding the peer's link hands a claim (or consent request) to the instance leading
 *     the claim's chain lane; 200, JSON: the leader's SettlementReply, which the link holder answers
 *     the peer with. The peer hears RESPONSE only once the leader has stored and booked the claim.
 *   POST /cluster/request/<peerId>              body: a BTP request for the peer; x-cluster-deadline
 *     the lane leader sends a claim (or consent request) to a peer whose link another instance holds;
 *     200, body: the peer's RESPONSE or ERROR frame; 502 text: why there is none.
 */
import type { ResponseCallback } from '../node/btp/btp-link.js';
import { decodeBtp, encodeBtp, BtpType, type BtpFrame } from '../node/btp/codec.js';
import type { SettlementLanes, SettlementReply } from '../node/ports.js';
import type { ClusterRoute, ForwardClient } from './forward.js';
import type { LaneLeaders } from './lanes.js';

/** How long a link holder waits for the lane leader's answer to a peer's claim (ms). */
const LEADER_WAIT_MS = 30_000;

type Handler = Parameters<SettlementLanes['serve']>[0];

/** What the frames need of the cluster instance. */
export interface FrameHost {
  instanceId: string;
  leaders: LaneLeaders;
  /** The forward url of a live instance (undefined: not live, or forwarding off there). */
  urlOf(instanceId: string): string | undefined;
  /** The live instance holding `peerId`'s link when it is another one. */
  heldElsewhere(peerId: string): string | undefined;
  client(): ForwardClient | undefined;
  /** Sends a request frame on this instance's own link to the peer; false when it has none open. */
  requestHere?(peerId: string, frame: BtpFrame, deadline: number, cb: ResponseCallback): boolean;
}

interface WireReply {
  ok: boolean;
  code?: string;
  message?: string;
  protocolData?: { protocolName: string; contentType: number; data: string }[];
}

const json = (status: number, v: unknown) => ({ status, type: 'application/json', body: Buffer.from(JSON.stringify(v), 'utf8') });
const text = (status: number, t: string) => ({ status, type: 'text/plain; charset=utf-8', body: Buffer.from(t, 'utf8') });

function toWire(r: SettlementReply): WireReply {
  if (!r.ok) return r;
  return { ok: true, protocolData: (r.protocolData ?? []).map((p) => ({ protocolName: p.protocolName, contentType: p.contentType, data: p.data.toString('base64') })) };
}

function fromWire(w: WireReply): SettlementReply {
  if (w.ok !== true) return { ok: false, code: String(w.code ?? 'T00'), message: String(w.message ?? 'the lane leader refused the request') };
  return { ok: true, protocolData: (w.protocolData ?? []).map((p) => ({ protocolName: p.protocolName, contentType: p.contentType, data: Buffer.from(p.data, 'base64') })) };
}

export class ClusterFrames implements SettlementLanes {
  private handler: Handler | undefined;

  constructor(private readonly h: FrameHost) {}

  get instanceId(): string {
    return this.h.instanceId;
  }

  query<R>(chain: string | undefined, sql: string, params?: unknown[]): Promise<R[]> {
    return this.h.leaders.query<R>(chain, sql, params);
  }

  leads(chain: string): boolean {
    return this.h.leaders.leads(chain);
  }

  elect(chains: readonly string[], hooks: { lead(chain: string): Promise<void>; lose(chain: string): Promise<void> }): void {
    this.h.leaders.elect(chains, hooks);
  }

  leaderOf(chain: string): string | undefined {
    return this.h.leaders.leaderOf(chain);
  }

  serve(handler: Handler): void {
    this.handler = handler;
  }

  toLeader(chain: string, peerId: string, frame: BtpFrame, respond: (reply: SettlementReply) => void): boolean {
    const leader = this.h.leaders.leaderOf(chain);
    const url = leader === undefined || leader === this.h.instanceId ? undefined : this.h.urlOf(leader);
    const client = this.h.client();
    if (url === undefined || client === undefined) return false;
    client
      .post(url, `settlement/${chain}/${encodeURIComponent(peerId)}`, encodeBtp(frame), {}, LEADER_WAIT_MS)
      .then((r) => {
        if (r.status !== 200) throw new Error(`${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
        respond(fromWire(JSON.parse(r.body.toString('utf8')) as WireReply));
      })
      .catch((err: unknown) =>
        respond({ ok: false, code: 'T00', message: `cluster instance ${leader} leads the ${chain} settlement lane and did not answer (${err instanceof Error ? err.message : String(err)}): send again later` }),
      );
    return true;
  }

  /** Sends a request to a peer whose link another live instance holds; false (nothing sent) when none does. */
  requestElsewhere(peerId: string, frame: BtpFrame, deadline: number, cb: (err: Error | undefined, response?: BtpFrame) => void): boolean {
    const at = this.h.heldElsewhere(peerId);
    const url = at === undefined ? undefined : this.h.urlOf(at);
    const client = this.h.client();
    if (url === undefined || client === undefined) return false;
    client
      .post(url, `request/${encodeURIComponent(peerId)}`, encodeBtp(frame), { 'x-cluster-deadline': String(deadline) }, Math.max(1, deadline - Date.now()))
      .then((r) => {
        if (r.status !== 200) return cb(new Error(`cluster instance ${at} could not send to ${peerId}: ${r.body.toString('utf8').slice(0, 200)}`));
        const reply = decodeBtp(r.body);
        if (reply.type === BtpType.Error) return cb(new Error(`${reply.code} ${reply.data.toString('utf8')}`), reply);
        cb(undefined, reply);
      })
      .catch((err: unknown) => cb(new Error(`cluster instance ${at} holding ${peerId}'s link is unreachable: ${err instanceof Error ? err.message : String(err)}`)));
    return true;
  }

  /** The forwarding listener's other routes. */
  readonly route: ClusterRoute = async (path, body, headers) => {
    const [kind, ...rest] = path.split('/');
    if (kind === 'settlement' && rest.length === 2) return json(200, toWire(await this.handle(rest[0], decodeURIComponent(rest[1]), body)));
    if (kind === 'request' && rest.length === 1) return this.relay(decodeURIComponent(rest[0]), body, Number(headers['x-cluster-deadline']));
    return text(404, 'not found: POST /cluster/settlement/<chain>/<peerId> or /cluster/request/<peerId>');
  };

  private handle(chain: string, peerId: string, body: Buffer): Promise<SettlementReply> {
    const handler = this.handler;
    if (handler === undefined || !this.h.leaders.leads(chain)) {
      return Promise.resolve({ ok: false, code: 'T00', message: `cluster instance ${this.h.instanceId} does not lead the ${chain} settlement lane now: send again later` });
    }
    let frame: BtpFrame;
    try {
      frame = decodeBtp(body);
    } catch (err) {
      return Promise.resolve({ ok: false, code: 'F00', message: `malformed settlement frame: ${err instanceof Error ? err.message : String(err)}` });
    }
    return new Promise((resolve) => handler(chain, peerId, frame, resolve));
  }

  private relay(peerId: string, body: Buffer, deadline: number): Promise<{ status: number; type: string; body: Buffer }> {
    if (!Number.isFinite(deadline)) return Promise.resolve(text(400, 'x-cluster-deadline is missing or not a number'));
    return new Promise((resolve) => {
      const sent = this.h.requestHere?.(peerId, decodeBtp(body), deadline, (err, _ilp, frame) => {
        if (frame !== undefined) resolve({ status: 200, type: 'application/octet-stream', body: encodeBtp(frame) });
        else resolve(text(502, err?.message ?? `no answer from ${peerId}`));
      });
      if (sent !== true) resolve(text(502, `peer ${peerId} is not connected to cluster instance ${this.h.instanceId}`));
    });
  }
}
