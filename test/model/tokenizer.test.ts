import { describe, expect, it } from 'vitest';
import { SPECIAL_TOKENS, Tokenizer } from '../../agents/model/index.js';

describe('Tokenizer', () => {
  const tok = Tokenizer.build(['You are playing Sokoban. Push the box onto the target.', 'Use the numbers 3 5 7 to reach 22.']);

  it('round-trips any text, including unicode and control characters', () => {
    for (const s of ['', 'Up, Up, Left', '<think>3*5=15, 15+7=22</think><answer>3*5+7</answer>', 'héllo ⚽ 🥅\n\t#@$', ' \n\n  x']) {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  it('keeps each answer tag one token, learns words, keeps digits single', () => {
    const ids = tok.encode('<think>push the box</think><answer>Up</answer>');
    expect(ids.map((i) => tok.tokenName(i))).toEqual(['<think>', 'push', ' the', ' box', '</think>', '<answer>', 'Up', '</answer>']);
    expect(tok.encode('</answer>')).toEqual([tok.answerEndId]);
    expect(tok.encode('123').length).toBe(3);
    expect(tok.encode(' Sokoban').length).toBe(1); // learnt from the corpus
  });

  it('is deterministic and survives JSON', () => {
    const again = Tokenizer.build(['You are playing Sokoban. Push the box onto the target.', 'Use the numbers 3 5 7 to reach 22.']);
    expect(again.words).toEqual(tok.words);
    const copy = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
    expect(copy.size).toBe(tok.size);
    expect(copy.encode('Push the box Left')).toEqual(tok.encode('Push the box Left'));
    expect(() => Tokenizer.fromJSON({ format: 'nope' })).toThrow(/lmm-gym tokenizer/);
  });

  it('control tokens decode to nothing and bad ids throw', () => {
    expect(tok.decode([SPECIAL_TOKENS.bos, ...tok.encode('ok'), SPECIAL_TOKENS.eos])).toBe('ok');
    expect(() => tok.decode([tok.size])).toThrow(/outside the vocabulary/);
  });
});
