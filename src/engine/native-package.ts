/**
 * Which native TensorFlow.js binding is installed, found without loading it (or tfjs-core):
 * planning code (preflight's memory check) asks this, and must stay free of TensorFlow.js.
 *
 * @example
 *   if (findNativePackage() === null) console.log('training will run on wasm');
 */
import { createRequire } from 'node:module';

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const require = createRequire(import.meta.url);

/** The installed native tfjs package name, or null; resolves without loading it. */
export function findNativePackage(): string | null {
  for (const name of NATIVE_PACKAGES) {
    try {
      require.resolve(name);
      return name;
    } catch {
      // not installed: try the next one
    }
  }
  return null;
}
