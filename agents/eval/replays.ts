import { join } from 'node:path';
import { ReplayWriter, defaultReplayName } from '../../replays/writer.js';
import type { LanguageEnv } from '../../tasks/language-env.js';
import type { EpisodeResult } from '../runner.js';

/**
 * Save a finished language-agent episode as a replay file (the replays area's format):
 * every env step with its reward and flags, then one turn line per agent answer with the
 * full response, the parsed actions, the parse error and the rule-based reward components.
 * Re-simulating with make(envId, envOptions) + reset({ seed, options: resetOptions })
 * reproduces the steps (resetOptions: e.g. the test level an episode of `eval --levels` played).
 */
export function saveEpisodeResultReplay(dir: string, result: EpisodeResult, env: LanguageEnv, agentName: string, summary: Record<string, unknown> = {}): string {
  const path = join(dir, defaultReplayName(result.envId, result.episode));
  const writer = new ReplayWriter(path, {
    envId: result.envId,
    envOptions: env.env.spec?.options ?? {},
    seed: result.seed,
    ...(result.resetOptions ? { resetOptions: result.resetOptions } : {}),
    agent: { name: agentName },
    episodeIndex: result.episode,
    ...(env.actionNames.length ? { actionNames: env.actionNames } : {}),
    meta: { mode: env.mode, interaction: env.interaction, maxActions: env.maxActions },
  });
  try {
    for (const turn of result.turns) {
      for (const s of turn.envSteps) writer.step({ action: s.action, reward: s.reward, terminated: s.terminated, truncated: s.truncated, info: s.info });
      writer.turn({
        response: turn.response,
        parsedAction: turn.parse.actions ?? turn.parse.answer,
        ...(turn.parse.ok ? {} : { parseError: turn.parse.message ?? turn.parse.reason ?? 'parse failed' }),
        reward: turn.reward,
        rewardComponents: turn.rewards,
        steps: turn.envSteps.length,
      });
    }
  } catch (e) {
    writer.abort({ remove: true });
    throw e;
  }
  return writer.close({ success: result.success, totalReward: result.totalReward, envReturn: result.envReturn, ...summary });
}
