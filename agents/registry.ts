import { AgentSpecError } from './errors.js';
import type { Agent } from './types.js';

/** Options every agent factory receives (from `lmm-gym eval` or code). */
export interface AgentFactoryOptions {
  /** The env the agent will play (oracles pick their solver by it). */
  envId?: string;
  /** Seed for agents with their own randomness. */
  seed?: number;
  /** Free-form extra settings (e.g. temperature), from `--agent-option k=v`. */
  settings?: Record<string, unknown>;
}

/**
 * Builds an agent from the part of the spec after `name:` (empty for a bare `name`).
 * E.g. `openai:http://127.0.0.1:8000/v1#qwen` calls the `openai` factory with
 * `http://127.0.0.1:8000/v1#qwen`.
 */
export type AgentFactory = (arg: string, options: AgentFactoryOptions) => Agent | Promise<Agent>;

interface AgentFactoryEntry {
  factory: AgentFactory;
  description: string;
  /** The settings (`--agent-option NAME=v`) the kind accepts; undefined: not checked. */
  settings?: readonly string[];
}

const factories = new Map<string, AgentFactoryEntry>();
/** Kinds whose module is imported on first use (keeps heavy modules, e.g. TensorFlow, off the startup path). */
const lazyKinds = new Map<string, () => Promise<unknown>>();

/**
 * Declare an agent kind whose module registers it when imported, e.g.
 * `registerLazyAgentKind('model', () => import('./model/agent.js'))`. createAgent imports it on first use.
 */
export function registerLazyAgentKind(name: string, load: () => Promise<unknown>): void {
  lazyKinds.set(name, load);
}

/**
 * Register an agent kind (`random`, `oracle`, `openai`, `model` ...). Replaces an existing one.
 * `settings` names the settings the kind accepts: createAgent rejects any other by name
 * before the factory runs (leave it out to pass every setting through unchecked).
 */
export function registerAgent(name: string, factory: AgentFactory, description: string, settings?: readonly string[]): void {
  if (!/^[a-z][\w-]*$/i.test(name)) throw new AgentSpecError(`agent kind must be a word, got ${JSON.stringify(name)}`);
  factories.set(name, settings === undefined ? { factory, description } : { factory, description, settings: [...settings] });
}

/** Registered agent kinds with their descriptions, sorted. */
export function listAgents(): { name: string; description: string }[] {
  const out = [...factories.entries()].map(([name, e]) => ({ name, description: e.description }));
  for (const name of lazyKinds.keys()) if (!factories.has(name)) out.push({ name, description: '(module loaded on first use)' });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Split `kind:arg` (arg may itself contain colons, e.g. a URL). */
export function parseAgentSpec(spec: string): { kind: string; arg: string } {
  if (typeof spec !== 'string' || spec.trim() === '') throw new AgentSpecError('agent spec is empty; e.g. random, oracle, openai:http://127.0.0.1:8000/v1#model, model:PATH');
  const i = spec.indexOf(':');
  return i < 0 ? { kind: spec.trim(), arg: '' } : { kind: spec.slice(0, i).trim(), arg: spec.slice(i + 1) };
}

/** Build an agent from a spec string; a clear error lists the known kinds. */
export async function createAgent(spec: string, options: AgentFactoryOptions = {}): Promise<Agent> {
  const { kind, arg } = parseAgentSpec(spec);
  if (!factories.has(kind) && lazyKinds.has(kind)) await lazyKinds.get(kind)!();
  const entry = factories.get(kind);
  if (!entry) {
    throw new AgentSpecError(`unknown agent kind ${JSON.stringify(kind)} in ${JSON.stringify(spec)}; known kinds: ${[...new Set([...factories.keys(), ...lazyKinds.keys()])].sort().join(', ') || '(none)'}`);
  }
  const allowed = entry.settings;
  if (allowed !== undefined) {
    const unknown = Object.keys(options.settings ?? {}).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw new AgentSpecError(`unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} for agent kind ${JSON.stringify(kind)}; ${allowed.length ? `valid settings: ${allowed.join(', ')}` : 'it takes no settings'}`);
    }
  }
  return entry.factory(arg, options);
}
