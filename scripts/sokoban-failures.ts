// Where a Sokoban agent goes wrong (issue 12): replays the episodes of an eval report
// (`lmm-gym eval ... --levels FILE --out R.json` writes R.episodes.jsonl) against the solver
// and reports success by optimal length and, for the failed episodes, whether the box got stuck (deadlock) or the turns ran
// out on a still solvable board, and for every move that lost ground (the solver's distance
// did not drop by one) which field of the compact reasoning first differed from the oracle's
// (positions, walls, box route, push, walk) and whether the stated route or walk crosses a wall.
// Every move from a solvable state is also scored by the reasoning check
// (checkCompactSokobanReasoning): board read right, plan verified shortest, and how many
// shortest moves came from a plan the check rejects (what an outcome reward would pay for).
// Single-move evals (--max-turns 1 on a file of positions) work the same way.
// --json FILE also writes the counts and the episodes with a verified plan (for pairing).
//   npx tsx scripts/sokoban-failures.ts runs/x.episodes.jsonl [--levels data/sokoban/test-6x6-1box.txt] [--show 2] [--json F]
import { readFileSync, writeFileSync } from 'node:fs';
import { intFlag, parseCommandArgs } from '../cli/args.js';
import { checkCompactSokobanReasoning, compactSokobanReasoning } from '../agents/oracles/sokoban.js';
import { SOKOBAN_ACTIONS, SokobanGame, loadBoxobanFile, solveSokoban, type SokobanLevel } from '../envs/sokoban/index.js';
import { isWallCode } from '../envs/sokoban/level.js';
import { parseResponse } from '../tasks/parse.js';

const { values, positionals } = parseCommandArgs(process.argv.slice(2), { levels: { type: 'string' }, show: { type: 'string' }, json: { type: 'string' } }, true);
const file = positionals[0];
if (!file) throw new Error('usage: sokoban-failures.ts EPISODES.jsonl [--levels FILE] [--show N]');
const levels = loadBoxobanFile(values.levels ?? 'data/sokoban/test-6x6-1box.txt');
const show = intFlag('show', values.show, 0);
interface Turn { response: string; executed: string[] }
const episodes = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { episode: number; success: boolean; trace?: Turn[] });
if (episodes.some((e) => !e.trace)) throw new Error(`${file} has no traces: run the eval with --out (it keeps the responses)`);

const distance = (level: SokobanLevel): number => { const r = solveSokoban(level); return r.status === 'solved' ? r.moves : -1; };
/** The reasoning's fields by their leading word: pos (the first segment), wall, box, push, go. */
function fields(response: string): Record<string, string> {
  const think = parseResponse(response).think ?? '';
  const parts = think.split('; ');
  const out: Record<string, string> = { pos: parts[0] ?? '' };
  for (const p of parts.slice(1)) out[p.split(' ')[0]!] = p;
  return out;
}
const crossesWall = (text: string | undefined, level: SokobanLevel) => (text ?? '').split(' ').filter((t) => /^\d+,\d+$/.test(t))
  .some((t) => { const [r, c] = t.split(',').map(Number) as [number, number]; return r < level.height && c < level.width && isWallCode(level.cells[r * level.width + c]!); });

const buckets: [number, number][] = [[1, 5], [6, 9], [10, 14], [15, Infinity]];
const byLength = buckets.map(() => ({ won: 0, played: 0 }));
let failed = 0, deadlocked = 0, outOfTurns = 0, moves = 0, lost = 0, routeThroughWall = 0, walkThroughWall = 0;
let readRight = 0, planVerified = 0, shortestUnverified = 0;
const firstWrong: Record<string, number> = {}, firstWrongInFailures: Record<string, number> = {};
let shown = 0;
const verifiedEpisodes = new Set<number>();
for (const e of episodes) {
  const level = levels[e.episode];
  if (!level) throw new Error(`episode ${e.episode} has no level in the levels file (${levels.length} levels)`);
  const game = new SokobanGame(level);
  let firstInEpisode: string | null = null;
  const lines: string[] = [];
  // The solver's distance of the current state, carried from turn to turn (-1: unsolvable).
  let d = distance(game.toLevel());
  for (const turn of e.trace!) {
    const before = game.toLevel();
    const d0 = d;
    for (const a of turn.executed) game.move(SOKOBAN_ACTIONS.indexOf(a as (typeof SOKOBAN_ACTIONS)[number]));
    if (show && shown < show && !e.success) lines.push(`${String(d0 < 0 ? 'X' : d0).padStart(3)} ${turn.response}`);
    if (d0 < 0) continue; // already lost (a dead position stays dead): nothing to attribute
    d = game.solved ? 0 : distance(game.toLevel());
    moves++;
    const parsed = parseResponse(turn.response); // as the reasoning reward reads it
    const check = checkCompactSokobanReasoning(before, parsed.think ?? '', parsed.answer);
    if (check.perception) readRight++;
    if (check.plan && check.answer) { planVerified++; verifiedEpisodes.add(e.episode); }
    else if (d === d0 - 1) shortestUnverified++;
    if (d === d0 - 1) continue;
    lost++;
    const model = fields(turn.response), oracle = fields(`<think>${compactSokobanReasoning(before, { walls: 'wall' in model }).think}</think>`);
    const field = ['pos', 'wall', 'box', 'push', 'go'].find((k) => (model[k] ?? '') !== (oracle[k] ?? '')) ?? 'answer';
    firstWrong[field] = (firstWrong[field] ?? 0) + 1;
    if (field === 'box' && crossesWall(model.box, before)) routeThroughWall++;
    if (field === 'go' && crossesWall(model.go, before)) walkThroughWall++;
    firstInEpisode ??= field;
  }
  const bucket = byLength[buckets.findIndex(([lo, hi]) => (level.optimalMoves ?? 0) >= lo && (level.optimalMoves ?? 0) <= hi)];
  if (bucket) { bucket.played++; if (e.success) bucket.won++; }
  if (e.success) continue;
  failed++;
  if (d < 0) deadlocked++; else outOfTurns++;
  firstWrongInFailures[firstInEpisode ?? 'none'] = (firstWrongInFailures[firstInEpisode ?? 'none'] ?? 0) + 1;
  if (lines.length) { shown++; console.log(`--- episode ${e.episode} (optimal ${level.optimalMoves ?? '?'} moves; solver distance, response)\n${lines.join('\n')}`); }
}
const pct = (a: number, b: number) => `${a} (${b ? ((100 * a) / b).toFixed(1) : '0.0'}%)`;
console.log(`solved by optimal length: ${buckets.map(([lo, hi], k) => `${hi === Infinity ? `${lo}+` : `${lo}-${hi}`} ${byLength[k]!.won}/${byLength[k]!.played}`).join(', ')}`);
console.log(`${episodes.length} episodes, ${failed} failed: deadlocked ${deadlocked}, out of turns on a solvable board ${outOfTurns}`);
console.log(`moves from solvable states ${moves}, moves that lost ground ${pct(lost, moves)}`);
console.log(`reasoning check on those moves: board read right ${pct(readRight, moves)}, plan verified and answered ${pct(planVerified, moves)}, shortest moves from an unverified plan ${pct(shortestUnverified, moves)}`);
console.log(`first field that differs from the oracle's, on those moves: ${JSON.stringify(firstWrong)}`);
console.log(`  box routes crossing a wall ${pct(routeThroughWall, firstWrong.box ?? 0)}, walks crossing a wall ${pct(walkThroughWall, firstWrong.go ?? 0)}`);
console.log(`first wrong field per failed episode: ${JSON.stringify(firstWrongInFailures)}`);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ episodes: episodes.length, failed, deadlocked, outOfTurns, moves, lost, readRight, planVerified, shortestUnverified, verifiedEpisodes: [...verifiedEpisodes].sort((a, b) => a - b) })}\n`);
}
