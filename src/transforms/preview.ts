/**
 * What `tunebook preview` shows: a few originals, each followed by augmented draws of a
 * pipeline, as one PNG. Draw j of original i comes from `sampleRng(seed, j, i)`, i.e. what
 * epoch j of a training run with that seed would feed.
 *
 * @example
 *   const originals = pickOneImagePerClass(labels, 8, seed).map((i) => images[i]);
 *   await writePreview('grid.png', pipeline, originals, { draws: 7, seed: 0 });
 */

import { writeFileAtomically } from '../core/atomic-file.js';
import type { Image } from '../core/image.js';
import { Rng } from '../core/rng.js';
import { encodeImage } from '../data/encode-image.js';
import { sampleRng } from './compose.js';
import { makeGrid } from './grid.js';
import { infoOf, type Transform } from './transform.js';

export interface PreviewOptions {
  draws: number;
  seed: number;
  /** Cell enlargement; default: enough to make cells at least 96 pixels. */
  scale?: number;
}

/** Rows of [original, draw 1, ..., draw n]. */
export function previewRows(
  pipeline: Transform,
  originals: Image[],
  options: PreviewOptions,
): Image[][] {
  return originals.map((image, i) => [
    image,
    ...Array.from({ length: options.draws }, (_, j) =>
      pipeline.apply(image, pipeline.sampleParams(sampleRng(options.seed, j, i), infoOf(image))),
    ),
  ]);
}

/** Renders the preview grid and writes it as a PNG (atomically); returns the grid's size. */
export async function writePreview(
  path: string,
  pipeline: Transform,
  originals: Image[],
  options: PreviewOptions,
): Promise<{ height: number; width: number }> {
  const rows = previewRows(pipeline, originals, options);
  const largest = Math.max(...rows.flat().map((c) => Math.max(c.height, c.width)));
  const scale = options.scale ?? Math.max(1, Math.floor(96 / largest));
  const grid = makeGrid(rows, { scale });
  writeFileAtomically(path, await encodeImage(grid, 'png'));
  return { height: grid.height, width: grid.width };
}

/**
 * Indices of `count` samples spread over the classes (class 0, 1, ... in turn), each picked at
 * random within its class from `seed`.
 */
export function pickSamplesByClass(
  labels: ArrayLike<number>,
  count: number,
  seed: number,
): number[] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const rng = new Rng(seed).fork('preview');
  const orders = new Map(classes.map((c) => [c, rng.permutation(byClass.get(c)!.length)]));
  const picks: number[] = [];
  for (let r = 0; picks.length < Math.min(count, labels.length); r++) {
    const c = classes[r % classes.length];
    const members = byClass.get(c)!;
    const k = Math.floor(r / classes.length);
    if (k < members.length) picks.push(members[orders.get(c)![k]]);
  }
  return picks;
}
