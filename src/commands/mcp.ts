import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { AdminCommand } from '../cli/admin-command.js';
import { registerTools } from '../agents/mcp/tools.js';

/** `agent-runtime mcp`: an MCP server over stdio, a client of the node's admin API. */
export default class Mcp extends AdminCommand {
  static override summary = 'Serve the Model Context Protocol over stdio for an LLM agent';

  static override description =
    "Serve MCP tools (send_payment, get_payment, list_payments, get_balance, list_peers, get_policy, quote, list_receipts, verify_receipt) over stdio, calling a running node's admin API with --url and --api-key (give it a key with the send and read scopes: it can pay within its policy but never change it or approve itself). stdout carries the protocol only; see docs/agents.md for registering it in an MCP host.";

  static override examples = ['AGENT_RUNTIME_API_KEY=$AGENT_MCP_KEY <%= config.bin %> mcp --url http://127.0.0.1:8081'];

  static override enableJsonFlag = false;

  async run(): Promise<void> {
    const { flags } = await this.parse(Mcp);
    const server = new McpServer({ name: 'agent-runtime', version: this.config.version });
    registerTools(server, this.client(flags, 45_000));
    const transport = new StdioServerTransport();
    await server.connect(transport);
    // Serve until the host closes stdin.
    await new Promise<void>((resolve) => {
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
    });
    await server.close();
  }
}
