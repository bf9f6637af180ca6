/**
 * The core layer's public surface: the error classes every command and library call throws
 * (stable `code`, `exitCode`), the seeded random generator and the image type.
 *
 * @example
 *   import { core } from 'tunebook';
 *   try { ... } catch (e) { if (e instanceof core.TunebookError) process.exitCode = e.exitCode; }
 */
export {
  BackendError,
  ConfigError,
  DataError,
  describeValue,
  KernelError,
  TunebookError,
  UsageError,
} from './errors.js';
export { blankImage, type Image } from './image.js';
export { Rng } from './rng.js';
