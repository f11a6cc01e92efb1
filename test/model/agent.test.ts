import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { buildAgentObservation, createAgent, ModelAgent, modelInput, saveModel } from '../../agents/index.js';
import { registerPromptSpec } from '../../tasks/index.js';
import { testFrame, tinyModel } from './helpers.js';

describe('ModelAgent', () => {
  const obs = buildAgentObservation({ envId: 'Sokoban-v0', mode: 'image', interaction: 'plan', image: testFrame(), actionNames: ['Up', 'Down', 'Left', 'Right'], maxActions: 10 });

  it('maps an observation to the compact model input', () => {
    const input = modelInput(obs);
    expect(input.prompt.startsWith('Sokoban-v0\n')).toBe(true);
    expect(input.prompt).toContain(obs.userPrompt);
    expect(input.image).toBe(obs.image);
  });

  it("shows an env under its prompt spec's modelId: Boxoban-v0 as Sokoban-v0, a custom env as its declared id", () => {
    const boxoban = buildAgentObservation({ envId: 'Boxoban-v0', mode: 'image', interaction: 'step', image: testFrame(), actionNames: ['Up', 'Down', 'Left', 'Right'], maxActions: 1 });
    expect(modelInput(boxoban).prompt).toBe(`Sokoban-v0\n${boxoban.userPrompt}`);
    registerPromptSpec('MyMaze-v1', { title: 'Maze', rules: 'Reach the exit.', modelId: 'Maze-v0' });
    registerPromptSpec('MyMaze-v0', { title: 'Maze', rules: 'Reach the exit.' });
    const input = (envId: string) => modelInput(buildAgentObservation({ envId, mode: 'text', interaction: 'step', text: 'a maze', actionNames: ['Up'], maxActions: 1 })).prompt;
    expect(input('MyMaze-v1').split('\n')[0]).toBe('Maze-v0');
    expect(input('MyMaze-v0').split('\n')[0]).toBe('MyMaze-v0');
  });

  it('answers batches with parsed responses and generation meta, deterministically per seed', async () => {
    const model = await tinyModel(2);
    const a = new ModelAgent(model, { seed: 3, temperature: 1, maxTokens: 12 });
    const b = new ModelAgent(model, { seed: 3, temperature: 1, maxTokens: 12 });
    const ra = await a.actBatch([obs, obs]);
    const rb = await b.actBatch([obs, obs]);
    expect(ra.map((r) => r.text)).toEqual(rb.map((r) => r.text));
    for (const r of ra) {
      expect(r.parse).toBeDefined(); // an untrained model's text parses to a failure, never a throw
      const meta = r.meta as { tokenIds: number[]; logProbs: number[] };
      expect(meta.tokenIds.length).toBe(meta.logProbs.length);
      expect(model.tokenizer.decode(meta.tokenIds)).toBe(r.text);
    }
    model.dispose();
  });

  it('loads from a checkpoint through the agent registry (model:DIR)', async () => {
    const model = await tinyModel(4);
    const dir = await mkdtemp(join(tmpdir(), 'lmm-agent-'));
    await saveModel(model, join(dir, 'ckpt'));
    const agent = await createAgent(`model:${join(dir, 'ckpt')}`, { seed: 1, settings: { maxTokens: 16 } });
    const direct = new ModelAgent(model, { seed: 1, maxTokens: 16 });
    expect((await agent.act(obs)).text).toBe((await direct.act(obs)).text); // greedy by default
    await agent.close?.();
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });
});
