/**
 * The interactive side of `agent-runtime setup` (only when stdin and stdout are terminals): asks for
 * what the flags did not give, with the flag values as defaults. Secrets are never asked for: setup
 * generates them.
 */
import { confirm, input, number, select } from '@inquirer/prompts';
import type { SetupAnswers, SetupPeer } from './setup-files.js';
import { ID_PATTERN } from '../config/fields.js';

const ID = ID_PATTERN;
const validId = (v: string) => ID.test(v) || 'letters, digits, _ ~ - only';
const validUrl = (v: string) => /^wss?:\/\/[^/\s]+/.test(v) || 'a ws:// or wss:// URL, e.g. ws://peer.example.com:3000';

async function port(message: string, value: number): Promise<number> {
  return (await number({ message, default: value, min: 0, max: 65535, required: true })) ?? value;
}

async function askPeer(): Promise<SetupPeer> {
  const relation = await select<SetupPeer['relation']>({
    message: 'Relation',
    choices: [
      { value: 'peer', name: 'peer: we exchange packets as equals (we dial it)' },
      { value: 'parent', name: 'parent: we get our address from it and send it everything else (we dial it)' },
      { value: 'child', name: 'child: it gets its address from us (it dials us)' },
    ],
  });
  const id = await input({ message: 'Peer id', validate: validId });
  if (relation === 'child') return { id, relation };
  const url = await input({ message: `BTP URL of ${id}`, validate: validUrl });
  return { id, relation, url };
}

/** Asks for every answer, starting from `initial` (the flags). */
export async function promptAnswers(initial: SetupAnswers): Promise<SetupAnswers> {
  const nodeId = await input({ message: 'Node id (your address will be g.<id> unless a parent assigns one)', default: initial.nodeId, validate: validId });
  const btpPort = await port('BTP port (peers dial it)', initial.btpPort);
  const healthPort = await port('Health port (/health, /metrics)', initial.healthPort);
  const adminPort = await port('Admin API port (the CLI talks to it, on 127.0.0.1)', initial.adminPort);
  const peers = [...initial.peers];
  for (const p of peers) process.stdout.write(`  peer ${p.id} (${p.relation}${p.url ? `, ${p.url}` : ''})\n`);
  while (await confirm({ message: peers.length === 0 ? 'Add a peer?' : 'Add another peer?', default: peers.length === 0 })) {
    peers.push(await askPeer());
  }
  const limit = await input({
    message: 'Credit limit per peer in asset units (empty = unlimited)',
    default: initial.creditLimit ?? '',
    validate: (v) => v === '' || /^[0-9]+$/.test(v) || 'an unsigned integer, or empty',
  });
  return { nodeId, btpPort, healthPort, adminPort, peers, ...(limit === '' ? {} : { creditLimit: limit }) };
}
