import { describe, expect, it } from 'vitest';
import { parseResponse, normalizeActionWord, ActionVocabulary } from '../../tasks/parse.js';

const NAMES = ['left', 'down', 'right', 'up'];
const SOKO_SYN = { 'push up': 'up', 'move left': 'left' };

describe('parseResponse', () => {
  it('parses a well-formed single action', () => {
    const r = parseResponse('<think>go</think><answer>Left</answer>', NAMES);
    expect(r).toMatchObject({ ok: true, formatOk: true, think: 'go', answer: 'Left', actions: [0], reason: null });
  });

  it('parses comma, arrow, "then", newline and numbered lists, brackets and trailing dots', () => {
    expect(parseResponse('<answer>[Left, Up, up.]</answer>', NAMES).actions).toEqual([0, 3, 3]);
    expect(parseResponse('<answer>left -> down then right</answer>', NAMES).actions).toEqual([0, 1, 2]);
    expect(parseResponse('<answer>1. left\n2. up</answer>', NAMES).actions).toEqual([0, 3]);
    expect(parseResponse('<answer>left right up</answer>', NAMES).actions).toEqual([0, 2, 3]);
  });

  it('maps synonyms case-insensitively (env synonyms, compass words, arrows)', () => {
    expect(parseResponse('<answer>NORTH, a, ↓, East, w, d</answer>', NAMES).actions).toEqual([3, 0, 1, 2, 3, 2]);
    expect(parseResponse('<answer>Push Up, move_left</answer>', NAMES, SOKO_SYN).actions).toEqual([3, 0]);
    expect(parseResponse('<answer>north</answer>', NAMES, {}, { directionSynonyms: false }).reason).toBe('unknown-action');
  });

  it('tolerates text outside the tags for parsing but not for format', () => {
    const r = parseResponse('Sure! <think>x</think><answer>up</answer> Hope that helps', NAMES);
    expect(r.ok).toBe(true);
    expect(r.actions).toEqual([3]);
    expect(r.formatOk).toBe(false);
  });

  it('a reply ending with a newline (as served models write) parses and keeps the format under the default rule', () => {
    for (const end of ['\n', '\r\n', '\n\n  ']) {
      const r = parseResponse(`<think>x</think><answer>up, left</answer>${end}`, NAMES);
      expect(r.ok).toBe(true);
      expect(r.actions).toEqual([3, 0]);
      expect(r.answer).toBe('up, left');
      expect(r.formatOk).toBe(true);
      expect(parseResponse(`<think>x</think><answer>up, left</answer>${end}`, NAMES, {}, { formatRule: 'strict' }).formatOk).toBe(false);
    }
    expect(parseResponse('\n<think>x</think><answer>7</answer>\n').formatOk).toBe(true);
  });

  it('fails on repeated or nested answer tags', () => {
    expect(parseResponse('<think>a</think><answer>up</answer><answer>down</answer>', NAMES).reason).toBe('multiple-answer-tags');
    expect(parseResponse('<answer><answer>up</answer></answer>', NAMES).reason).toBe('multiple-answer-tags');
  });

  it('fails without an answer tag, on empty answers and empty responses', () => {
    expect(parseResponse('<think>hmm</think>up', NAMES).reason).toBe('no-answer-tag');
    expect(parseResponse('</answer>up<answer>', NAMES).reason).toBe('no-answer-tag');
    expect(parseResponse('<think>a</think><answer>   </answer>', NAMES).reason).toBe('empty-answer');
    expect(parseResponse('<answer> , ; </answer>', NAMES).reason).toBe('empty-answer');
    expect(parseResponse('', NAMES).reason).toBe('empty-response');
    expect(parseResponse('   \n ', NAMES).reason).toBe('empty-response');
  });

  it('reports unknown action words', () => {
    const r = parseResponse('<answer>left, jump, up</answer>', NAMES);
    expect(r.ok).toBe(false);
    expect(r.reason).toBe('unknown-action');
    expect(r.unknownWords).toEqual(['jump']);
    expect(r.message).toContain('jump');
    expect(r.actions).toBeNull();
  });

  it('enforces maxActions: fail by default, truncate on request', () => {
    expect(parseResponse('<answer>left, up</answer>', NAMES, {}, { maxActions: 1 }).reason).toBe('too-many-actions');
    expect(parseResponse('<answer>left, up, up</answer>', NAMES, {}, { maxActions: 2, overflow: 'truncate' }).actions).toEqual([0, 3]);
  });

  it('never throws on non-string or hostile input', () => {
    for (const bad of [null, undefined, 42, {}, [], Symbol('x') as unknown]) {
      expect(() => parseResponse(bad, NAMES)).not.toThrow();
      expect(parseResponse(bad, NAMES).ok).toBe(false);
    }
    expect(parseResponse('<answer>\u0000\uFFFF\uD800</answer>', NAMES).reason).toBe('unknown-action');
  });

  it('handles unicode: full-width letters normalise, emoji are unknown words', () => {
    expect(parseResponse('<answer>ＬＥＦＴ</answer>', NAMES).actions).toEqual([0]);
    const r = parseResponse('<think>思考 🤔</think><answer>🚀</answer>', NAMES);
    expect(r.reason).toBe('unknown-action');
    expect(r.think).toBe('思考 🤔');
  });

  it('copes with a 1 MB response quickly and without a huge error', () => {
    const filler = 'x'.repeat(1 << 20);
    const ok = parseResponse(`<think>${filler}</think><answer>up</answer>`, NAMES);
    expect(ok).toMatchObject({ ok: true, formatOk: true, actions: [3] });
    const bad = parseResponse(`<answer>${'jump '.repeat(200_000)}</answer>`, NAMES);
    expect(bad.reason).toBe('unknown-action');
    expect(bad.unknownWords.length).toBeLessThanOrEqual(8);
    expect(bad.message!.length).toBeLessThan(200);
    const many = parseResponse(`<answer>${'up, '.repeat(200_000)}up</answer>`, NAMES, {}, { maxActions: 50, overflow: 'truncate' });
    expect(many.actions).toHaveLength(50);
  });

  it('free-text tasks: any non-empty answer parses, actions stay null', () => {
    const r = parseResponse('<think>t</think><answer> (3 + 4) * 2 </answer>');
    expect(r).toMatchObject({ ok: true, answer: '(3 + 4) * 2', actions: null });
  });
});

describe('ActionVocabulary', () => {
  it('normalises words', () => {
    expect(normalizeActionWord('  Push_Up!! ')).toBe('push up');
    const v = new ActionVocabulary(['up', 'down'], { 'push up': 'up' });
    expect(v.resolve('PUSH-UP')).toBe(0);
    expect(v.resolve('north')).toBe(0);
    expect(v.resolve('sideways')).toBeNull();
  });
});
