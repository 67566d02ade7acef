/**
 * A JSON reader that keeps every number as its decimal text. `JSON.parse` turns 1.923077 into the
 * nearest double (1.92307699999999995...), and a rate must be the number the source wrote, so the
 * rates document is read here instead. Strict RFC 8259: anything else is a SyntaxError.
 */

/** A JSON number, as written. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** What `parseExactJson` returns: JSON values with numbers as `JsonNumber`. */
export type ExactJson = null | boolean | string | JsonNumber | ExactJson[] | { [key: string]: ExactJson };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 32;

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.i}`);
  }

  ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i])) this.i++;
  }

  done(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the JSON value');
  }

  value(depth: number): ExactJson {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (m === null || m[0].length === 0) this.fail('expected a JSON value');
    this.i += m[0].length;
    return new JsonNumber(m[0]);
  }

  object(depth: number): ExactJson {
    this.i++;
    const out: Record<string, ExactJson> = Object.create(null) as Record<string, ExactJson>;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a property name');
      const k = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') this.fail("expected ':'");
      out[k] = this.value(depth + 1);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): ExactJson {
    this.i++;
    const out: ExactJson[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const start = this.i;
    this.i++;
    let escaped = false;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\') {
        escaped = true;
        this.i += 2;
        continue;
      }
      if (c === '"') {
        this.i++;
        const raw = this.s.slice(start, this.i);
        // strings may hold escapes: the platform decodes them (they carry no numbers)
        return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      }
      if (c < ' ') this.fail('control character in a string');
      this.i++;
    }
    return this.fail('unterminated string');
  }
}

/** Parses JSON text, keeping numbers as their decimal text. @throws SyntaxError */
export function parseExactJson(text: string): ExactJson {
  const r = new Reader(text);
  const v = r.value(0);
  r.done();
  return v;
}
