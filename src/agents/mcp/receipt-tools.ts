/**
 * MCP tools for receipts: `verify_receipt` checks one offline (no call to the node: the model can
 * check a receipt it was handed by anyone), `list_receipts` reads this node's record of them.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { AdminClient } from '../../cli/admin-client.js';
import { findReceipt, verifyReceipt } from '../receipts/receipt.js';

type Attempt = (fn: () => Promise<unknown>) => Promise<{ content: { type: 'text'; text: string }[]; isError?: boolean }>;

export function registerReceiptTools(server: McpServer, client: AdminClient, attempt: Attempt): void {
  server.registerTool(
    'verify_receipt',
    {
      title: 'Verify a payee receipt',
      description:
        "Check a payee's signed receipt offline: its Ed25519 signature and that the fulfillment matches the condition. Pass the receipt (or the send_payment result or list_receipts entry holding it) and, to prove who signed it, the payee's public key (from its GET /admin/identity or health); without one the receipt's own key is used, which shows only that it is intact.",
      inputSchema: {
        receipt: z.union([z.string(), z.record(z.string(), z.unknown())]).describe('The receipt as JSON text or object'),
        publicKey: z.string().optional().describe("The payee's Ed25519 public key (base64url or base64)"),
      },
    },
    ({ receipt, publicKey }) =>
      attempt(() => {
        let value: unknown = receipt;
        if (typeof receipt === 'string') {
          try {
            value = JSON.parse(receipt);
          } catch {
            return Promise.resolve({ valid: false, problems: ['the receipt is not JSON'] });
          }
        }
        const found = findReceipt(value);
        if (found === undefined) return Promise.resolve({ valid: false, problems: ['no signed receipt in it (a payer-record is the payer\'s own record and has no signature)'] });
        return Promise.resolve({ ...verifyReceipt(found, publicKey), receipt: found });
      }),
  );

  server.registerTool(
    'list_receipts',
    {
      title: 'Receipts of paid sends',
      description: 'This node\'s receipts for payments that asked for one, newest first: kind "payee" (signed by the payee) or "payer-record" (the payee gave none).',
      inputSchema: { limit: z.number().int().min(1).max(1000).optional().describe('How many (default 20)') },
    },
    ({ limit }) => attempt(() => client.get(`/admin/receipts?limit=${limit ?? 20}`)),
  );
}
