/**
 * `tunebook report <study> [--out report.html]`: a self-contained HTML report of a stored
 * study (see src/report/study-report.ts). Also makes the preview grids of augmentation arms
 * from the study's own data, which the report layer does not load itself; the dashboard
 * (`tunebook serve`) uses the same maker.
 */
import { stringify } from 'yaml';
import { writeFileAtomically } from '../../core/atomic-file.js';
import { UsageError } from '../../core/errors.js';
import type { Image } from '../../core/image.js';
import { encodeImage, type ImageSource, openSource } from '../../data/index.js';
import type * as lab from '../../lab/index.js';
import * as report from '../../report/index.js';
import * as T from '../../transforms/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, openForReading } from '../db.js';

const ROWS = 6;
const DRAWS = 7;

/**
 * The preview grid of an augmentation arm: samples of the study's data (one class after
 * another), each followed by draws of the arm's pipeline at the study's first seed. The data
 * source is opened read-only; if it cannot be (moved, another machine), the report says so.
 *
 * @example
 *   await report.renderStudyReport(store, 'tiny', { previews: augmentationPreview });
 */
export const augmentationPreview: report.PreviewMaker = async (arm, view) => {
  const config = arm.config as lab.StudyConfig;
  const augment = config.training?.augment;
  if (!augment) return { unavailable: 'the arm does not augment' };
  const pipeline = T.parsePipeline(
    stringify({ pipeline: augment.pipeline }),
    `${arm.key}: training.augment.pipeline`,
  );
  let source: ImageSource;
  try {
    source = await openSource(
      config.data.source,
      (config.data.options ?? {}) as Record<string, never>,
    );
  } catch (error) {
    return {
      unavailable: `the data source ${config.data.source} cannot be opened here (${(error as Error).message})`,
    };
  }
  const first = await source.get(0);
  if (first.height === 1)
    return { unavailable: 'the data are 1-D signals, which have no image preview' };
  const wanted = config.data.classes ? new Set(config.data.classes) : null;
  const indices: number[] = [];
  source.labels.forEach((l, i) => {
    if (!wanted || wanted.has(l)) indices.push(i);
  });
  const seed = Math.min(...view.trials.map((t) => t.seed), 0);
  const picks = T.pickSamplesByClass(
    indices.map((i) => source.labels[i]),
    ROWS,
    seed,
  ).map((k) => indices[k]);
  const originals: Image[] = await Promise.all(picks.map((i) => source.get(i)));
  const rows = T.previewRows(pipeline, originals, { draws: DRAWS, seed });
  const largest = Math.max(...rows.flat().map((c) => Math.max(c.height, c.width)));
  const grid = T.makeGrid(rows, { scale: Math.max(1, Math.floor(64 / largest)) });
  const names = augment.pipeline.map((t) => Object.keys(t)[0]).join(', ');
  return {
    png: await encodeImage(grid, 'png'),
    width: grid.width,
    height: grid.height,
    caption: `${originals.length} samples of ${config.data.source}, each followed by ${DRAWS} draws of the pipeline (${names}) at seed ${seed}, as epochs 1 to ${DRAWS} of that seed would see them (mode ${augment.mode}).`,
  };
};

export const reportCommand: Command = {
  name: 'report',
  usage: 'tunebook report <study> [--out report.html] [--db file]',
  flags: {
    ...DB_FLAG,
    out: { type: 'string', help: 'the HTML file to write (default report.html)' },
  },
  async run({ flags, positionals, out }) {
    if (positionals.length !== 1) throw new UsageError('report: expected one study name');
    const file = (flags.out as string | undefined) ?? 'report.html';
    const store = await openForReading(flags);
    try {
      const view = await report.readStudy(store, positionals[0]);
      const text = await report.renderStudyReport(store, positionals[0], {
        previews: augmentationPreview,
      });
      writeFileAtomically(file, text);
      const p = view.progress;
      out(
        `wrote ${file} (${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB): study ${view.study.name}, ` +
          `${view.arms.length} arms, ${p.finished} of ${p.total} trials finished`,
      );
      if (view.partial)
        out(
          `note: the study is ${view.study.state} and not finished: the report is partial (it says so at the top)`,
        );
    } finally {
      await store.close();
    }
  },
};
