import { readFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { out } from '../../cli/output.js';
import { appError } from '../../errors/index.js';
import { findReceipt, verifyReceipt, type Verification } from '../../agents/receipts/receipt.js';

/** `agent-runtime receipts verify <file>`: offline, no node needed. */
export default class ReceiptsVerify extends BaseCommand {
  static override summary = "Check a payee's signed receipt offline";

  static override description =
    "Check a receipt's Ed25519 signature and that sha256(fulfillment) is its condition, with no node running. The file holds the receipt, a receipts list entry or a send answer carrying one ('-' reads stdin). Give --public-key (the payee's, from its GET /admin/identity or health) to prove who signed it; without it the receipt's own key is used, which shows only that the receipt is intact. Exit code 1 when it does not verify.";

  static override examples = [
    "<%= config.bin %> receipts verify receipt.json --public-key \"$(curl -s localhost:8080/health | jq -r .identity.publicKey)\"",
    '<%= config.bin %> receipts list --limit 1 --json | jq ".receipts[0]" | <%= config.bin %> receipts verify - --json',
  ];

  static override args = {
    file: Args.string({ description: "The JSON file ('-' = stdin)", required: true }),
  };

  static override flags = {
    'public-key': Flags.string({ description: "The payee's Ed25519 public key (base64url or base64)" }),
  };

  async run(): Promise<Verification & { receipt?: unknown }> {
    const { args, flags } = await this.parse(ReceiptsVerify);
    let text: string;
    try {
      text = args.file === '-' ? await readStdin() : await readFile(args.file, 'utf8');
    } catch (err) {
      throw appError('INVALID_ARGUMENT', { field: 'file', reason: `cannot read ${args.file}: ${err instanceof Error ? err.message : String(err)}` });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw appError('INVALID_ARGUMENT', { field: 'file', reason: `${args.file} is not JSON` });
    }
    const receipt = findReceipt(value);
    if (receipt === undefined) {
      throw appError('INVALID_ARGUMENT', { field: 'file', reason: `${args.file} holds no signed receipt (a payer-record is the payer's own record and has none)` });
    }
    const result = { ...verifyReceipt(receipt, flags['public-key']), receipt };
    if (!this.jsonEnabled()) {
      if (result.valid) out(`valid: signed by ${result.keyFrom === 'given' ? 'the given key' : "the receipt's own key (give --public-key to prove whose)"}`);
      else for (const p of result.problems) out(`invalid: ${p}`);
    }
    return this.finish(result, result.valid ? 0 : 1);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
