import { Args, Flags } from '@oclif/core';
import { appError } from '../errors/index.js';
import type { IlpSendResponse } from '../node/types.js';
import { AdminCommand } from '../cli/admin-command.js';
import { checkAmountArg } from '../cli/amount-arg.js';
import { describeData, out } from '../cli/output.js';
import { readPacketData } from '../cli/read-data.js';

/** `agent-runtime send <destination> <amount>`. */
export default class Send extends AdminCommand {
  static override summary = 'Send a paid packet through a running node';

  static override description =
    'Send a paid packet from the local agent of a running node (POST /admin/ilp/send); the answer carries the packetId of its events.\n' +
    'The data comes from --data, --data-file, or stdin when it is piped (at most 32767 bytes); the condition is ' +
    'sha256(sha256(data)), so a receiver using the simple handler can fulfil it. A rejected packet is the error SEND_FAILED ' +
    '(exit code 1; with --json {error: {code, message, suggestion, details}}, details holding ilpCode, triggeredBy and packetId).';

  static override examples = [
    '<%= config.bin %> send g.hub.bob 1000 --data "What is the ETH price?"',
    'echo hi | <%= config.bin %> send g.hub.bob 1000 --json | jq .fulfilled',
    '<%= config.bin %> send g.hub.bob 1000 --data-file request.json --timeout 5000',
  ];

  static override args = {
    destination: Args.string({ description: 'ILP address of the receiver, e.g. g.hub.bob', required: true }),
    amount: Args.string({ description: 'Amount in asset units (unsigned integer)', required: true }),
  };

  static override flags = {
    data: Flags.string({ description: 'Packet data as text', exclusive: ['data-file'] }),
    'data-file': Flags.string({ description: "Read the packet data from a file ('-' = stdin)", exclusive: ['data'] }),
    timeout: Flags.integer({ description: 'How long the packet may take (ms); it expires after', default: 30_000, min: 1 }),
    receipt: Flags.boolean({ description: "Ask the payee's node for a signed receipt (docs/agents.md; for agent-runtime payees)", default: false }),
  };

  async run(): Promise<IlpSendResponse> {
    const { args, flags } = await this.parse(Send);
    checkAmountArg(args.amount);
    const data = await readPacketData({ data: flags.data, dataFile: flags['data-file'], stdin: process.stdin });
    const client = this.client(flags, flags.timeout + 5000);
    const result = await client.post<IlpSendResponse>('/admin/ilp/send', {
      destination: args.destination,
      amount: args.amount,
      ...(data.length > 0 ? { data: data.toString('base64') } : {}),
      timeoutMs: flags.timeout,
      ...(flags.receipt ? { receipt: true } : {}),
    });
    if (result.fulfilled) {
      if (!this.jsonEnabled()) {
        out(`fulfilled  ${args.amount} to ${args.destination}`);
        out(`fulfillment  ${result.fulfillment}`);
        const reply = describeData(result.data);
        if (reply !== undefined) out(`reply  ${reply}`);
        const r = result.receipt as { kind?: string } | undefined;
        if (r?.kind !== undefined) out(`receipt  ${r.kind === 'payee' ? 'signed by the payee' : "the payer's own record (the payee signed none)"}`);
      }
      return result;
    }
    if ('pending' in result) {
      if (!this.jsonEnabled()) out(`pending approval ${result.approvalId} (until ${result.expiresAt}): \`agent-runtime approvals approve ${result.approvalId}\``);
      return result;
    }
    // A rejection is a failure like any other: the catalogue's SEND_FAILED through the one error
    // boundary ({error: {code, message, suggestion, details}} with --json), with the reject's fields.
    const reply = describeData(result.data);
    const by = result.triggeredBy || '(unknown)';
    throw appError('SEND_FAILED', {
      destination: args.destination,
      ilpCode: result.code,
      reason: result.message,
      triggeredBy: result.triggeredBy,
      packetId: result.packetId,
      data: result.data,
      message: `Payment to ${args.destination} was rejected: ${result.code} ${result.message} (triggered by ${by}${reply === undefined ? '' : `; data: ${reply}`})`,
    });
  }
}
