import { Flags } from '@oclif/core';
import { join } from 'node:path';
import { loadConfig, validateConfigFile } from '../config/index.js';
import { IDENTITY_FILE, loadIdentity } from '../agents/identity.js';
import { appError } from '../errors/index.js';
import { BaseCommand } from '../cli/base-command.js';
import { CLI_CONFIG_DEFAULTS } from '../cli/cli-defaults.js';
import { ConfigInvalidError } from '../cli/errors.js';
import { out } from '../cli/output.js';
import { writeSetup, type SetupAnswers, type SetupPeer, type SetupResult } from '../cli/setup-files.js';

/** `--peer id=url` → its parts. */
function idUrl(flag: string, value: string): { id: string; url: string } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw appError('INVALID_ARGUMENT', { field: flag, reason: `expected id=url, got ${JSON.stringify(value)}` });
  return { id: value.slice(0, eq), url: value.slice(eq + 1) };
}

/** `agent-runtime setup`. */
export default class Setup extends BaseCommand {
  static override summary = 'Write config.yaml and .env (generated secrets) for a node';

  static override description =
    'Write config.yaml and .env for a node. Secrets (one BTP secret per peer, the admin API key) are generated and go to .env only ' +
    '(mode 600); config.yaml references them as ${VAR}. Interactive on a terminal; otherwise (or with --yes) entirely from flags. ' +
    'Refuses to overwrite existing files without --force.';

  static override examples = [
    '<%= config.bin %> setup',
    '<%= config.bin %> setup --yes --node-id alice --parent hub=ws://hub.example.com:3000',
    '<%= config.bin %> setup --node-id hub --child alice --child bob --peer carol=ws://127.0.0.1:3002 --output-dir ./hub --json',
  ];

  static override flags = {
    'node-id': Flags.string({ description: 'This node id', default: 'agent-runtime' }),
    'btp-port': Flags.integer({ description: 'BTP port', default: 3000, min: 0, max: 65535 }),
    'health-port': Flags.integer({ description: 'Health port', default: 8080, min: 0, max: 65535 }),
    'admin-port': Flags.integer({ description: 'Admin API port', default: 8081, min: 0, max: 65535 }),
    peer: Flags.string({ description: 'A peer we dial, as id=ws://host:port (repeatable)', multiple: true }),
    child: Flags.string({ description: 'A child that dials us, by id (repeatable)', multiple: true }),
    parent: Flags.string({ description: 'Our parent, as id=ws://host:port' }),
    'credit-limit': Flags.string({ description: 'Credit limit for every peer (asset units)' }),
    'output-dir': Flags.string({ description: 'Where to write config.yaml and .env', default: '.' }),
    force: Flags.boolean({ description: 'Overwrite existing files (new secrets are generated)', default: false }),
    yes: Flags.boolean({ char: 'y', description: 'Do not prompt, even on a terminal', default: false }),
  };

  async run(): Promise<SetupResult & { identity: { algorithm: 'ed25519'; publicKey: string; file: string } }> {
    const { flags } = await this.parse(Setup);
    const peers: SetupPeer[] = [];
    if (flags.parent !== undefined) peers.push({ ...idUrl('--parent', flags.parent), relation: 'parent' });
    for (const p of flags.peer ?? []) peers.push({ ...idUrl('--peer', p), relation: 'peer' });
    for (const id of flags.child ?? []) peers.push({ id, relation: 'child' });
    let answers: SetupAnswers = {
      nodeId: flags['node-id'],
      btpPort: flags['btp-port'],
      healthPort: flags['health-port'],
      adminPort: flags['admin-port'],
      peers,
      ...(flags['credit-limit'] === undefined ? {} : { creditLimit: flags['credit-limit'] }),
    };
    const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !flags.yes && !this.jsonEnabled();
    if (interactive) answers = await (await import('../cli/setup-prompts.js')).promptAnswers(answers);

    const result = writeSetup(flags['output-dir'], answers, flags.force);
    // The files must pass `validate`: check them the way start will read them (only their own .env).
    const check = validateConfigFile(result.configPath, { env: {}, cwd: flags['output-dir'], defaults: CLI_CONFIG_DEFAULTS });
    if (!check.ok) throw new ConfigInvalidError(check.issues, result.configPath, 'This is a bug in setup: please report it with the issues above.');
    // The node's Ed25519 identity key, made now as start would make it (kept if one is there): its
    // data directory as start resolves it when run from the output directory.
    const { dataDir } = loadConfig(result.configPath, { env: {}, cwd: flags['output-dir'], defaults: CLI_CONFIG_DEFAULTS }).config;
    const identity = { algorithm: 'ed25519' as const, publicKey: loadIdentity(dataDir).publicKey, file: join(dataDir, IDENTITY_FILE) };

    if (!this.jsonEnabled()) {
      out(`Wrote ${result.configPath}`);
      out(`Wrote ${result.envPath} (mode 600): ${result.secrets.join(', ')}`);
      out(`Identity key ${identity.file} (mode 600), public key ${identity.publicKey}`);
      for (const p of result.peers) {
        out(`  ${p.id} (${p.relation}): give its operator the value of ${p.secretEnv}; they configure it for ${answers.nodeId}`);
      }
      out(`Next: agent-runtime validate ${result.configPath} && agent-runtime start --config ${result.configPath}`);
    }
    return { ...result, identity };
  }
}
