import '../../envs/index.js';
import { InvalidOptionError } from '../../envs/core/errors.js';
import { limitMessage } from '../../envs/core/limits.js';
import { checkOutputFile } from '../../envs/render/png.js';
import {
  REPLAY_PARTIAL_SUFFIX, ReplayMismatchError, checkPanelOptions, describeMismatch, readReplay, verifyReplay,
  writeReplayGif, writeReplayHtml, writeReplayPngs, type RenderReplayOptions,
} from '../../replays/index.js';
import { IMPORT_HELP, IMPORT_OPTION, importModules, intFlag, parseCommandArgs, parseKeyValues } from '../args.js';
import { cleanFloat, formatNumber } from '../format.js';

const HELP = `usage: lmm-gym replay FILE [--png DIR] [--gif OUT.gif] [--html OUT.html] [options]

Re-simulates a replay file (make(envId, envOptions), reset({seed}), the recorded actions),
checks every step's reward against the recording, and renders it. Without an output flag
it prints a summary and the verification result (exit code 1 on a mismatch).

outputs:
  --png DIR          one annotated PNG per state (step-0000.png is the start state)
  --gif OUT.gif      animated GIF of the annotated frames
  --html OUT.html    self-contained HTML viewer (play/pause/step, slider, text panel)
options:
  --delay MS         GIF frame delay (default: 1000 / the env's renderFps)
  --stride N         GIF: keep every Nth state (and the last), for long episodes
  --scale N          integer game-frame upscale (default: auto, ~256-512 px)
  --panel-width PX   width of the text panel in PNG/GIF (default 320)
  --font-size PX     panel font size (default 12)
  --option k=v       extra env option for rendering (repeatable; rewards are still checked)
  --frames SOURCE    auto | simulate | stored (frames saved in the file)
  --allow-partial    accept a file whose writer never closed it (no end line)
  --allow-mismatch   draw steps that re-simulate differently, marked MISMATCH, instead of failing
${IMPORT_HELP}
  --json             print the summary as JSON`;

/** `lmm-gym replay FILE ...`: verify and render a replay file. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    png: { type: 'string' }, gif: { type: 'string' }, html: { type: 'string' },
    delay: { type: 'string' }, stride: { type: 'string' }, scale: { type: 'string' }, 'panel-width': { type: 'string' }, 'font-size': { type: 'string' },
    option: { type: 'string', multiple: true }, frames: { type: 'string' },
    'allow-partial': { type: 'boolean' }, 'allow-mismatch': { type: 'boolean' },
    ...IMPORT_OPTION, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new InvalidOptionError(`expected one replay FILE, got ${positionals.length}\n\n${HELP}`);
  await importModules(values.import);
  const file = positionals[0]!;
  const source = values.frames ?? 'auto';
  if (!['auto', 'simulate', 'stored'].includes(source)) throw new InvalidOptionError(`--frames must be auto, simulate or stored, got ${JSON.stringify(source)}`);
  const scale = values.scale === undefined || values.scale === 'auto' ? 'auto' : intFlag('scale', values.scale, 1);
  if (scale === 0) throw new InvalidOptionError('--scale must be at least 1');
  const options: RenderReplayOptions = {
    source: source as RenderReplayOptions['source'],
    scale,
    envOptions: parseKeyValues(values.option),
    allowMismatch: values['allow-mismatch'] ?? false,
    ...(values['panel-width'] !== undefined ? { width: positive('panel-width', values['panel-width']) } : {}),
    ...(values['font-size'] !== undefined ? { fontSize: positive('font-size', values['font-size']) } : {}),
  };
  // Sizes are checked before the file is read (an error names the flag and its limit).
  checkPanelOptions(options);
  if (scale !== 'auto' && scale > 16) throw new InvalidOptionError(limitMessage('--scale', scale, 16));
  for (const out of [values.gif, values.html]) if (out !== undefined) checkOutputFile(out);
  // The GIF format's limits, checked here so that the error names the flag.
  const delay = values.delay === undefined ? undefined : intFlag('delay', values.delay, 0, 10);
  if (delay !== undefined && delay > 65535) throw new InvalidOptionError(`--delay must be at most 65535 (ms), got ${delay}`);
  const stride = values.stride === undefined ? undefined : positive('stride', values.stride);
  const replay = readReplay(file, { allowPartial: values['allow-partial'] ?? file.endsWith(REPLAY_PARTIAL_SUFFIX) });
  const log = (s: string) => { if (!values.json) console.log(s); };
  const totalReward = cleanFloat(replay.steps.reduce((a, s) => a + s.reward, 0));
  const result: Record<string, unknown> = {
    file, envId: replay.header.envId, seed: replay.header.seed, steps: replay.steps.length,
    totalReward, complete: replay.end !== null,
  };
  log(`${file}: ${replay.header.envId ?? '(no env id)'} seed ${replay.header.seed ?? 'none'}, ${replay.steps.length} steps, return ${formatNumber(totalReward)}${replay.end ? '' : ' (partial: no end line)'}`);
  const outputs = values.png !== undefined || values.gif !== undefined || values.html !== undefined;
  if (!outputs) {
    if (source === 'stored') return 0;
    const report = verifyReplay(replay, { envOptions: options.envOptions! });
    result.verified = report.ok;
    result.mismatches = report.mismatches;
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else if (report.ok) console.log(`verified: re-simulation reproduces all ${report.steps} step rewards`);
    else {
      console.log(`MISMATCH: re-simulation differs at ${report.mismatches.length} point(s):`);
      for (const m of report.mismatches.slice(0, 20)) console.log(`  ${describeMismatch(m)}`);
    }
    return report.ok ? 0 : 1;
  }
  try {
    if (values.png !== undefined) {
      const paths = await writeReplayPngs(replay, values.png, options);
      result.png = { dir: values.png, files: paths.length };
      log(`wrote ${paths.length} PNGs to ${values.png}`);
    }
    if (values.gif !== undefined) {
      const g = await writeReplayGif(replay, values.gif, { ...options, ...(delay !== undefined ? { delay } : {}), ...(stride !== undefined ? { stride } : {}) });
      result.gif = { path: values.gif, ...g };
      log(`wrote ${values.gif}: ${g.frames} frames ${g.width}x${g.height}, ${g.delay} ms/frame, ${g.bytes} bytes`);
    }
    if (values.html !== undefined) {
      const h = await writeReplayHtml(replay, values.html, options);
      result.html = { path: values.html, ...h };
      log(`wrote ${values.html}: ${h.states} states, ${h.bytes} bytes`);
    }
  } catch (e) {
    if (e instanceof ReplayMismatchError) {
      console.error(`lmm-gym replay: ${e.message}\n(re-run with --allow-mismatch to draw it anyway, marked MISMATCH)`);
      return 1;
    }
    throw e;
  }
  if (values.json) console.log(JSON.stringify(result, null, 2));
  return 0;
}

function positive(name: string, value: string): number {
  const n = intFlag(name, value, 0);
  if (n < 1) throw new InvalidOptionError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
