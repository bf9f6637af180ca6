/**
 * Before a study touches the db: paths in the study file are resolved against the file's own
 * folder (so a study runs the same from any working directory), and every arm's data source
 * and pretrained backbone is checked to exist, so a missing folder is one clear error and
 * exit 2 rather than a column of failed trials.
 *
 * @example
 *   const ready = await preflight(await loadStudyFile('examples/mnist-tricks.yaml'));
 */
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError } from '../core/errors.js';
import { BUILTIN_SOURCES } from '../data/open-source.js';
import { checkTorchWeights } from '../models/pytorch/check-weights.js';
import { isTorchWeights } from '../models/pytorch/names.js';
import type { LoadedStudy } from './config/load.js';
import type { StudyConfig } from './config/schema.js';
import { prepareData } from './trial/prepare-data.js';

const isUrl = (s: string) => /^(https?|file):\/\//.test(s);

/** The settings with relative paths made absolute against `base`. */
export function resolvePaths(config: StudyConfig, base: string): StudyConfig {
  const out = structuredClone(config);
  const source = out.data.source;
  if (
    !(BUILTIN_SOURCES as readonly string[]).includes(source) &&
    !isAbsolute(source) &&
    !isUrl(source)
  ) {
    out.data.source = resolve(base, source);
  }
  const pretrained = out.model.pretrained;
  if (pretrained && !isAbsolute(pretrained.source) && !isUrl(pretrained.source)) {
    pretrained.source = resolve(base, pretrained.source);
  }
  return out;
}

export async function preflight(loaded: LoadedStudy): Promise<LoadedStudy> {
  const base = dirname(resolve(loaded.file));
  const arms = loaded.arms.map((arm) => ({ ...arm, config: resolvePaths(arm.config, base) }));
  const seen = new Set<string>();
  for (const arm of arms) {
    const key = JSON.stringify(arm.config.data);
    if (!seen.has(key)) {
      seen.add(key);
      await prepareData(arm.config.data);
    }
    const pretrained = arm.config.model.pretrained;
    if (pretrained && !isUrl(pretrained.source) && isTorchWeights(pretrained)) {
      // Read and checked now: a bad file is one line and exit 2, not a column of failed trials.
      await checkTorchWeights(pretrained);
    } else if (pretrained && !isUrl(pretrained.source)) {
      const where = `${loaded.file}: ${arm.id}: model.pretrained.source`;
      let path = pretrained.source;
      try {
        if ((await stat(path)).isDirectory()) path = join(path, 'model.json');
        await stat(path);
      } catch {
        throw new DataError(
          where,
          `no model at ${pretrained.source} (train one with tunebook pretrain <task.yaml> --out <dir>)`,
        );
      }
    }
  }
  return { ...loaded, arms };
}
