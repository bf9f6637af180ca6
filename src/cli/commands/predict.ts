/**
 * `tunebook predict <model-dir> <images...> [--json]`: classifies image files with a model
 * folder made by `tunebook export`: one line per file (file, class name, probability), or a
 * JSON array with every class's probability.
 */
import { UsageError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import * as lab from '../../lab/index.js';
import type { Command } from '../command.js';

export const predictCommand: Command = {
  name: 'predict',
  usage: 'tunebook predict <model-dir> <images...> [--json]',
  flags: {
    json: { type: 'boolean', help: 'a JSON array: file, class, probability, probabilities' },
  },
  async run({ flags, positionals, out }) {
    const [dir, ...files] = positionals;
    if (!dir || files.length === 0) {
      throw new UsageError('predict: expected a model folder and at least one image file');
    }
    const predictor = await lab.loadPredictor(dir, {
      backend: flags.backend as BackendChoice | undefined,
    });
    try {
      const predictions = await predictor.predictFiles(files);
      if (flags.json) {
        const names = predictor.classNames;
        const rows = predictions.map((p) => ({
          file: p.file,
          class: p.className,
          probability: p.probability,
          probabilities: Object.fromEntries(names.map((n, k) => [n, p.probabilities[k]])),
        }));
        out(JSON.stringify(rows, null, 2));
        return;
      }
      const width = Math.max(...predictions.map((p) => p.file.length));
      const classWidth = Math.max(...predictions.map((p) => p.className.length));
      for (const p of predictions) {
        out(
          `${p.file.padEnd(width)}  ${p.className.padEnd(classWidth)}  ${p.probability.toFixed(3)}`,
        );
      }
    } finally {
      predictor.dispose();
    }
  },
};
