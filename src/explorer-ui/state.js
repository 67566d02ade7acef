// @ts-check
/**
 * The explorer's state, folded from node events. Pure data and functions (no DOM), so the rules
 * for joining a packet's events live in one place.
 */

/** Packets kept in the page (the oldest are dropped first). */
export const MAX_PACKETS = 5000;
/** Settlement and channel events kept in the page. */
export const MAX_SETTLEMENT_EVENTS = 1000;
/** Events of every type (but node:stats) kept for the Events tab. */
export const MAX_EVENTS = 2000;

/**
 * One packet as the table shows it, joined from packet:prepared / fulfilled / rejected / late-fulfill.
 * @typedef {object} PacketRow
 * @property {string} packetId
 * @property {number} seq seq of the first event seen for it
 * @property {number} ts ms since the epoch of the first event seen
 * @property {string} [from]
 * @property {string} [to]
 * @property {string} destination
 * @property {string} amount
 * @property {string} [amountOut]
 * @property {string} [fee]
 * @property {'pending' | 'fulfilled' | 'rejected'} result
 * @property {string} [code]
 * @property {string} [message]
 * @property {string} [triggeredBy]
 * @property {number} [latencyMs]
 * @property {boolean} [late] a fulfill came back after the expiry (not booked)
 */

/**
 * @typedef {{ type: string, seq: number, ts: number, nodeId: string } & Record<string, any>} NodeEvent
 */

/**
 * @typedef {object} State
 * @property {Map<string, PacketRow>} packets by id, in arrival order
 * @property {Map<number, NodeEvent>} settlements settlement and channel events by seq
 * @property {Map<number, NodeEvent>} events every event but node:stats, by seq (the Events tab)
 * @property {Record<string, string>} accounts ledger balances by account (peer:<id>, agent, fees, …)
 * @property {Record<string, boolean>} connected live peer link state
 * @property {NodeEvent | null} stats the latest node:stats
 * @property {number} latestSeq
 */

/** @returns {State} */
export function createState() {
  return { packets: new Map(), settlements: new Map(), events: new Map(), accounts: {}, connected: {}, stats: null, latestSeq: 0 };
}

/**
 * Folds one event into the state. Idempotent per event (the history and the stream may overlap).
 * @param {State} s
 * @param {NodeEvent} e
 * @returns {'packets' | 'settlements' | 'balances' | 'peers' | 'stats' | 'approvals' | null} what changed (every event but node:stats also changes the Events tab)
 */
export function applyEvent(s, e) {
  if (e.seq > s.latestSeq) s.latestSeq = e.seq;
  if (e.type !== 'node:stats') keepEvent(s, e);
  switch (e.type) {
    case 'packet:prepared':
    case 'packet:fulfilled':
    case 'packet:rejected':
    case 'packet:late-fulfill':
      applyPacket(s, e);
      return 'packets';
    case 'balance:changed':
      s.accounts[e.account] = e.balance;
      return 'balances';
    case 'peer:connected':
      s.connected[e.peerId] = true;
      return 'peers';
    case 'peer:disconnected':
    case 'peer:reconnecting':
      s.connected[e.peerId] = false;
      return 'peers';
    case 'node:stats':
      s.stats = e;
      return 'stats';
    default:
      if (e.type.startsWith('approval:')) return 'approvals';
      if (e.type.startsWith('settlement:') || e.type.startsWith('channel:')) {
        s.settlements.set(e.seq, e);
        if (s.settlements.size > MAX_SETTLEMENT_EVENTS) {
          const oldest = Math.min(...s.settlements.keys());
          s.settlements.delete(oldest);
        }
        return 'settlements';
      }
      return null;
  }
}

/**
 * @param {State} s
 * @param {NodeEvent} e
 */
function applyPacket(s, e) {
  let p = s.packets.get(e.packetId);
  if (p === undefined) {
    p = { packetId: e.packetId, seq: e.seq, ts: e.ts, destination: e.destination, amount: e.amount, result: 'pending' };
    s.packets.set(e.packetId, p);
    if (s.packets.size > MAX_PACKETS) {
      const oldest = s.packets.keys().next().value;
      if (oldest !== undefined) s.packets.delete(oldest);
    }
  } else if (e.seq < p.seq) {
    p.seq = e.seq;
    p.ts = e.ts;
  }
  switch (e.type) {
    case 'packet:prepared':
      p.from = e.from;
      break;
    case 'packet:fulfilled':
      Object.assign(p, { from: e.from, to: e.to, amountOut: e.amountOut, fee: e.fee, latencyMs: e.latencyMs, result: 'fulfilled' });
      break;
    case 'packet:rejected':
      Object.assign(p, { from: e.from, code: e.code, message: e.message, triggeredBy: e.triggeredBy, latencyMs: e.latencyMs, result: 'rejected' });
      if (e.to !== undefined) p.to = e.to;
      break;
    case 'packet:late-fulfill':
      p.late = true;
      break;
  }
}

/**
 * The packets that pass the filters, newest first, at most `max`.
 * @param {State} s
 * @param {{ address: string, result: string }} filter `address` matches from, to or destination (substring); `result` is all | pending | fulfilled | rejected
 * @param {number} max
 * @returns {{ rows: PacketRow[], matched: number }}
 */
export function filterPackets(s, filter, max) {
  const needle = filter.address.trim().toLowerCase();
  const all = [...s.packets.values()];
  /** @type {PacketRow[]} */
  const rows = [];
  let matched = 0;
  for (let i = all.length - 1; i >= 0; i--) {
    const p = all[i];
    if (filter.result !== 'all' && p.result !== filter.result) continue;
    if (needle !== '' && !`${p.destination}\n${p.from ?? ''}\n${p.to ?? ''}`.toLowerCase().includes(needle)) continue;
    matched++;
    if (rows.length < max) rows.push(p);
  }
  return { rows, matched };
}

/**
 * Keeps one event for the Events tab (past MAX_EVENTS the first kept is dropped: events mostly arrive in order).
 * @param {State} s
 * @param {NodeEvent} e
 */
function keepEvent(s, e) {
  if (s.events.has(e.seq)) return;
  s.events.set(e.seq, e);
  if (s.events.size > MAX_EVENTS) {
    const first = s.events.keys().next().value;
    if (first !== undefined) s.events.delete(first);
  }
}

/**
 * The family of an event type: `policy` for `policy:denied`.
 * @param {string} type
 */
export function familyOf(type) {
  const i = type.indexOf(':');
  return i < 0 ? type : type.slice(0, i);
}

/**
 * The kept events of one family ('all' for every one), newest first, at most `max`.
 * @param {State} s
 * @param {string} family
 * @param {number} max
 * @returns {{ rows: NodeEvent[], matched: number }}
 */
export function filterEvents(s, family, max) {
  const all = [...s.events.values()].filter((e) => family === 'all' || familyOf(e.type) === family).sort((a, b) => b.seq - a.seq);
  return { rows: all.slice(0, max), matched: all.length };
}
