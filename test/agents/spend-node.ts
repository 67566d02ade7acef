/**
 * A node in its own process for the spend crash test (spend-crash.slow.test.ts): the local agent under a
 * budget, every payment to g.alice.* accepted. Prints `{"admin": <url>}` once started, then runs
 * until killed. Usage: node --import tsx test/agents/spend-node.ts <dataDir>
 */
import { ConnectorNode } from '../../src/index.js';
import { quietLogger } from '../helpers/node.js';
import { keyedAdmin } from './helpers.js';

const dataDir = process.argv[2];
const node = new ConnectorNode(
  {
    nodeId: 'alice',
    btpServerPort: 0,
    healthCheckPort: 0,
    dataDir,
    logLevel: 'silent',
    adminApi: { enabled: true, port: 0, ...keyedAdmin },
    policies: { local: { budgets: [{ amount: '1000000000', per: 'day' }] } },
  },
  quietLogger(),
  { env: {} },
);
node.setPacketHandler((req) => ({ accept: true, data: req.data }));
await node.start();
process.stdout.write(`${JSON.stringify({ admin: node.endpoints.admin })}\n`);
