// @ts-check
/** The balances, peers & routes, settlements and channels tabs: tables drawn from API data and live events. */
import { byId, h, mount } from './dom.js';
import { amount, assetAmount, short, time } from './format.js';

/**
 * @typedef {import('./state.js').State} State
 * @typedef {import('./format.js').Asset} Asset
 * @typedef {{ peerId: string, relation: string, connected: boolean, balance: string, creditLimit?: string, settleThreshold?: string, asset?: Asset }} PeerBalance
 * @typedef {{ asset?: Asset, peers: PeerBalance[], accounts: { account: string, balance: string, reserved?: string, assetCode?: string, assetScale?: number }[] }} Balances
 * @typedef {{ sent: number, failed: number, received: number, refused: number }} HttpActivity
 * @typedef {{ id: string, relation: string, connected: boolean, direction: string, url?: string, transport?: string, http?: HttpActivity, ilpAddresses: string[], routeCount: number, balance: string, reconnectAttempt?: number }} Peer
 * @typedef {{ prefix: string, nextHop: string, priority: number, source?: string, path?: string[], ageMs?: number }} Route
 * @typedef {{ event: string, txHash: string, ts: number, amount?: string }} ChannelTx
 * @typedef {{ amount: string, cumulative: string, ts: number }} Claim
 * @typedef {{ operationId: string, operation: string, state: string, txHash?: string, confirmations: number, required: number, amount?: string, reason?: string, ts: number }} Operation
 * @typedef {{ channelId: string, peerId: string, chain: string, state: string, deposit?: string, lastClaimSent?: Claim, lastClaimReceived?: Claim, redeemed: string, transactions: ChannelTx[], operations?: Operation[], pendingOperations?: number, updatedAt: number, remaining?: string, nearEmpty?: boolean }} Channel
 */

/**
 * @param {string[]} heads
 * @param {HTMLElement[]} rows
 * @param {string} empty shown when there are no rows
 */
function table(heads, rows, empty) {
  return [
    h('thead', null, h('tr', null, heads.map((t) => h('th', { class: t.startsWith('#') ? 'num' : undefined }, t.replace(/^#/, ''))))),
    h('tbody', null, rows.length > 0 ? rows : h('tr', null, h('td', { class: 'empty', colspan: heads.length }, empty))),
  ];
}

/** @param {boolean} up */
function linkBadge(up) {
  return h('span', { class: `badge ${up ? 'fulfilled' : 'rejected'}` }, up ? 'connected' : 'down');
}

/**
 * An ILP-over-HTTP peer's requests: ours to it (and how many failed), its to us (and how many we refused).
 * @param {HttpActivity | undefined} a
 */
function httpRequests(a) {
  if (a === undefined) return '';
  return `out ${a.sent}${a.failed > 0 ? ` (${a.failed} failed)` : ''} · in ${a.received}${a.refused > 0 ? ` (${a.refused} refused)` : ''}`;
}

/**
 * How much of the credit limit a peer uses (0..1), when it has one and owes us.
 * @param {string} balance
 * @param {string | undefined} limit
 */
function usage(balance, limit) {
  if (limit === undefined) return undefined;
  const b = Number(balance);
  const l = Number(limit);
  if (!(l > 0) || !(b > 0)) return 0;
  return Math.min(1, b / l);
}

/**
 * @param {State} s
 * @param {Balances | null} data
 */
export function renderBalances(s, data) {
  const peers = data?.peers ?? [];
  mount(
    byId('peer-balances'),
    table(
      ['peer', 'relation', 'link', '#balance', '#credit limit', '#settle threshold', 'credit used'],
      peers.map((p) => {
        const balance = s.accounts[`peer:${p.peerId}`] ?? p.balance;
        const used = usage(balance, p.creditLimit);
        return h(
          'tr',
          { dataset: { peer: p.peerId } },
          h('td', null, p.peerId),
          h('td', null, p.relation),
          h('td', null, linkBadge(s.connected[p.peerId] ?? p.connected)),
          // each amount in the peer's own asset (issue 19): `12.500000 XRP`
          h('td', { class: `num ${balance.startsWith('-') ? 'neg' : ''}`, dataset: { field: 'balance' } }, assetAmount(balance, p.asset)),
          h('td', { class: 'num', dataset: { field: 'credit limit' } }, p.creditLimit === undefined ? 'unlimited' : assetAmount(p.creditLimit, p.asset)),
          h('td', { class: 'num', dataset: { field: 'settle threshold' } }, p.settleThreshold === undefined ? '—' : assetAmount(p.settleThreshold, p.asset)),
          h('td', null, used === undefined ? '' : h('span', { class: 'meter', title: `${Math.round(used * 100)} %` }, h('span', { style: { width: `${(used * 100).toFixed(1)}%` } }))),
        );
      }),
      'No peers configured.',
    ),
  );
  /** @type {Record<string, string>} */
  const merged = {};
  /** @type {Record<string, Asset>} */
  const assets = {};
  for (const a of data?.accounts ?? []) {
    merged[a.account] = a.balance;
    if (a.assetCode !== undefined && a.assetScale !== undefined) assets[a.account] = { code: a.assetCode, scale: a.assetScale };
  }
  Object.assign(merged, s.accounts);
  const names = Object.keys(merged).sort();
  mount(
    byId('accounts'),
    table(
      ['account', '#balance'],
      names.map((n) => h('tr', { dataset: { account: n } }, h('td', { class: 'mono' }, n), h('td', { class: 'num', dataset: { field: 'balance' } }, assetAmount(merged[n], assets[n])))),
      'No ledger accounts yet.',
    ),
  );
}

/**
 * @param {State} s
 * @param {Peer[]} peers
 * @param {Route[]} routes
 */
export function renderPeers(s, peers, routes) {
  mount(
    byId('peers'),
    table(
      ['peer', 'relation', 'transport', 'link', 'direction', 'url', 'addresses', '#routes', 'requests'],
      peers.map((p) =>
        h(
          'tr',
          { dataset: { peer: p.id } },
          h('td', null, p.id),
          h('td', null, p.relation),
          h('td', null, p.transport ?? 'btp'),
          h('td', null, linkBadge(s.connected[p.id] ?? p.connected), p.reconnectAttempt ? h('span', { class: 'dim' }, ` retry ${p.reconnectAttempt}`) : null),
          h('td', null, p.direction),
          h('td', { class: 'mono dim' }, p.url ?? ''),
          h('td', { class: 'mono' }, p.ilpAddresses.join(' ')),
          h('td', { class: 'num' }, p.routeCount),
          h('td', { dataset: { field: 'requests' } }, httpRequests(p.http)),
        ),
      ),
      'No peers configured.',
    ),
  );
  mount(
    byId('routes'),
    table(
      ['prefix', 'next hop', '#priority', 'source', 'path', '#age'],
      routes.map((r) =>
        h(
          'tr',
          null,
          h('td', { class: 'mono' }, r.prefix),
          h('td', null, r.nextHop),
          h('td', { class: 'num' }, r.priority),
          h('td', { class: 'dim' }, r.source ?? ''),
          // learned (CCP) routes: the connectors on the way, nearest first, and how long since last announced
          h('td', { class: 'mono dim' }, r.path ? r.path.join(' › ') : ''),
          h('td', { class: 'num dim' }, r.ageMs === undefined ? '' : `${Math.round(r.ageMs / 1000)} s`),
        ),
      ),
      'No routes.',
    ),
  );
}

/** @param {string | undefined} hash */
function txCell(hash) {
  return hash ? h('span', { class: 'mono', title: hash }, short(hash)) : '';
}

/** @param {State} s */
export function renderSettlements(s) {
  const events = [...s.settlements.values()].sort((a, b) => b.seq - a.seq);
  mount(
    byId('settlements'),
    table(
      ['time', 'event', 'peer', 'chain', 'channel', '#amount', '#cumulative', 'transaction', 'detail'],
      events.map((e) =>
        h(
          'tr',
          { dataset: { type: e.type } },
          h('td', { class: 'mono dim' }, time(e.ts)),
          h('td', null, h('span', { class: `badge ${e.type.replace(':', '-')}` }, e.type)),
          h('td', null, e.peerId ?? ''),
          h('td', null, e.chain ?? ''),
          h('td', null, e.channelId ? h('span', { class: 'mono', title: e.channelId }, short(e.channelId)) : ''),
          h('td', { class: 'num' }, amount(e.amount ?? e.owed ?? e.deposit)),
          h('td', { class: 'num' }, amount(e.cumulative)),
          h('td', null, txCell(e.txHash)),
          h('td', { class: 'dim' }, operationText(e) ?? e.reason ?? (e.threshold ? `threshold ${amount(e.threshold)}` : '')),
        ),
      ),
      'No settlement activity yet: claims appear when what we owe a peer crosses its settle threshold.',
    ),
  );
}

/**
 * `deposit pending 1/3`, `redeem final`, `close failed: …` for a settlement:operation; undefined otherwise.
 * @param {Record<string, any>} e
 */
function operationText(e) {
  if (e.operation === undefined || e.state === undefined) return undefined;
  if (e.state === 'pending') return `${e.operation} pending ${e.confirmations ?? 0}/${e.required ?? 1}`;
  return `${e.operation} ${e.state}${e.state === 'failed' && e.reason ? `: ${e.reason}` : ''}`;
}

/** @param {Channel[]} channels */
export function renderChannels(channels) {
  mount(
    byId('channels'),
    table(
      ['channel', 'peer', 'chain', 'state', '#deposit', '#last claim sent', '#last claim received', '#redeemed', 'our transactions', 'transactions'],
      channels.map((c) =>
        h(
          'tr',
          { dataset: { channel: c.channelId } },
          h('td', { class: 'mono', title: c.channelId }, short(c.channelId)),
          h('td', null, c.peerId),
          h('td', null, c.chain),
          h('td', null, h('span', { class: `badge ${c.state}` }, c.state)),
          h('td', { class: 'num' }, amount(c.deposit), c.nearEmpty ? h('span', { class: 'badge near-empty', title: `${c.remaining ?? ''} left` }, 'LOW') : null),
          h('td', { class: 'num' }, c.lastClaimSent ? amount(c.lastClaimSent.cumulative) : ''),
          h('td', { class: 'num' }, c.lastClaimReceived ? amount(c.lastClaimReceived.cumulative) : ''),
          h('td', { class: 'num' }, amount(c.redeemed)),
          h(
            'td',
            { class: 'operations' },
            (c.operations ?? []).slice(0, 3).map((o) => h('div', { class: `op ${o.state}` }, `${operationText(o) ?? ''} `, txCell(o.txHash))),
          ),
          h(
            'td',
            null,
            c.transactions.map((t) => h('div', { class: 'tx' }, h('span', { class: 'dim' }, `${t.event.replace(/^[a-z]+:/, '')} `), txCell(t.txHash))),
          ),
        ),
      ),
      'No payment channels yet.',
    ),
  );
}
