/**
 * The MCP tools: each is one admin API call made with the MCP server's own key (send + read), so a
 * model can pay within its limits but never change them or approve its own payment. A denial or a
 * pending approval is a normal tool result the model can read; only a broken connection is an error
 * result (isError), never a crash of the server.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { AdminClient } from '../../cli/admin-client.js';
import type { ApprovalView, PoliciesView } from '../../cli/agents-views.js';
import { isAppError } from '../../errors/index.js';
import { registerReceiptTools } from './receipt-tools.js';

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

const amount = z.string().regex(/^\d+$/, 'a whole number of raw asset units, as a decimal string');

/** Registers every tool on `server`, calling the node through `client`. */
export function registerTools(server: McpServer, client: AdminClient): void {
  server.registerTool(
    'send_payment',
    {
      title: 'Send a payment',
      description:
        'Pay an ILP address from this node\'s agent. Amount in raw units of the asset (see get_policy for limits). The message is sent as the packet data; the receiver\'s reply comes back base64 in `data` (and decoded in `reply`). Results: fulfilled (paid, with `receipt`: the payee\'s signed receipt, kind "payee", or this node\'s own record, kind "payer-record"; check it with verify_receipt), rejected (with an ILP code and a message naming the policy rule when a limit refused it), or pending (waiting for a person to approve; check it with get_payment).',
      inputSchema: {
        destination: z.string().min(1).describe('ILP address to pay, e.g. g.bob.shop'),
        amount: amount.describe('Amount in raw units of the asset (decimal string)'),
        message: z.string().max(30000).optional().describe('Text sent with the payment (the packet data)'),
        receipt: z
          .boolean()
          .default(true)
          .describe("Ask the payee's node for a signed receipt (default true). Set false when the destination is not an agent-runtime node: other software would see the request in the data."),
      },
    },
    ({ destination, amount: value, message, receipt }) =>
      attempt(async () => {
        const body = { destination, amount: value, receipt, ...(message ? { data: Buffer.from(message, 'utf8').toString('base64') } : {}) };
        const r = await client.post<Record<string, unknown>>('/admin/ilp/send', body, 40_000);
        const status = r.pending === true ? 'pending' : r.fulfilled === true ? 'fulfilled' : 'rejected';
        const reply = typeof r.data === 'string' ? Buffer.from(r.data, 'base64').toString('utf8') : undefined;
        return { status, ...r, ...(reply === undefined ? {} : { reply }) };
      }),
  );

  server.registerTool(
    'get_payment',
    {
      title: 'Where a pending payment stands',
      description: 'Show a payment that waited for approval: pending, approved (with its outcome), denied or expired.',
      inputSchema: { approvalId: z.string().min(1).describe('The approvalId send_payment returned') },
    },
    ({ approvalId }) => attempt(() => client.get<ApprovalView>(`/admin/approvals/${encodeURIComponent(approvalId)}`)),
  );

  server.registerTool(
    'list_payments',
    { title: 'Payments waiting for approval', description: 'List payments waiting for approval and recently decided ones.', inputSchema: {} },
    () => attempt(() => client.get('/admin/approvals')),
  );

  server.registerTool(
    'get_balance',
    { title: 'Balances', description: "The node's ledger accounts with balances in raw asset units (agent = this agent's account).", inputSchema: {} },
    () => attempt(() => client.get('/admin/balances')),
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
    () => attempt(async () => (await client.get<PoliciesView>('/admin/policies')).local ?? { policy: 'none: no limits besides the node\'s own' }),
  );
  server.registerTool(
    'quote',
    {
      title: 'Quote a payment',
      description:
        'What a payment of `amount` (raw units of this node\'s asset) to `destination` would hand the next hop, in that hop\'s asset, and whether this agent\'s policy would allow it, wait for approval or refuse it. Nothing is sent. Connectors further on may convert again or take fees.',
      inputSchema: {
        destination: z.string().min(1).describe('ILP address to pay'),
        amount: amount.describe('Amount in raw units of the asset (decimal string)'),
      },
    },
    ({ destination, amount: value }) => attempt(() => client.get(`/admin/quote?destination=${encodeURIComponent(destination)}&amount=${value}`)),
  );

  registerReceiptTools(server, client, attempt);
}
