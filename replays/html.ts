import { createHash } from 'node:crypto';
import { encodePng, writeFileAtomic } from '../envs/render/png.js';
import type { Replay } from './format.js';
import { describeMismatch } from './errors.js';
import { autoScaleFor, probeReplay, withActionNames, type RenderReplayOptions } from './render.js';
import { replayStates } from './simulate.js';
import { MAX_VIEWER_TEXT_CHARS, actionLabel, agentViewAt, clipText, cumulativeReturns, formatReward, splitResponse } from './text.js';

/** Data the viewer page embeds (one JSON blob; frames are PNG data URLs, identical frames shared). */
interface ViewerData {
  title: string;
  fps: number;
  frames: string[];
  states: {
    f: number;
    label: string;
    action: string | null;
    reward: string | null;
    ret: string;
    components: string | null;
    parseError: string | null;
    end: string | null;
    answer: string | null;
    reasoningTitle: string | null;
    reasoning: string | null;
    info: string | null;
    text: string | null;
    mismatches: string[];
  }[];
}

/**
 * Build the self-contained HTML viewer of a replay: game frames (re-simulated at replay
 * size) as PNG data URLs, play/pause/step buttons, a slider and a text panel. No network.
 */
export async function buildReplayHtml(replay: Replay, options: Omit<RenderReplayOptions, keyof import('./panel.js').PanelOptions> & { fps?: number } = {}): Promise<string> {
  const probe = probeReplay(replay, options);
  replay = withActionNames(replay, probe.actionNames);
  const scale = options.scale === undefined || options.scale === 'auto' ? autoScaleFor(replay, probe) : options.scale;
  const returns = cumulativeReturns(replay);
  const names = replay.header.actionNames ?? null;
  const frameIndex = new Map<string, number>();
  const pngJobs: Promise<Buffer>[] = [];
  const data: ViewerData = {
    title: [replay.header.envId ?? 'env', replay.header.seed !== null ? `seed ${replay.header.seed}` : null, replay.header.agent ? `agent ${replay.header.agent.name}` : null].filter(Boolean).join(' · '),
    fps: options.fps ?? probe.renderFps ?? 4,
    frames: [],
    states: [],
  };
  const n = replay.steps.length;
  for (const s of replayStates(replay, { ...options, scale, frames: true, text: true, onMismatch: options.allowMismatch ? 'collect' : 'throw' })) {
    const frame = s.frame!;
    const key = createHash('sha1').update(frame.data).update(`${frame.width}x${frame.height}`).digest('hex');
    let f = frameIndex.get(key);
    if (f === undefined) {
      f = pngJobs.length;
      frameIndex.set(key, f);
      pngJobs.push(encodePng(frame));
    }
    const step = s.step;
    const view = agentViewAt(replay, s.index);
    const split = view?.response != null ? splitResponse(view.response) : null;
    const agentLines = view ? [
      ...view.idleTurns.map((t) => `Turn ${t.turn + 1}: no env step${t.parseError ? ` (${t.parseError})` : ''}${t.reward !== undefined ? ` · reward ${formatReward(t.reward)}` : ''}`),
      ...(view.parseError ? [`Parse error: ${view.parseError}`] : []),
    ] : [];
    const turnLine = view && (view.turnReward !== undefined || view.rewardComponents)
      ? [view.turnReward !== undefined ? `turn reward ${formatReward(view.turnReward)}` : null, ...Object.entries(view.rewardComponents ?? {}).map(([k, v]) => `${k} ${formatReward(v).replace(/^\+/, '')}`)].filter(Boolean).join(' · ') : null;
    const last = replay.steps[n - 1];
    data.states.push({
      f,
      label: step ? `Step ${s.index + 1} / ${n}` : n === 0 ? 'Start (no steps)' : `End · ${n} step${n === 1 ? '' : 's'}`,
      action: step ? actionLabel(step.action, names) + (step.parsedAction !== undefined && JSON.stringify(step.parsedAction) !== JSON.stringify(step.action) ? ` (parsed: ${actionLabel(step.parsedAction, names)})` : '') : null,
      reward: step ? formatReward(step.reward) : null,
      ret: formatReward(returns[step ? s.index + 1 : s.index] ?? 0),
      components: [step?.rewardComponents ? Object.entries(step.rewardComponents).map(([k, v]) => `${k} ${v}`).join(' · ') : null, turnLine].filter(Boolean).join('\n') || null,
      parseError: clipText([step?.parseError ? `Parse error: ${step.parseError}` : null, ...agentLines].filter(Boolean).join('\n'), MAX_VIEWER_TEXT_CHARS) || null,
      end: step ? (step.terminated ? 'terminated' : step.truncated ? 'truncated (limit)' : null)
        : last?.terminated ? 'episode terminated' : last?.truncated ? 'episode truncated (limit)' : replay.end ? 'episode not finished' : 'partial replay (writer did not close)',
      answer: split?.answer != null ? clipText(split.answer, MAX_VIEWER_TEXT_CHARS) : null,
      reasoningTitle: split ? `${view!.title} · reasoning` : null,
      reasoning: split ? clipText(split.reasoning, MAX_VIEWER_TEXT_CHARS) : null,
      info: step && Object.keys(step.info).length ? JSON.stringify(step.info) : null,
      text: s.text,
      mismatches: s.mismatches.map(describeMismatch),
    });
  }
  data.frames = (await Promise.all(pngJobs)).map((png) => `data:image/png;base64,${png.toString('base64')}`);
  return viewerPage(data);
}

/** Build and write the viewer atomically. */
export async function writeReplayHtml(replay: Replay, path: string, options: Parameters<typeof buildReplayHtml>[1] = {}): Promise<{ bytes: number; states: number }> {
  const html = await buildReplayHtml(replay, options);
  await writeFileAtomic(path, html);
  return { bytes: Buffer.byteLength(html), states: replay.steps.length + 1 };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The viewer's style sheet (dark page, game frame, text panel), shared with `lmm-gym watch`. */
export const VIEWER_CSS = `body{margin:0;background:#101218;color:#e6e6e6;font:14px/1.4 "DejaVu Sans Mono",Menlo,Consolas,monospace}
header{padding:8px 14px;color:#9aa0aa;border-bottom:1px solid #2a2d38}
main{display:flex;gap:16px;padding:14px;align-items:flex-start;flex-wrap:wrap}
#game{image-rendering:pixelated;image-rendering:crisp-edges;background:#000;max-width:100%}
#panel{flex:1;min-width:320px;background:#1d1f27;padding:10px 14px;border-radius:6px}
#label{font-size:20px;font-weight:bold;margin-bottom:6px}
.row{margin:2px 0;white-space:pre-wrap}.dim{color:#9aa0aa}.bad{color:#ff6b6b}.good{color:#7bd88f}.accent{color:#ffd866}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0 8px;max-height:40vh;overflow:auto;background:#15171e;padding:6px;border-radius:4px}
#controls{display:flex;gap:6px;align-items:center;padding:0 14px 10px;flex-wrap:wrap}
button{background:#2a2d38;color:#e6e6e6;border:1px solid #3a3d4a;border-radius:4px;padding:4px 10px;font:inherit;cursor:pointer}
#slider{flex:1;min-width:200px}
`;

function viewerPage(data: ViewerData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Replay: ${escapeHtml(data.title)}</title>
<style>
${VIEWER_CSS}</style></head>
<body data-ready="0" data-index="0">
<header>${escapeHtml(data.title)} · <span class="dim">←/→ step · space play/pause · Home/End</span></header>
<div id="controls">
<button id="first" title="first (Home)">|◀</button><button id="prev" title="previous (←)">◀</button>
<button id="play" title="play/pause (space)">▶ play</button><button id="next" title="next (→)">▶</button>
<button id="last" title="last (End)">▶|</button>
<input id="slider" type="range" min="0" max="${data.states.length - 1}" value="0" step="1" aria-label="step">
<span id="pos"></span>
<label class="dim">speed <select id="speed"><option value="0.5">0.5×</option><option value="1" selected>1×</option><option value="2">2×</option><option value="4">4×</option></select></label>
</div>
<main>
<img id="game" alt="game frame">
<section id="panel">
<div id="label"></div>
<div class="row" id="action"></div>
<div class="row" id="reward"></div>
<div class="row dim" id="components"></div>
<div class="row bad" id="parseError"></div>
<div class="row accent" id="end"></div>
<div class="row bad" id="mismatches"></div>
<div class="row accent" id="answer"></div>
<div class="dim" id="reasoningTitle"></div><pre id="reasoning"></pre>
<div class="dim" id="infoTitle">info</div><pre id="info"></pre>
<div class="dim" id="textTitle">state</div><pre id="text"></pre>
</section>
</main>
<pre id="selftest-result" hidden></pre>
<script type="application/json" id="replay-data">${scriptJson(data)}</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("replay-data").textContent);
const $ = (id) => document.getElementById(id);
const N = D.states.length;
let index = 0, timer = null;
function set(id, value, prefix) {
  const el = $(id); el.textContent = value == null ? "" : (prefix || "") + value; el.hidden = value == null;
}
function show(i) {
  index = Math.max(0, Math.min(N - 1, i | 0));
  const s = D.states[index];
  $("game").src = D.frames[s.f];
  $("slider").value = String(index);
  $("pos").textContent = (index + 1) + " / " + N;
  set("label", s.label);
  set("action", s.action, "Action  ");
  set("reward", s.reward == null ? "Return  " + s.ret : "Reward  " + s.reward + " · return " + s.ret);
  $("reward").className = "row " + (s.reward == null ? "" : s.reward.startsWith("+") ? "good" : s.reward.startsWith("-") ? "bad" : "");
  set("components", s.components);
  set("parseError", s.parseError);
  set("end", s.end);
  set("mismatches", s.mismatches.length ? s.mismatches.join("\\n") : null, "MISMATCH ");
  set("answer", s.answer, "Answer  ");
  set("reasoningTitle", s.reasoningTitle); set("reasoning", s.reasoning);
  set("infoTitle", s.info == null ? null : "info"); set("info", s.info);
  set("textTitle", s.text == null ? null : "state"); set("text", s.text);
  document.body.dataset.index = String(index);
}
function delay() { return 1000 / (D.fps * Number($("speed").value)); }
function play() {
  if (timer) return;
  if (index >= N - 1) show(0);
  $("play").textContent = "⏸ pause"; document.body.dataset.playing = "1";
  timer = setInterval(() => { if (index >= N - 1) pause(); else show(index + 1); }, delay());
}
function pause() {
  clearInterval(timer); timer = null;
  $("play").textContent = "▶ play"; document.body.dataset.playing = "0";
}
$("first").onclick = () => { pause(); show(0); };
$("prev").onclick = () => { pause(); show(index - 1); };
$("next").onclick = () => { pause(); show(index + 1); };
$("last").onclick = () => { pause(); show(N - 1); };
$("play").onclick = () => (timer ? pause() : play());
$("slider").oninput = (e) => { pause(); show(Number(e.target.value)); };
$("speed").onchange = () => { if (timer) { pause(); play(); } };
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight") $("next").click(); else if (e.key === "ArrowLeft") $("prev").click();
  else if (e.key === " ") { e.preventDefault(); $("play").click(); }
  else if (e.key === "Home") $("first").click(); else if (e.key === "End") $("last").click();
});
show(0);
document.body.dataset.frames = String(D.frames.length);
document.body.dataset.states = String(N);
document.body.dataset.ready = "1";
// Self-test for automated checks (open with #selftest): decodes every frame, drives the
// controls, and writes the outcome as JSON into #selftest-result.
function load(src) {
  return new Promise((resolve) => { const img = new Image(); img.onload = () => resolve(img); img.onerror = () => resolve(null); img.src = src; });
}
if (location.hash === "#selftest") (async () => {
  const out = { states: N, frames: D.frames.length, decoded: [], steps: {} };
  for (const src of D.frames) {
    const img = await load(src);
    out.decoded.push(img ? [img.naturalWidth, img.naturalHeight] : null);
  }
  const gi = $("game");
  out.shownSize = [gi.naturalWidth, gi.naturalHeight];
  $("next").click(); $("next").click(); out.steps.afterTwoNext = index;
  const sl = $("slider"); sl.value = String(N - 1); sl.dispatchEvent(new Event("input"));
  out.steps.afterSliderEnd = index; out.labelAtEnd = $("label").textContent;
  $("prev").click(); out.steps.afterPrev = index;
  $("first").click(); $("play").click();
  await new Promise((r) => setTimeout(r, delay() * 2.5));
  out.steps.afterPlaying = index; out.playing = document.body.dataset.playing;
  $("play").click(); out.pausedAt = index; out.playingAfterPause = document.body.dataset.playing;
  out.reasoningAt0 = D.states[0].reasoning;
  $("selftest-result").textContent = JSON.stringify(out);
  document.body.dataset.selftest = "done";
})();
</script>
</body></html>
`;
}
