/**
 * The explorer's history: an in-memory ring of the last `maxEvents` events, pruned by age
 * (`retentionMs`). Appending is O(1) and never allocates beyond the ring; queries walk the ring
 * from the requested point. Events are kept in stream order, so `seq` rises along the ring and a
 * `since` cursor is found by binary search.
 *
 * `node:stats` (one per second) is not kept: it would fill a third of a 10 000-event ring every
 * hour with nothing a person browses. The latest one is kept apart for the UI header.
 */
import type { NodeEvent, NodeEventType, NodeStatsEvent } from '../../events.js';

export interface EventQuery {
  /** At most this many events (1..1000). */
  limit: number;
  /** Only events with a larger seq (exclusive cursor); the oldest such events come first. */
  since?: number;
  /** Exact types (`packet:fulfilled`) or families (`packet`); empty or undefined: every type. */
  types?: readonly string[];
  /** Only packet events with this packetId. */
  packetId?: string;
}

export interface EventPage {
  events: NodeEvent[];
  /** seq of the oldest event still held (0 when empty). */
  oldestSeq: number;
  /** seq of the newest event seen. */
  latestSeq: number;
  /** true when more events match beyond this page. */
  hasMore: boolean;
}

export class EventStore {
  private readonly ring: (NodeEvent | undefined)[];
  /** index of the oldest event */
  private head = 0;
  private size = 0;
  private latest = 0;
  private dropped = 0;
  /** The latest node:stats, outside the ring. */
  lastStats: NodeStatsEvent | undefined;

  /**
   * @param maxEvents ring capacity (events)
   * @param retentionMs events older than this are dropped (ms)
   * @param now the clock (tests)
   */
  constructor(
    readonly maxEvents: number,
    readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ring = new Array<NodeEvent | undefined>(maxEvents);
  }

  get length(): number {
    return this.size;
  }

  get latestSeq(): number {
    return this.latest;
  }

  /** seq of the newest event dropped from the ring (evicted or pruned); 0 when none was. */
  get droppedSeq(): number {
    return this.dropped;
  }

  get oldestSeq(): number {
    return this.size === 0 ? 0 : this.ring[this.head]!.seq;
  }

  /** Appends one event (O(1)); the oldest is overwritten when the ring is full. */
  append(e: NodeEvent): void {
    if (e.seq > this.latest) this.latest = e.seq;
    if (e.type === 'node:stats') {
      this.lastStats = e;
      return;
    }
    const cap = this.ring.length;
    if (this.size === cap) {
      this.dropped = this.ring[this.head]!.seq;
      this.ring[this.head] = e;
      this.head = (this.head + 1) % cap;
    } else {
      this.ring[(this.head + this.size) % cap] = e;
      this.size++;
    }
  }

  /** Drops events older than retentionMs. Returns how many were dropped. */
  prune(): number {
    const cutoff = this.now() - this.retentionMs;
    const cap = this.ring.length;
    let dropped = 0;
    while (this.size > 0 && this.ring[this.head]!.ts < cutoff) {
      this.dropped = this.ring[this.head]!.seq;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % cap;
      this.size--;
      dropped++;
    }
    return dropped;
  }

  /** The i-th oldest event held. */
  private at(i: number): NodeEvent {
    return this.ring[(this.head + i) % this.ring.length]!;
  }

  /** Index of the first event with seq > since (size when none). */
  private firstAfter(since: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Events matching the query, oldest first. Without `since` the newest `limit` matches are
   * returned (the page a person opens); with `since` the oldest matches after it (the page a
   * client resuming a stream needs).
   */
  query(q: EventQuery): EventPage {
    this.prune();
    const match = matcher(q);
    const out: NodeEvent[] = [];
    let hasMore = false;
    if (q.since !== undefined) {
      for (let i = this.firstAfter(q.since); i < this.size; i++) {
        const e = this.at(i);
        if (!match(e)) continue;
        if (out.length === q.limit) {
          hasMore = true;
          break;
        }
        out.push(e);
      }
    } else {
      for (let i = this.size - 1; i >= 0; i--) {
        const e = this.at(i);
        if (!match(e)) continue;
        if (out.length === q.limit) {
          hasMore = true;
          break;
        }
        out.push(e);
      }
      out.reverse();
    }
    return { events: out, oldestSeq: this.oldestSeq, latestSeq: this.latest, hasMore };
  }

  /** Every event after `since` (for a stream client that reconnects), oldest first. */
  after(since: number): NodeEvent[] {
    this.prune();
    const out: NodeEvent[] = [];
    for (let i = this.firstAfter(since); i < this.size; i++) out.push(this.at(i));
    return out;
  }
}

/**
 * Every event type the node emits, by name: a Record over NodeEventType, so a type added to the
 * stream without being added here fails to compile (and could not be filtered for).
 */
const TYPES: Record<NodeEventType, true> = {
  'packet:prepared': true,
  'packet:fulfilled': true,
  'packet:rejected': true,
  'packet:late-fulfill': true,
  'peer:connected': true,
  'peer:disconnected': true,
  'peer:reconnecting': true,
  'peer:added': true,
  'peer:updated': true,
  'peer:removed': true,
  'route:added': true,
  'route:removed': true,
  'balance:changed': true,
  'settlement:required': true,
  'settlement:claim-sent': true,
  'settlement:claim-received': true,
  'settlement:redeemed': true,
  'settlement:failed': true,
  'settlement:operation': true,
  'settlement:auto-deposit': true,
  'settlement:wallet-balance': true,
  'settlement:tx': true,
  'channel:opened': true,
  'channel:funded': true,
  'channel:closing': true,
  'channel:settled': true,
  'rates:updated': true,
  'rates:stale': true,
  'rates:fresh': true,
  'rates:error': true,
  'policy:denied': true,
  'approval:requested': true,
  'approval:approved': true,
  'approval:denied': true,
  'approval:expired': true,
  'node:started': true,
  'node:stopping': true,
  'node:stats': true,
  'ledger:fault': true,
  'ledger:corrupt': true,
  'ledger:recovered': true,
};

/** Every exact event type, in the order above. */
export const EVENT_TYPES = Object.keys(TYPES) as NodeEventType[];

/** Event type families (the part before the colon): `packet` matches `packet:*` in a type filter. */
export const EVENT_FAMILIES: readonly string[] = [...new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf(':'))))];

/** true for an exact event type or a family name (see EVENT_FAMILIES). */
export function isKnownTypeFilter(t: string): boolean {
  return EVENT_FAMILIES.includes(t) || Object.hasOwn(TYPES, t);
}

function matcher(q: EventQuery): (e: NodeEvent) => boolean {
  const exact = new Set<string>();
  const families = new Set<string>();
  for (const t of q.types ?? []) {
    if (t.includes(':')) exact.add(t);
    else families.add(t);
  }
  const anyType = exact.size === 0 && families.size === 0;
  const packetId = q.packetId;
  return (e) => {
    if (!anyType && !exact.has(e.type) && !families.has(e.type.slice(0, e.type.indexOf(':')))) return false;
    if (packetId !== undefined && (!('packetId' in e) || e.packetId !== packetId)) return false;
    return true;
  };
}
