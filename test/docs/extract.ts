/**
 * Finds the fenced code blocks of a Markdown file and what to do with each: run it (bash, sh, ts,
 * typescript), validate it (a YAML block that is a whole node config) or count it as data. A block
 * preceded by `<!-- norun: reason -->` is not run; the reason is reported.
 */

/** What the docs test does with a block. */
export type BlockKind = 'bash' | 'ts' | 'config' | 'data';

export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower-cased ('' when absent). */
  lang: string;
  code: string;
  kind: BlockKind;
  /** Set when a norun marker precedes the block: its reason, '' when the marker gives none. */
  norun?: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)?.*$/;
const NORUN = /^<!--\s*norun\s*(?::(.*?))?\s*-->$/;

function kindOf(lang: string, code: string): BlockKind {
  if (lang === 'bash' || lang === 'sh' || lang === 'shell') return 'bash';
  if (lang === 'ts' || lang === 'typescript') return 'ts';
  if ((lang === 'yaml' || lang === 'yml') && /^nodeId\s*:/m.test(code)) return 'config';
  return 'data';
}

/** The blocks of one Markdown text, in order. An unclosed fence runs to the end of the file. */
export function extractBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const lang = (open[2] ?? '').toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j].trim();
      if (close.startsWith(fence[0].repeat(fence.length)) && /^(`+|~+)$/.test(close)) break;
      body.push(lines[j]);
    }
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const marker = k >= 0 ? NORUN.exec(lines[k].trim()) : null;
    const code = body.join('\n') + '\n';
    blocks.push({
      file,
      line: i + 1,
      lang,
      code,
      kind: kindOf(lang, code),
      ...(marker ? { norun: (marker[1] ?? '').trim() } : {}),
    });
    i = j;
  }
  return blocks;
}

/** `docs/cli.md:42` */
export function where(block: DocBlock): string {
  return `${block.file}:${block.line}`;
}
