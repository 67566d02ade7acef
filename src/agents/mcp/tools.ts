/**
 * The MCP tools: each is one admin API call made with the MCP server's own key (send + read), so a
 * model can pay within its limits but never change them or approve its own payment. A denial or a
 * pending approval is a normal tool result the model can read; only a broken connection is an error
 * result (isError), never a crash of the server.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { AdminClient } from '../../cli/admin-client.js';
import type { ApprovalList, ApprovalView, PoliciesView, PolicyView } from '../../cli/agents-views.js';
import type { AccountList } from '../../commands/balances.js';
import { isAppError } from '../../errors/index.js';
import { registerReceiptTools } from './receipt-tools.js';
import { formatAmount } from '../../rates/amount.js';
import { nodeAsset, shown, toUnits, type Asset } from './amounts.js';

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

const text = (value: unknown, isError = false): ToolResult => ({
  content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }],
  ...(isError ? { isError: true } : {}),
});

/** Runs one admin call; an AppError becomes a readable error result with its code. */
async function attempt(fn: () => Promise<unknown>): Promise<ToolResult> {
  try {
    return text(await fn());
  } catch (err) {
    if (isAppError(err)) return text({ error: err.code, message: err.message, ...(err.suggestion ? { suggestion: err.suggestion } : {}) }, true);
    return text({ error: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }, true);
  }
}

const amount = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal number of the node\'s asset, e.g. "0.5"');
const AMOUNT_IN = 'Amount in the node\'s asset as a decimal string, e.g. "0.5" for 0.5 USD (get_balance shows the asset; at most as many decimals as its scale)';

/** Registers every tool on `server`, calling the node through `client`. */
export function registerTools(server: McpServer, client: AdminClient): void {
  const asset = nodeAsset(client);
  server.registerTool(
    'send_payment',
    {
      title: 'Send a payment',
      description:
        'Pay an ILP address from this node\'s agent. Amount is a decimal of the node\'s asset (see get_policy for limits); every amount in a result is shown as "<decimal> <asset>" with its raw units beside it (`amountRaw`). The message is sent as the packet data; the receiver\'s reply comes back base64 in `data` (and decoded in `reply`). Results: fulfilled (paid, with `receipt`: the payee\'s signed receipt, kind "payee", or this node\'s own record, kind "payer-record"; check it with verify_receipt), rejected (with an ILP code and a message naming the policy rule when a limit refused it), or pending (waiting for a person to approve; check it with get_payment).',
      inputSchema: {
        destination: z.string().min(1).describe('ILP address to pay, e.g. g.bob.shop'),
        amount: amount.describe(AMOUNT_IN),
        message: z.string().max(30000).optional().describe('Text sent with the payment (the packet data)'),
        receipt: z
          .boolean()
          .default(true)
          .describe("Ask the payee's node for a signed receipt (default true). Set false when the destination is not an agent-runtime node: other software would see the request in the data."),
      },
    },
    ({ destination, amount: value, message, receipt }) =>
      attempt(async () => {
        const a = await asset();
        const units = toUnits(value, a);
        const body = { destination, amount: units.toString(), receipt, ...(message ? { data: Buffer.from(message, 'utf8').toString('base64') } : {}) };
        const r = await client.post<Record<string, unknown>>('/admin/ilp/send', body, 40_000);
        const status = r.pending === true ? 'pending' : r.fulfilled === true ? 'fulfilled' : 'rejected';
        const reply = typeof r.data === 'string' ? Buffer.from(r.data, 'base64').toString('utf8') : undefined;
        return { status, ...r, amount: formatAmount(units, a), amountRaw: units.toString(), ...(reply === undefined ? {} : { reply }) };
      }),
  );

  server.registerTool(
    'get_payment',
    {
      title: 'Where a pending payment stands',
      description: 'Show a payment that waited for approval: pending, approved (with its outcome), denied or expired.',
      inputSchema: { approvalId: z.string().min(1).describe('The approvalId send_payment returned') },
    },
    ({ approvalId }) => attempt(async () => shown(await client.get<ApprovalView>(`/admin/approvals/${encodeURIComponent(approvalId)}`), await asset(), ['amount'])),
  );

  server.registerTool(
    'list_payments',
    { title: 'Payments waiting for approval', description: 'List payments waiting for approval and recently decided ones.', inputSchema: {} },
    () =>
      attempt(async () => {
        const list = await client.get<ApprovalList>('/admin/approvals');
        const a = await asset();
        return { ...list, approvals: list.approvals.map((p) => shown(p, a, ['amount'])) };
      }),
  );

  server.registerTool(
    'get_balance',
    { title: 'Balances', description: "The node's ledger accounts (agent = this agent's account), each balance as \"<decimal> <asset>\" in that account's asset, raw units in balanceRaw.", inputSchema: {} },
    () =>
      attempt(async () => {
        const b = await client.get<AccountList>('/admin/balances');
        return { ...b, accounts: b.accounts.map((x) => shown(x, { code: x.assetCode, scale: x.assetScale }, ['balance', 'reserved'])) };
      }),
  );

  server.registerTool(
    'list_peers',
    { title: 'Peers', description: 'The peers of this node: relation, connection, balance and routes.', inputSchema: {} },
    () => attempt(() => client.get('/admin/peers')),
  );

  server.registerTool(
    'get_policy',
    {
      title: 'Spending limits',
      description: "This agent's spend policy (policies.local): maximum per payment, budgets with what is spent and left, allowed and denied destinations, and the approval line. Read-only.",
      inputSchema: {},
    },
    () =>
      attempt(async () => {
        const local = (await client.get<PoliciesView>('/admin/policies')).local;
        return local === undefined ? { policy: 'none: no limits besides the node\'s own' } : policyShown(local, await asset());
      }),
  );
  server.registerTool(
    'quote',
    {
      title: 'Quote a payment',
      description:
        'What a payment of `amount` (a decimal of this node\'s asset) to `destination` would hand the next hop, in that hop\'s asset, and whether this agent\'s policy would allow it, wait for approval or refuse it. Nothing is sent. Connectors further on may convert again or take fees.',
      inputSchema: {
        destination: z.string().min(1).describe('ILP address to pay'),
        amount: amount.describe(AMOUNT_IN),
      },
    },
    ({ destination, amount: value }) =>
      attempt(async () => {
        const a = await asset();
        const q = await client.get<{ asset?: Asset; deliveredAsset?: Asset }>(`/admin/quote?destination=${encodeURIComponent(destination)}&amount=${toUnits(value, a)}`);
        return shown(shown(q, q.asset ?? a, ['amount']), q.deliveredAsset ?? a, ['delivered']);
      }),
  );

  registerReceiptTools(server, client, attempt);
}

/** The local policy with its limits and budgets as decimals of the node's asset (raw units beside them). */
function policyShown(v: PolicyView, a: Asset): PolicyView {
  const p = shown(v.policy, a, ['maxPerPayment', 'approvalAbove']);
  if (Array.isArray(p.budgets)) p.budgets = (p.budgets as object[]).map((b) => shown(b, a, ['amount']));
  return { ...shown(v, a, ['inFlight']), policy: p, budgets: v.budgets.map((b) => shown(b, a, ['amount', 'spent', 'reserved', 'remaining'])) };
}
