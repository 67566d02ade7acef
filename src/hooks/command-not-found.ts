/**
 * oclif's `command_not_found` hook: a mistyped command (`balance`, `peers ad`) gets UNKNOWN_COMMAND
 * (exit 2) naming the closest command, in the CLI's one failure shape (`{error:{…}}` with --json).
 */
import type { Hook } from '@oclif/core';
import { closest } from '../config/explain.js';
import { appError } from '../errors/index.js';
import { errorJson, errorLines } from '../cli/output.js';

const hook: Hook<'command_not_found'> = function (opts) {
  const typed = opts.id.split(':').join(' ');
  const commands = opts.config.commandIDs.map((id) => id.split(':').join(' '));
  // a command of as many words first (`peers ad` → `peers add`, not the topic `peers`), then any
  const words = typed.split(' ').length;
  const near = closest(typed, commands.filter((c) => c.split(' ').length === words)) ?? closest(typed, commands);
  const e = near === undefined
    ? appError('UNKNOWN_COMMAND', { command: typed, suggestion: 'Run `agent-runtime --help` to list the commands.' })
    : appError('UNKNOWN_COMMAND', { command: typed, closest: near });
  if (opts.argv?.includes('--json')) process.stdout.write(`${JSON.stringify(errorJson(e))}\n`);
  else process.stderr.write(`${errorLines(e).join('\n')}\n`);
  this.exit(2);
  return Promise.resolve();
};

export default hook;
