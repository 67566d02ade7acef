// @ts-check
/**
 * The Approvals tab: local sends waiting for a person (GET /api/approvals), each with its amount in
 * the agent's asset, destination, age and expiry. Approve and Deny buttons show only when the node
 * lets the explorer decide (explorer.allowApprove, never in production); with admin keys the page
 * sends the key typed in its key field, which must hold the approve scope (the node checks it).
 */
import { byId, h, mount } from './dom.js';
import { assetAmount, short } from './format.js';

/**
 * @typedef {{ id: string, destination: string, amount: string, createdAt: string, expiresAt: string }} Pending
 * @typedef {{ approveEnabled: boolean, approveNeedsKey: boolean, asset?: import('./format.js').Asset, pending: Pending[] }} Approvals
 */

/**
 * `12 s`, `4 min 05 s`, `1 h 02 min`.
 * @param {number} ms
 */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * @param {Approvals | null} a
 * @param {(id: string, decision: 'approve' | 'deny') => void} decide
 * @param {number} now ms since the epoch
 */
export function renderApprovals(a, decide, now) {
  byId('approval-key-label').hidden = !(a?.approveEnabled && a.approveNeedsKey);
  byId('approvals-readonly').hidden = a === null || a.approveEnabled;
  const rows = a?.pending ?? [];
  const heads = ['approval', 'destination', 'amount', 'asked', 'expires', ...(a?.approveEnabled ? [''] : [])];
  mount(
    byId('approvals'),
    h('thead', null, h('tr', null, heads.map((t) => h('th', { class: t === 'amount' ? 'num' : undefined }, t)))),
    h(
      'tbody',
      null,
      rows.length === 0
        ? h('tr', null, h('td', { class: 'empty', colspan: heads.length }, 'No payment waits for approval.'))
        : rows.map((p) =>
            h(
              'tr',
              { dataset: { approval: p.id } },
              h('td', { class: 'mono', title: p.id }, short(p.id, 8)),
              h('td', { class: 'mono' }, p.destination),
              h('td', { class: 'num', dataset: { field: 'amount' } }, assetAmount(p.amount, a?.asset)),
              h('td', { dataset: { field: 'asked' } }, `${duration(now - Date.parse(p.createdAt))} ago`),
              h('td', { dataset: { field: 'expires' }, title: p.expiresAt }, `in ${duration(Date.parse(p.expiresAt) - now)}`),
              a?.approveEnabled
                ? h(
                    'td',
                    null,
                    h('button', { type: 'button', class: 'approve', dataset: { action: 'approve' }, onclick: () => decide(p.id, 'approve') }, 'Approve'),
                    ' ',
                    h('button', { type: 'button', class: 'deny', dataset: { action: 'deny' }, onclick: () => decide(p.id, 'deny') }, 'Deny'),
                  )
                : null,
            ),
          ),
    ),
  );
}
