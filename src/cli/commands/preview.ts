/**
 * `tunebook preview --pipeline <file.yaml> --data <mnist|folder> --out grid.png`: a PNG grid,
 * one original per row in the first column and augmented draws beside it.
 */

import { UsageError } from '../../core/errors.js';
import type { Image } from '../../core/image.js';
import { decodeImage, listImageFolder, loadMnistDigits } from '../../data/index.js';
import * as T from '../../transforms/index.js';
import type { Command } from '../command.js';

export const previewCommand: Command = {
  name: 'preview',
  usage:
    'tunebook preview --pipeline <file.yaml> --data <mnist|folder> [--out grid.png] [--rows N] [--draws N] [--seed S] [--scale N]',
  flags: {
    pipeline: { type: 'string', help: 'YAML list of transforms (required)' },
    data: { type: 'string', help: '"mnist" (the bundled digits) or an image folder (required)' },
    out: { type: 'string', help: 'PNG to write (default preview.png)' },
    rows: { type: 'int', min: 1, max: 100, help: 'originals, one per row (default 8)' },
    draws: { type: 'int', min: 1, max: 50, help: 'augmented draws per original (default 7)' },
    seed: { type: 'int', min: 0, help: 'seed of the picks and draws (default 0)' },
    scale: {
      type: 'int',
      min: 1,
      max: 32,
      help: 'enlarge cells by this factor (default: to ~96 px)',
    },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length > 0) {
      throw new UsageError(`preview: unexpected argument ${positionals[0]} (use --data <source>)`);
    }
    if (typeof flags.pipeline !== 'string')
      throw new UsageError('preview: --pipeline <file.yaml> is required');
    if (typeof flags.data !== 'string')
      throw new UsageError('preview: --data <mnist|folder> is required');
    const pipeline = T.loadPipeline(flags.pipeline);
    const rows = (flags.rows as number | undefined) ?? 8;
    const draws = (flags.draws as number | undefined) ?? 7;
    const seed = (flags.seed as number | undefined) ?? 0;
    const path = (flags.out as string | undefined) ?? 'preview.png';
    const originals =
      flags.data === 'mnist'
        ? mnistSamples(rows, seed)
        : await folderSamples(flags.data, rows, seed);
    const size = await T.writePreview(path, pipeline, originals, {
      draws,
      seed,
      scale: flags.scale as number | undefined,
    });
    out(
      `wrote ${path} (${size.width}x${size.height}): ${originals.length} originals x ${draws} draws ` +
        `of ${flags.pipeline} on ${flags.data}, seed ${seed}`,
    );
  },
};

function mnistSamples(rows: number, seed: number): Image[] {
  const digits = loadMnistDigits();
  const [h, w, c] = digits.shape;
  const size = h * w * c;
  return T.pickSamplesByClass(digits.labels, rows, seed).map((i) => {
    const data = new Uint8Array(size);
    for (let k = 0; k < size; k++) data[k] = Math.round(digits.images[i * size + k] * 255);
    return { data, height: h, width: w, channels: c };
  });
}

async function folderSamples(dir: string, rows: number, seed: number): Promise<Image[]> {
  const { files, labels } = await listImageFolder(dir);
  const picks = T.pickSamplesByClass(labels, rows, seed);
  return Promise.all(picks.map((i) => decodeImage(files[i])));
}
