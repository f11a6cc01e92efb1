// Public API of replays/: the replay file format, writing (ReplayWriter, saveEpisodeReplay,
// replaySink, ReplayPolicy), reading and re-simulation, and rendering to PNG, GIF and HTML.
export * from './errors.js';
export * from './format.js';
export * from './writer.js';
export * from './recorder.js';
export * from './reader.js';
export * from './policy.js';
export * from './simulate.js';
export { agentViewAt, type ReplayAgentView } from './text.js';
export { PANEL_LIMITS, PanelRenderer, checkPanelOptions, panelContent, type PanelOptions, type PanelContent } from './panel.js';
export * from './render.js';
export * from './html.js';
