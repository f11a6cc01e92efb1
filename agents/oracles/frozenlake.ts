import type { Env } from '../../envs/core/env.js';
import { FrozenLakeEnv, FROZEN_LAKE_ACTIONS } from '../../envs/frozenlake/frozenlake.js';
import { OracleError } from '../errors.js';
import type { AgentObservation } from '../../tasks/types.js';
import { planAnswer, registerOracle, type OracleDecision } from './oracle.js';

const MOVES: readonly (readonly [number, number])[] = [[0, -1], [1, 0], [0, 1], [-1, 0]];

/** Shortest hole-free path (action indices) from `start` to the nearest G, or null (BFS). */
export function frozenLakePath(map: readonly string[], start: number): number[] | null {
  const rows = map.length, cols = map[0]!.length;
  const prev = new Int32Array(rows * cols).fill(-1);
  const how = new Int8Array(rows * cols);
  const queue = [start];
  prev[start] = start;
  for (let qi = 0; qi < queue.length; qi++) {
    const cell = queue[qi]!;
    const r = Math.floor(cell / cols), c = cell % cols;
    if (map[r]![c] === 'G') {
      const path: number[] = [];
      for (let x = cell; x !== start; x = prev[x]!) path.push(how[x]!);
      return path.reverse();
    }
    for (let a = 0; a < 4; a++) {
      const nr = r + MOVES[a]![0], nc = c + MOVES[a]![1];
      if (nr < 0 || nc < 0 || nr >= rows || nc >= cols || map[nr]![nc] === 'H') continue;
      const n = nr * cols + nc;
      if (prev[n] !== -1) continue;
      prev[n] = cell;
      how[n] = a;
      queue.push(n);
    }
  }
  return null;
}

const valueCache = new WeakMap<readonly string[], Int8Array>();

/**
 * Slippery ice: the action maximising the probability of reaching G (value iteration over
 * the 1/3-1/3-1/3 slip model), per cell. Cached per map.
 */
export function frozenLakeSlipperyPolicy(map: readonly string[]): Int8Array {
  const hit = valueCache.get(map);
  if (hit) return hit;
  const rows = map.length, cols = map[0]!.length, n = rows * cols;
  const next = (cell: number, a: number) => {
    const r = Math.floor(cell / cols), c = cell % cols;
    const nr = Math.min(rows - 1, Math.max(0, r + MOVES[a]![0])), nc = Math.min(cols - 1, Math.max(0, c + MOVES[a]![1]));
    return nr * cols + nc;
  };
  const tile = (cell: number) => map[Math.floor(cell / cols)]![cell % cols]!;
  let v = new Float64Array(n);
  const policy = new Int8Array(n);
  for (let iter = 0; iter < 2000; iter++) {
    const nv = new Float64Array(n);
    let delta = 0;
    for (let s = 0; s < n; s++) {
      const t = tile(s);
      if (t === 'H' || t === 'G') continue;
      let best = -1, bestA = 0;
      for (let a = 0; a < 4; a++) {
        let q = 0;
        for (const m of [a, (a + 3) % 4, (a + 1) % 4]) {
          const s2 = next(s, m);
          q += (tile(s2) === 'G' ? 1 : v[s2]!) / 3;
        }
        if (q > best + 1e-12) { best = q; bestA = a; }
      }
      nv[s] = best;
      policy[s] = bestA;
      delta = Math.max(delta, Math.abs(best - v[s]!));
    }
    v = nv;
    if (delta < 1e-10) break;
  }
  valueCache.set(map, policy);
  return policy;
}

function frozenLakeOracle(obs: AgentObservation, env: Env, envObservation: unknown): OracleDecision {
  const raw = env.unwrapped;
  if (!(raw instanceof FrozenLakeEnv)) throw new OracleError('the FrozenLake oracle needs a FrozenLakeEnv');
  if (typeof envObservation !== 'number') throw new OracleError('the FrozenLake oracle needs ctx.envObservation (the player cell)');
  const map = raw.map, cols = map[0]!.length;
  const r = Math.floor(envObservation / cols), c = envObservation % cols;
  if (raw.options.slippery) {
    const a = frozenLakeSlipperyPolicy(map)[envObservation]!;
    return {
      think: `I am at row ${r}, column ${c}. The ice is slippery, so I choose the move with the best chance of reaching G while staying away from holes: ${FROZEN_LAKE_ACTIONS[a]}.`,
      answer: planAnswer({ ...obs, maxActions: 1 }, [FROZEN_LAKE_ACTIONS[a]!]),
    };
  }
  const path = frozenLakePath(map, envObservation);
  if (!path || path.length === 0) return { think: `I am at row ${r}, column ${c} and see no safe path to G.`, answer: 'Down' };
  const names = path.map((a) => FROZEN_LAKE_ACTIONS[a]!);
  const k = Math.min(names.length, obs.maxActions);
  return {
    think: `I am at row ${r}, column ${c}. The shortest path to G that avoids every hole is ${names.join(', ')} (${names.length} moves). ${obs.interaction === 'plan' ? 'I give the whole path.' : k > 1 ? `I take the first ${k}.` : `I take the first move: ${names[0]}.`}`,
    answer: planAnswer(obs, names),
  };
}

registerOracle('FrozenLake-v0', frozenLakeOracle);
