// Public API of serve/: lmm-gym's envs as a service for large-scale trainers. An HTTP/JSON
// env server (batch sessions, reset, step with raw agent text), OpenRLHF's remote reward
// protocol, and training-set export in LMM-R1's and verl's formats.
// Layering: sits beside training/ and imports only envs/ and tasks/.
export * from './errors.js';
export * from './spec.js';
export * from './wire.js';
export * from './service.js';
export * from './reward.js';
export * from './http.js';
export * from './export.js';
// The built-in envs and their prompt specs, registered for a consumer that imports only lmm-gym/serve.
import '../envs/index.js';
import '../tasks/index.js';
