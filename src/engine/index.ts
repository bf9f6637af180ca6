/**
 * The engine layer's public surface: choosing and starting the TensorFlow.js backend
 * (tfjs-node when installed, else wasm with tunebook's training kernels, else cpu), what is
 * in use, and seeded weight initialisation (tfjs initialisers ignore their seed).
 *
 * @example
 *   import { engine } from 'tunebook';
 *   await engine.initEngine();
 *   engine.seedWeights(model, 42);
 */
export {
  BACKEND_CHOICES,
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  type EngineInfo,
  engineInfo,
  initEngine,
  parseBackendChoice,
} from './backend.js';
export { seedWeights } from './seeded-init.js';
