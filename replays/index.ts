// Public API of replays/: the replay file format, writing (ReplayWriter, saveEpisodeReplay,
// replaySink, ReplayPolicy), reading and re-simulation, and rendering to PNG, GIF and HTML.
export * from './errors.js';
export * from './format.js';
export * from './writer.js';
export * from './reader.js';
export * from './policy.js';
export * from './simulate.js';
export * from './text.js';
export * from './panel.js';
export * from './render.js';
