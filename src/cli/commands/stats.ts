/**
 * `tunebook stats <source>`: per-channel mean, std, min and max on the [0, 1] scale (as after
 * `toTensor`), class counts and the size range of a data source, and a warning for each
 * channel where a configured `normalize` does not fit the data (copied ImageNet constants,
 * the seed's typo std 0.2225 for 0.225).
 *
 * `<source>` is `mnist` (the bundled digits) or an image-folder path (one sub-folder per
 * class; write `./mnist` for a folder of that name).
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError, DataError, UsageError } from '../../core/errors.js';
import {
  IMAGE_CHANNEL_MODES,
  type ImageChannels,
  loadMnistDigits,
  openImageFolder,
} from '../../data/index.js';
import * as preprocessing from '../../preprocessing/index.js';
import type { Command } from '../command.js';

const {
  checkNormalizeConfig,
  compareNormalize,
  DEFAULT_NORMALIZE_TOLERANCE,
  datasetStats,
  describeMismatch,
  findNormalize,
  imageSetInput,
} = preprocessing;
type DatasetStats = preprocessing.DatasetStats;
type NormalizeConfig = preprocessing.NormalizeConfig;
type NormalizeMismatch = preprocessing.NormalizeMismatch;

export const statsCommand: Command = {
  name: 'stats',
  usage:
    'tunebook stats <mnist|folder> [--json] [--channels 1|3] ' +
    '[--normalize-mean a,b,c --normalize-std a,b,c | --pipeline file.yaml] [--tolerance X]',
  flags: {
    json: { type: 'boolean', help: 'print the statistics as JSON' },
    channels: {
      type: 'string',
      choices: IMAGE_CHANNEL_MODES.map(String),
      help: 'read a folder as grey (1) or RGB (3) (default: as the files are)',
    },
    'normalize-mean': { type: 'string', help: 'configured normalize mean, one per channel' },
    'normalize-std': { type: 'string', help: 'configured normalize std, one per channel' },
    pipeline: { type: 'string', help: 'a pipeline YAML file whose normalize step is checked' },
    tolerance: {
      type: 'number',
      min: 0,
      max: 1,
      exclusiveMin: true,
      help: `allowed normalised mean |m| and std |s - 1| (default ${DEFAULT_NORMALIZE_TOLERANCE})`,
    },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) {
      throw new UsageError(
        `stats: expected one data source (mnist or an image folder), got ${positionals.length}` +
          ' (usage: tunebook stats <source>)',
      );
    }
    const source = positionals[0];
    const channels = flags.channels === undefined ? undefined : Number(flags.channels);
    const normalize = await configuredNormalize(flags);

    let stats: DatasetStats;
    if (source === 'mnist') {
      if (channels !== undefined && channels !== 1) {
        throw new ConfigError('--channels', 'nothing or 1 for mnist (grey digits)', flags.channels);
      }
      stats = await datasetStats(imageSetInput(loadMnistDigits()), 'mnist');
    } else {
      const folder = await openImageFolder(source, {
        channels: channels as ImageChannels | undefined,
      });
      stats = await datasetStats(folder, source);
    }

    let mismatches: NormalizeMismatch[] = [];
    let checked: NormalizeConfig | null = null;
    const tolerance = (flags.tolerance as number | undefined) ?? DEFAULT_NORMALIZE_TOLERANCE;
    if (normalize) {
      checked = checkNormalizeConfig(normalize.config, stats.channels, normalize.fields);
      mismatches = compareNormalize(stats, checked, tolerance);
      for (const m of mismatches)
        process.stderr.write(`tunebook: warning: ${describeMismatch(m)}\n`);
    }

    if (flags.json) {
      const normalizeReport = checked && { configured: checked, tolerance, mismatches };
      out(JSON.stringify({ ...stats, normalize: normalizeReport }, null, 2));
      return;
    }
    for (const line of formatStats(stats)) out(line);
    if (checked && mismatches.length === 0) {
      out(`normalize: the configured mean and std fit the data (tolerance ${tolerance})`);
    }
  },
};

function formatStats(s: DatasetStats): string[] {
  const fixed = (v: number) => v.toFixed(4);
  const lines = [
    `${s.source}: ${plural(s.images, 'image')}, ${plural(s.classes.length, 'class', 'classes')}, ` +
      `${plural(s.channels, 'channel')}; ` +
      `values on the [0, 1] scale (as after toTensor)`,
    `size: height ${s.height.min}..${s.height.max}, width ${s.width.min}..${s.width.max}`,
    '',
    'channel  mean    std     min     max',
    ...s.mean.map(
      (m, c) =>
        `${String(c).padEnd(7)}  ${fixed(m)}  ${fixed(s.std[c])}  ${fixed(s.min[c])}  ${fixed(s.max[c])}`,
    ),
    '',
  ];
  const width = Math.max(5, ...s.classes.map((c) => c.name.length));
  lines.push(`${'class'.padEnd(width)}  count`);
  for (const c of s.classes) lines.push(`${c.name.padEnd(width)}  ${c.count}`);
  lines.push(
    '',
    `normalize(mean=[${s.mean.map(fixed).join(', ')}], std=[${s.std.map(fixed).join(', ')}])`,
  );
  return lines;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

type FlagValue = string | number | boolean | undefined;

async function configuredNormalize(flags: Record<string, FlagValue>): Promise<{
  config: NormalizeConfig;
  fields: { mean: string; std: string };
} | null> {
  const mean = flags['normalize-mean'] as string | undefined;
  const std = flags['normalize-std'] as string | undefined;
  const pipeline = flags.pipeline as string | undefined;
  if (pipeline !== undefined && (mean !== undefined || std !== undefined)) {
    throw new UsageError('stats: give --pipeline or --normalize-mean/--normalize-std, not both');
  }
  if ((mean === undefined) !== (std === undefined)) {
    throw new UsageError('stats: --normalize-mean and --normalize-std go together');
  }
  if (mean !== undefined && std !== undefined) {
    return {
      config: {
        mean: numberList('--normalize-mean', mean),
        std: numberList('--normalize-std', std),
      },
      fields: { mean: '--normalize-mean', std: '--normalize-std' },
    };
  }
  if (pipeline === undefined) return null;
  let text: string;
  try {
    text = await readFile(pipeline, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(pipeline, code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new DataError(pipeline, `not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const found = findNormalize(doc);
  if (!found) throw new DataError(pipeline, 'has no normalize step with mean and std');
  const fields = { mean: `${pipeline}: normalize.mean`, std: `${pipeline}: normalize.std` };
  for (const key of ['mean', 'std'] as const) {
    const v = found[key];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => typeof x === 'number')) {
      throw new ConfigError(fields[key], 'a number or a list of numbers', v);
    }
  }
  const asList = (v: unknown) => (Array.isArray(v) ? (v as number[]) : [v as number]);
  return { config: { mean: asList(found.mean), std: asList(found.std) }, fields };
}

function numberList(field: string, raw: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v))) {
    throw new ConfigError(field, 'comma-separated numbers, e.g. 0.485,0.456,0.406', raw);
  }
  return values;
}
