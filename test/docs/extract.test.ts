import { describe, expect, it } from 'vitest';
import { extractBlocks } from './extract.js';

describe('extractBlocks', () => {
  const md = [
    '# Title',
    '',
    '```bash',
    'echo one',
    '```',
    '',
    '<!-- norun: runs until Ctrl-C -->',
    '',
    '```sh',
    'sleep infinity',
    '```',
    '<!-- norun -->',
    '```ts',
    "console.log('x');",
    '```',
    '````yaml',
    'nodeId: a',
    '```',
    '````',
    '```yaml',
    'localDelivery: {enabled: true}',
    '```',
    '```',
    'a diagram',
    '```',
    '~~~typescript title="x"',
    'const y = 1;',
    '~~~',
  ].join('\n');
  const blocks = extractBlocks('x.md', md);

  it('finds every fenced block with its line, language and kind', () => {
    expect(blocks.map((b) => [b.line, b.lang, b.kind])).toEqual([
      [3, 'bash', 'bash'],
      [9, 'sh', 'bash'],
      [13, 'ts', 'ts'],
      [16, 'yaml', 'config'],
      [20, 'yaml', 'data'],
      [23, '', 'data'],
      [26, 'typescript', 'ts'],
    ]);
    expect(blocks[0].code).toBe('echo one\n');
    expect(blocks[3].code).toBe('nodeId: a\n```\n');
  });

  it('reads norun markers with and without a reason', () => {
    expect(blocks.map((b) => b.norun)).toEqual([undefined, 'runs until Ctrl-C', '', undefined, undefined, undefined, undefined]);
  });
});
