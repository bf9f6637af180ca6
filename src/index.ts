/**
 * tunebook's public entry point: one namespace per layer, lowest first. Everything else under
 * src is internal (the worker pool, the wasm kernels, the atomic writer, the HTML builder).
 * `docs/api.md` lists every exported name; `npm run api` regenerates it after a change here.
 *
 * - `core`: `TunebookError` and its subclasses (stable `code`, `exitCode`), `Rng`, `Image`;
 * - `engine`: `initEngine`, `engineInfo`, `seedWeights`;
 * - `data`: sources (image folders, the MNIST digits, CSV/NPY and synthetic signals,
 *   spectrograms), the one image reader and writer, splits, imbalance, resampling, `DataLoader`;
 * - `transforms`: torchvision-style augmentation; `preprocessing`: equalizeHist, CLAHE,
 *   scalers, data-set statistics;
 * - `models`: builders, heads, backbones, model files;
 * - `training`: `trainModel`, `evaluate`, the LR range test, and `losses`, `metrics`,
 *   `optimizers`, `schedules`;
 * - `lab`: study files, the runner, the store, verdicts, the notebook;
 * - `report`: tables, the notebook and study report, the dashboard, plots.
 *
 * @example
 *   import { engine, models } from 'tunebook';
 *   await engine.initEngine();
 */
export * as core from './core/index.js';
export * as data from './data/index.js';
export * as engine from './engine/index.js';
export * as lab from './lab/index.js';
export * as models from './models/index.js';
export * as preprocessing from './preprocessing/index.js';
export * as report from './report/index.js';
export * as training from './training/index.js';
export * as transforms from './transforms/index.js';
