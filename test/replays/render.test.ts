import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePng, make, resizeNearest } from '../../envs/index.js';
import { PanelRenderer, buildReplayHtml, encodeReplayGif, panelContent, readReplay, saveEpisodeReplay, withActionNames, writeReplayPngs, type Replay } from '../../replays/index.js';
import { firstLines, layoutText, wrapColumns } from '../../replays/glyphs.js';
import { MAX_VIEWER_TEXT_CHARS, cumulativeReturns, splitResponse } from '../../replays/text.js';
import { recordFrozenLake, responseFor, tempDir } from './helpers.js';

function sampleReplay(envOptions: Record<string, unknown> = { map: '4x4' }, seed = 2): Replay {
  const ep = recordFrozenLake({ seed, actionSeed: 6, envOptions });
  const path = join(tempDir(), 'r.jsonl');
  saveEpisodeReplay(path, ep, { agent: { name: 'fake' }, annotations: ep.actions.map((a, t) => ({ response: responseFor(a, t), rewardComponents: { format: 1 } })) });
  return readReplay(path);
}

describe('annotated PNG frames', () => {
  it('writes one PNG per state whose game area is the re-simulated frame at replay size', async () => {
    const replay = sampleReplay();
    const dir = tempDir();
    const paths = await writeReplayPngs(replay, dir);
    expect(paths).toHaveLength(replay.steps.length + 1);
    expect(readdirSync(dir).sort()[0]).toBe('step-0000.png');
    const img = await decodePng(readFileSync(paths[0]!));
    // 4x4 map of 16 px tiles -> auto scale 4 (tileSize 64): 256 px game + 2*8 margin + 320 panel.
    expect([img.width, img.height]).toEqual([256 + 16 + 320, 256 + 16]);
    const env = make('FrozenLake-v0', { ...replay.header.envOptions, tileSize: 64 });
    env.reset({ seed: 2 });
    const game = env.render();
    for (const [x, y] of [[0, 0], [100, 37], [255, 255], [128, 200]] as const) {
      const i = ((y + 8) * img.width + x + 8) * 4, j = (y * game.width + x) * 4;
      expect([...img.data.subarray(i, i + 4)]).toEqual([...game.data.subarray(j, j + 4)]);
    }
    // The panel differs between states (step number, action, reasoning).
    const img1 = await decodePng(readFileSync(paths[1]!));
    const panel = (f: typeof img) => Buffer.from(f.data.subarray(0, f.width * 4 * 40)).toString('hex');
    expect(panel(img1)).not.toBe(panel(img));
  });

  it('describes each state in the panel: step, action name, reward, return, answer and reasoning', () => {
    const replay = withActionNames(sampleReplay(), ['left', 'down', 'right', 'up']);
    const returns = cumulativeReturns(replay);
    const c0 = panelContent(replay, 0, returns);
    expect(c0.title).toBe('FrozenLake-v0 · seed 2 · agent fake');
    expect(c0.stepLine).toBe(`Step 1 / ${replay.steps.length}`);
    const names = ['left', 'down', 'right', 'up'];
    const a0 = replay.steps[0]!.action as number;
    expect(c0.lines.map((l) => l.text)).toEqual(expect.arrayContaining([`Action  ${names[a0]} (${a0})`, 'format 1', `Answer  ${names[a0]}`]));
    expect(c0.lines.some((l) => /^Reward  \S+ · return \S+$/.test(l.text))).toBe(true);
    expect(c0.reasoning).toBe(`Step 0: the goal is south-east, so I move ${names[a0]}.`);
    const last = panelContent(replay, replay.steps.length, returns);
    expect(last.stepLine).toBe(`End · ${replay.steps.length} steps`);
    expect(last.reasoning).toBeNull();
  });

  it('wraps long text to the panel width and keeps long reasoning inside the image', () => {
    const lines = wrapColumns('word '.repeat(200) + 'x'.repeat(300) + '\n\nend', 30);
    expect(lines.length).toBeGreaterThan(40);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(30);
    expect(lines.slice(-3)).toEqual([expect.stringMatching(/^x+$/), '', 'end']);
    expect(lines.join('').replace(/ /g, '')).toBe('word'.repeat(200) + 'x'.repeat(300) + 'end');
    const r = new PanelRenderer(64, 64, { width: 200, minHeight: 120 });
    const f = r.draw(null, { title: 't', stepLine: 's', lines: [], reasoningTitle: 'R', reasoning: 'long '.repeat(2000) });
    expect([f.width, f.height]).toEqual([64 + 16 + 200, 120]);
    // Text stays inside the panel: the bottom padding rows keep the background colour.
    const bg = [...f.data.subarray(((f.height - 1) * f.width + f.width - 100) * 4, ((f.height - 1) * f.width + f.width - 100) * 4 + 4)];
    let inked = 0;
    for (let y = f.height - 8; y < f.height; y++) for (let x = f.width - 200; x < f.width; x++) {
      const i = (y * f.width + x) * 4;
      if (f.data[i] !== bg[0] || f.data[i + 1] !== bg[1] || f.data[i + 2] !== bg[2]) inked++;
    }
    expect(inked).toBe(0);
    // ... and the text area above does have ink.
    let text = 0;
    for (let y = 40; y < 100; y++) for (let x = f.width - 190; x < f.width - 10; x++) if (f.data[(y * f.width + x) * 4] !== bg[0]) text++;
    expect(text).toBeGreaterThan(100);
  });
});

describe('text layout is linear and truncates what cannot be shown (issue 18)', () => {
  const MB = 1 << 20;

  it('a 1 MB single word is broken by characters and fitted with a visible marker', () => {
    const word = 'x'.repeat(MB);
    const lay = layoutText(word, 30, 12, 2);
    expect(lay.total).toBe(Math.ceil(MB / 30));
    expect(lay.lines).toHaveLength(12);
    expect(lay.markerAt).toBe(9);
    expect(lay.lines[9]).toBe(`… (${Math.ceil(MB / 30) - 11} more lines)`);
    expect(lay.lines.slice(0, 9).every((l) => l === 'x'.repeat(30))).toBe(true);
    expect(lay.lines.slice(10)).toEqual(['x'.repeat(30), 'x'.repeat(MB % 30)]);
    const few = firstLines(word, 30, 3);
    expect(few).toEqual({ lines: ['x'.repeat(30), 'x'.repeat(30), 'x'.repeat(30)], more: true });
    // Short text: everything, no marker; surrogate pairs are never split.
    expect(layoutText('a b', 30, 5)).toEqual({ lines: ['a b'], total: 1, markerAt: -1 });
    expect(wrapColumns('😀'.repeat(5), 2)).toEqual(['😀😀', '😀😀', '😀']);
    expect(wrapColumns('a  b\t\r\n\n\n', 10)).toEqual(['a b ']);
    expect(wrapColumns('', 10)).toEqual(['']);
  });

  it('a replay whose response is one 1 MB word renders a panel with the truncation marker', () => {
    const replay = sampleReplay();
    replay.steps[0]!.response = `<think>${'y'.repeat(MB)}</think><answer>${'z'.repeat(MB)}</answer>`;
    const returns = cumulativeReturns(replay);
    const content = panelContent(replay, 0, returns);
    expect(content.reasoning).toHaveLength(MB);
    const r = new PanelRenderer(64, 64, { width: 320, minHeight: 240 });
    r.draw(null, content);
    const lay = r.lastReasoningLayout!;
    const cols = lay.lines[0]!.length;
    expect(lay.total).toBe(Math.ceil(MB / cols));
    expect(lay.markerAt).toBeGreaterThanOrEqual(0);
    expect(lay.lines[lay.markerAt]).toMatch(/^… \(\d+ more lines\)$/);
    expect(lay.lines.length).toBeLessThan(30);
  });

  it('splitResponse is linear on adversarial tags; the HTML viewer clips long text with a marker', async () => {
    const many = '<think>'.repeat(150_000) + '<answer>'.repeat(100_000);
    expect(splitResponse(many)).toEqual({ reasoning: many, answer: null });
    expect(splitResponse('a<answer> b </answer>c')).toEqual({ reasoning: 'ac', answer: 'b' });
    expect(splitResponse('<think> r </think><answer>x</answer>')).toEqual({ reasoning: 'r', answer: 'x' });
    const replay = sampleReplay();
    replay.steps[0]!.response = `<think>${'y'.repeat(MB)}</think><answer>left</answer>`;
    const html = await buildReplayHtml(replay);
    const data = JSON.parse(/<script type="application\/json" id="replay-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
    const reasoning = data.states[0].reasoning as string;
    expect(reasoning.length).toBeLessThan(MAX_VIEWER_TEXT_CHARS + 100);
    expect(reasoning).toMatch(new RegExp(`… \\[${MB - MAX_VIEWER_TEXT_CHARS} more characters not shown\\]$`));
  });
});

describe('animated GIF', () => {
  it('has one frame per state, the replay size, the delay asked and a longer last frame', async () => {
    const replay = sampleReplay({ map: '4x4' }, 7);
    const { gif, frames, width, height, delay } = await encodeReplayGif(replay, { delay: 120 });
    expect(frames).toBe(replay.steps.length + 1);
    const meta = await sharp(gif, { animated: true }).metadata();
    expect(meta.format).toBe('gif');
    expect(meta.pages).toBe(frames);
    expect(meta.width).toBe(width);
    expect(meta.pageHeight).toBe(height);
    expect(delay).toBe(120);
    expect(meta.delay!.slice(0, -1).every((d) => d === 120)).toBe(true);
    expect(meta.delay!.at(-1)).toBe(480);
    expect(meta.loop).toBe(0);
    // 4x4 map at 16 px -> 64 px, auto scale 4 (256 px).
    expect(height).toBe(256 + 16);
    const { gif: g2 } = await encodeReplayGif(replay, { scale: 1 });
    const m2 = await sharp(g2, { animated: true }).metadata();
    expect(m2.delay![0]).toBe(250); // FrozenLake renderFps 4
    expect(m2.pageHeight).toBe(240); // minimum panel height
    const { frames: strided } = await encodeReplayGif(replay, { scale: 1, stride: 4 });
    expect(strided).toBe(Math.floor(replay.steps.length / 4) + 1 + (replay.steps.length % 4 === 0 ? 0 : 1));
  });
});

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

describe('HTML viewer', () => {
  it('is self-contained: frames as data URLs, no network references', async () => {
    const replay = sampleReplay();
    const html = await buildReplayHtml(replay);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(http/);
    const data = JSON.parse(/<script type="application\/json" id="replay-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
    expect(data.states).toHaveLength(replay.steps.length + 1);
    expect(data.frames.every((f: string) => f.startsWith('data:image/png;base64,'))).toBe(true);
    // A response with "</script>" cannot break out of the data block.
    replay.steps[0]!.response = '<think>a</script><script>alert(1)</script></think><answer>left</answer>';
    const tricky = await buildReplayHtml(replay);
    expect(tricky.match(/<\/script>/g)!.length).toBe(2);
  });

  it.skipIf(!chromium)('loads its frames and steps with the buttons and the slider in headless Chromium', async () => {
    const replay = sampleReplay({ map: '8x8' }, 7);
    const dir = tempDir();
    const file = join(dir, 'v.html');
    writeFileSync(file, await buildReplayHtml(replay));
    const dom = execFileSync(chromium!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-extensions',
      `--user-data-dir=${join(dir, 'profile')}`, '--virtual-time-budget=20000', '--dump-dom', `file://${file}#selftest`,
    ], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const body = /<body([^>]*)>/.exec(dom)![1]!;
    expect(body).toContain('data-ready="1"');
    expect(body).toContain('data-selftest="done"');
    const result = JSON.parse(/<pre id="selftest-result"[^>]*>([^<]*)<\/pre>/.exec(dom)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    const n = replay.steps.length + 1;
    expect(result.states).toBe(n);
    expect(result.decoded).toHaveLength(result.frames);
    for (const size of result.decoded) expect(size).toEqual([256, 256]);
    expect(result.shownSize).toEqual([256, 256]);
    expect(result.steps).toMatchObject({ afterTwoNext: 2, afterSliderEnd: n - 1, afterPrev: n - 2 });
    expect(result.steps.afterPlaying).toBeGreaterThan(0);
    expect(result.playing).toBe('1');
    expect(result.playingAfterPause).toBe('0');
    expect(result.labelAtEnd).toBe(`End · ${n - 1} steps`);
    expect(result.reasoningAt0).toMatch(/^Step 0: the goal is south-east/);
  }, 90_000);

  if (!chromium) it('HTML viewer browser check skipped: no chromium at /usr/bin/chromium (install Debian package "chromium")', () => {});
});

// Keep the import used (nearest resize is the fallback for envs without a tile size).
void resizeNearest;
