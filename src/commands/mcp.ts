import { Flags } from '@oclif/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { AdminClient } from '../cli/admin-client.js';
import { AdminCommand } from '../cli/admin-command.js';
import { LOG_LEVELS } from '../config/index.js';
import { registerTools } from '../agents/mcp/tools.js';
import { startOwnNode, type OwnNode } from '../agents/mcp/own-node.js';

/** `agent-runtime mcp`: an MCP server over stdio, a client of a node's admin API (a running one, or its own). */
export default class Mcp extends AdminCommand {
  static override summary = 'Serve the Model Context Protocol over stdio for an LLM agent';

  static override description =
    "Serve MCP tools (send_payment, get_payment, list_payments, get_balance, list_peers, get_policy, quote, list_receipts, verify_receipt) over stdio. With --url it calls a running node's admin API with --api-key (give it a key with the send and read scopes: it can pay within its policy but never change it or approve itself). With --config and no --url it runs that config's node in this process (logs in <dataDir>/node.log) and calls it with --api-key or the config's first adminApi.keys entry with scopes [send, read]; closing stdin (or SIGTERM) stops the node. stdout carries the protocol only; see docs/agents.md for registering it in an MCP host.";

  static override examples = [
    'AGENT_RUNTIME_API_KEY=$AGENT_MCP_KEY <%= config.bin %> mcp --url http://127.0.0.1:8081',
    '<%= config.bin %> mcp --config config.yaml',
  ];

  static override flags = {
    'log-file': Flags.string({ description: "With --config: write the node's logs to this file ('-' = stderr) [default: <dataDir>/node.log]" }),
    'log-level': Flags.string({ description: "With --config: the node's log level [default: logLevel from the config]", options: [...LOG_LEVELS] }),
  };

  static override enableJsonFlag = false;

  async run(): Promise<void> {
    const { flags } = await this.parse(Mcp);
    let own: OwnNode | undefined;
    let client: AdminClient;
    if (flags.config !== undefined && flags.url === undefined) {
      own = await startOwnNode(flags.config, { apiKey: flags['api-key'], logFile: flags['log-file'], logLevel: flags['log-level'] });
      process.stderr.write(`${own.banner}\n`);
      client = new AdminClient(own.adminUrl, own.key, 45_000);
    } else {
      client = this.client(flags, 45_000);
    }
    const server = new McpServer({ name: 'agent-runtime', version: this.config.version });
    registerTools(server, client);
    const transport = new StdioServerTransport();
    await server.connect(transport);
    // Serve until the host closes stdin (or, as the SDK's client does after a grace period, sends SIGTERM).
    const signals = ['SIGTERM', 'SIGINT'] as const;
    let onSignal: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      onSignal = resolve;
      for (const s of signals) process.on(s, resolve);
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
    });
    for (const s of signals) process.off(s, onSignal!);
    // A second signal while stopping must not kill the node halfway through its ledger flush.
    const ignore = () => undefined;
    for (const s of signals) process.on(s, ignore);
    await server.close();
    if (own !== undefined) {
      await own.node.stop();
      process.stderr.write(`agent-runtime mcp: node ${own.node.nodeId} stopped\n`);
    }
    for (const s of signals) process.off(s, ignore);
  }
}
