import { ModelError } from './errors.js';

/**
 * A small greedy longest-match tokenizer over UTF-8 bytes. The vocabulary is: control
 * tokens (`<pad>`, `<bos>`, `<eos>`, `<resp>`), the four tag tokens of the answer format,
 * all 256 single bytes (so any text encodes losslessly), then frequent word pieces learnt
 * from a corpus (letters only, with their leading space: digits stay single characters,
 * which keeps arithmetic in Countdown compositional). Encoding is deterministic and
 * `decode(encode(s)) === s` for every string.
 */
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
/** Marks where the prompt ends and the response starts. */
export const RESP = 3;
/** Ids of the control tokens. */
export const SPECIAL_TOKENS = { pad: PAD, bos: BOS, eos: EOS, resp: RESP } as const;
const CONTROL = ['<pad>', '<bos>', '<eos>', '<resp>'];
/** Tag tokens: matched in text like any piece, so each tag is always one token. */
export const TAG_PIECES = ['<think>', '</think>', '<answer>', '</answer>'];
const BYTE_OFFSET = CONTROL.length + TAG_PIECES.length;

export interface TokenizerJSON {
  format: 'lmm-gym-tokenizer';
  version: 1;
  /** Learnt word pieces, in id order after the bytes. */
  words: string[];
}

interface TrieNode { id: number; next: Map<number, TrieNode> }

const encoder = new TextEncoder();

export class Tokenizer {
  readonly words: readonly string[];
  private readonly pieces: Uint8Array[];
  private readonly root: TrieNode = { id: -1, next: new Map() };
  private readonly decoder = new TextDecoder('utf-8');

  constructor(words: readonly string[] = []) {
    this.words = [...words];
    this.pieces = [
      ...CONTROL.map(() => new Uint8Array(0)),
      ...TAG_PIECES.map((t) => encoder.encode(t)),
      ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)),
      ...this.words.map((w) => encoder.encode(w)),
    ];
    for (let id = CONTROL.length; id < this.pieces.length; id++) this.insert(this.pieces[id]!, id);
  }

  /** Vocabulary size (the model's `vocabSize`). */
  get size(): number {
    return this.pieces.length;
  }

  /** Token id of `</answer>` (generation stops after it). */
  get answerEndId(): number {
    return CONTROL.length + 3;
  }

  private insert(bytes: Uint8Array, id: number): void {
    let node = this.root;
    for (const b of bytes) {
      let child = node.next.get(b);
      if (!child) { child = { id: -1, next: new Map() }; node.next.set(b, child); }
      node = child;
    }
    if (node.id === -1) node.id = id; // first wins: a word equal to a byte or tag keeps the lower id
  }

  /** Token ids of `text` (no control tokens added). */
  encode(text: string): number[] {
    const bytes = encoder.encode(text);
    const out: number[] = [];
    let i = 0;
    while (i < bytes.length) {
      let node: TrieNode | undefined = this.root;
      let bestId = -1, bestLen = 0;
      for (let j = i; j < bytes.length; j++) {
        node = node.next.get(bytes[j]!);
        if (!node) break;
        if (node.id >= 0) { bestId = node.id; bestLen = j - i + 1; }
      }
      out.push(bestId); // every byte is a piece, so bestLen >= 1
      i += bestLen;
    }
    return out;
  }

  /** Text of token ids; control tokens decode to nothing. */
  decode(ids: readonly number[]): string {
    return this.decoder.decode(this.bytesOf(ids));
  }

  /** The raw bytes of token ids (control tokens contribute none). */
  bytesOf(ids: readonly number[]): Uint8Array {
    let n = 0;
    for (const id of ids) n += this.piece(id).length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const id of ids) { const p = this.piece(id); out.set(p, o); o += p.length; }
    return out;
  }

  private piece(id: number): Uint8Array {
    const p = this.pieces[id];
    if (!p) throw new ModelError(`token id ${id} is outside the vocabulary (size ${this.size})`);
    return p;
  }

  /** A readable name for one token (for debugging). */
  tokenName(id: number): string {
    return id < CONTROL.length ? CONTROL[id]! : this.decoder.decode(this.piece(id));
  }

  toJSON(): TokenizerJSON {
    return { format: 'lmm-gym-tokenizer', version: 1, words: [...this.words] };
  }

  static fromJSON(json: unknown): Tokenizer {
    const j = json as Partial<TokenizerJSON> | null;
    if (!j || j.format !== 'lmm-gym-tokenizer' || j.version !== 1 || !Array.isArray(j.words) || !j.words.every((w) => typeof w === 'string')) {
      throw new ModelError('not an lmm-gym tokenizer (expected {format: "lmm-gym-tokenizer", version: 1, words: string[]})');
    }
    return new Tokenizer(j.words);
  }

  /**
   * Learn a vocabulary: the `maxWords` most frequent letter runs (with an optional
   * leading space) of the corpus that occur at least `minCount` times, plus the built-in
   * env language. Ties break alphabetically, so the result is deterministic.
   */
  static build(corpus: Iterable<string>, options: { maxWords?: number; minCount?: number } = {}): Tokenizer {
    const maxWords = options.maxWords ?? 400, minCount = options.minCount ?? 2;
    const counts = new Map<string, number>();
    const add = (text: string, weight: number) => {
      for (const m of text.matchAll(/ ?[A-Za-z_]{2,}|\n+| {2,}/g)) counts.set(m[0], (counts.get(m[0]) ?? 0) + weight);
    };
    add(BASE_LANGUAGE, minCount);
    for (const text of corpus) add(text, 1);
    const words = [...counts.entries()].filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, maxWords).map(([w]) => w);
    return new Tokenizer(words);
  }
}

/**
 * The env language every tokenizer knows: action names of Sokoban, FrozenLake and
 * Football, the answer format and the usual prompt words. Each word appears with and
 * without a leading space and capitalised.
 */
const BASE_WORDS = [
  'up', 'down', 'left', 'right', 'push', 'move', 'noop', 'no', 'op', 'idle', 'top', 'bottom', 'long', 'high',
  'short', 'pass', 'shot', 'sprint', 'release', 'direction', 'sliding', 'dribble', 'player', 'box', 'boxes',
  'target', 'targets', 'wall', 'walls', 'floor', 'goal', 'ball', 'hole', 'frozen', 'lake', 'start', 'the', 'is',
  'on', 'to', 'of', 'and', 'a', 'at', 'in', 'you', 'your', 'are', 'row', 'column', 'col', 'action', 'actions',
  'answer', 'think', 'plan', 'step', 'steps', 'use', 'numbers', 'number', 'target', 'reach', 'each', 'once',
  'equation', 'countdown', 'sokoban', 'football', 'frozenlake', 'grid', 'map', 'legend', 'observation', 'image',
  'valid', 'then', 'so', 'need', 'from', 'next', 'try', 'works', 'not', 'check', 'which', 'will', 'be', 'go',
  'with', 'that', 'this', 'it', 'can', 'one', 'must', 'first', 'now', 'get', 'opponent', 'keeper', 'shoot',
];
const BASE_LANGUAGE = BASE_WORDS.flatMap((w) => {
  const cap = w[0]!.toUpperCase() + w.slice(1);
  return [w, ` ${w}`, cap, ` ${cap}`];
}).join('\n');
