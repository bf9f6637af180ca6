/**
 * `tunebook augment <in-dir> <out-dir> --pipeline <file.yaml> --copies K --seed S`: offline
 * augmentation, K augmented copies of every image in the same class-folder layout.
 */

import { UsageError } from '../../core/errors.js';
import { ENCODINGS, type Encoding } from '../../data/index.js';
import * as T from '../../transforms/index.js';
import type { Command } from '../command.js';

export const augmentCommand: Command = {
  name: 'augment',
  usage:
    'tunebook augment <in-dir> <out-dir> --pipeline <file.yaml> [--copies K] [--seed S] [--format same|png|jpeg|webp]',
  flags: {
    pipeline: { type: 'string', help: 'YAML list of transforms (required)' },
    copies: { type: 'int', min: 1, max: 100000, help: 'augmented copies per image (default 1)' },
    seed: { type: 'int', min: 0, help: 'seed of the random draws (default 0)' },
    format: {
      type: 'string',
      choices: ['same', ...ENCODINGS],
      help: 'output encoding (default same as each input)',
    },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 2) {
      throw new UsageError(
        `augment: expected <in-dir> <out-dir>, got ${positionals.length} argument(s) (try tunebook augment --help)`,
      );
    }
    const [inDir, outDir] = positionals;
    if (typeof flags.pipeline !== 'string') {
      throw new UsageError('augment: --pipeline <file.yaml> is required');
    }
    const pipeline = T.loadPipeline(flags.pipeline);
    const copies = (flags.copies as number | undefined) ?? 1;
    const seed = (flags.seed as number | undefined) ?? 0;
    const started = performance.now();
    const progress = progressReporter(out, started);
    const result = await T.augmentFolder({
      inDir,
      outDir,
      pipeline,
      copies,
      seed,
      format: (flags.format as Encoding | 'same' | undefined) ?? 'same',
      onProgress: progress,
    });
    const seconds = (performance.now() - started) / 1000;
    out(
      `wrote ${result.written} images (${result.images} x ${copies} copies, ${result.classes.length} classes) ` +
        `to ${outDir} in ${seconds.toFixed(1)} s (pipeline ${flags.pipeline}, seed ${seed})`,
    );
  },
};

/** Progress on a terminal as one rewritten line; otherwise plain lines. */
function progressReporter(out: (line: string) => void, started: number) {
  const tty = process.stderr.isTTY === true;
  let lastTenth = 0;
  let lastPrint = started;
  return (done: number, total: number) => {
    const elapsed = (performance.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
    const text = `augment ${done}/${total} (${Math.floor((100 * done) / total)}%), ETA ${eta.toFixed(0)} s`;
    if (tty) {
      process.stderr.write(`\r${text}${done === total ? '\n' : ''}`);
      return;
    }
    // Plain logs get a line per 10% at most every 2 s, so quick runs print only the summary.
    const tenth = Math.floor((10 * done) / total);
    const now = performance.now();
    if (tenth > lastTenth && done < total && now - lastPrint >= 2000) {
      lastTenth = tenth;
      lastPrint = now;
      out(text);
    }
  };
}
