/**
 * What a run trains on, recorded as the study's environment: the report's "rerun" section
 * reads it, and trial keys take the backend from it, so `study` and `calibrate` (whose
 * trials one another reuse) must record it alike.
 */
import { type BackendChoice, initEngine } from '../engine/backend.js';

export async function runEnvironment(
  backend: BackendChoice | undefined,
): Promise<Record<string, unknown>> {
  const info = await initEngine({ backend });
  const { createRequire } = await import('node:module');
  const version = (createRequire(import.meta.url)('../../../package.json') as { version: string })
    .version;
  return {
    tunebook: version,
    backend: `${info.backend} (${info.backendPackage} ${info.backendVersion})`,
    tfjsCore: info.tfjsCoreVersion,
    threads: info.threads,
    simd: info.simd,
    node: process.versions.node,
    platform: `${process.platform} ${process.arch}`,
  };
}
