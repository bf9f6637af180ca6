/**
 * Offline augmentation (the seed's "augment before training"): writes K augmented copies of
 * every image of a class-folder tree to another folder, in the same layout. Copy k of image i
 * (i in the order `openImageFolder` gives, torchvision's) draws from `sampleRng(seed, k, i)`,
 * so a seed gives the same files however the work is scheduled, and copy k is exactly what
 * online augmentation would give in epoch k.
 *
 * Every file is written under a hidden temporary name in the output folder and renamed into
 * place once complete, so a crash or an interrupt never leaves a half-written image; stale
 * temporary files from an interrupted run are removed at the next start.
 *
 * @example
 *   await augmentFolder({ inDir: 'photos', outDir: 'photos-aug', pipeline, copies: 5, seed: 1 });
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { TEMP_PREFIX, writeFileAtomically } from '../core/atomic-file.js';
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { decodeImage } from '../data/decode-image.js';
import { type Encoding, encodeImage, encodingOf } from '../data/encode-image.js';
import { listImageFolder } from '../data/image-folder.js';
import { sampleRng } from './compose.js';
import { infoOf, type Transform } from './transform.js';

export interface AugmentFolderOptions {
  inDir: string;
  outDir: string;
  pipeline: Transform;
  /** Augmented copies per image (>= 1). */
  copies: number;
  seed: number;
  /** Output encoding: the input's own ('same', JPEG/WebP at quality 95) or one for all. */
  format?: Encoding | 'same';
  /** Images decoded and encoded at once (sharp works on its own threads). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface AugmentFolderResult {
  images: number;
  written: number;
  classes: string[];
}

/** Writes `copies` augmented versions of every image; returns how many were read and written. */
export async function augmentFolder(options: AugmentFolderOptions): Promise<AugmentFolderResult> {
  const { inDir, outDir, pipeline, copies, seed } = options;
  if (!Number.isInteger(copies) || copies < 1)
    throw new ConfigError('copies', 'an integer >= 1', copies);
  if (!Number.isInteger(seed) || seed < 0) throw new ConfigError('seed', 'an integer >= 0', seed);
  if (pipeline.outputKind('uint8') !== 'uint8') {
    throw new ConfigError(
      'pipeline',
      'a pipeline that ends with 8-bit images to write (toTensor and normalize belong to training)',
      'a pipeline ending in float images',
    );
  }
  const inside = relative(resolve(inDir), resolve(outDir));
  if (inside === '' || (!inside.startsWith('..') && !inside.startsWith('/'))) {
    throw new ConfigError('out-dir', `a folder outside the input folder ${inDir}`, outDir);
  }
  const { classNames: classes, files } = await listImageFolder(inDir);
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(outDir)) {
    if (name.startsWith(TEMP_PREFIX)) rmSync(join(outDir, name), { force: true });
  }
  const total = files.length * copies;
  let done = 0;
  let next = 0;
  let failed = false;
  const worker = async () => {
    for (let i = next++; i < files.length && !failed; i = next++) {
      const file = files[i];
      const image = await decodeImage(file);
      const encoding =
        !options.format || options.format === 'same' ? encodingOf(file) : options.format;
      const ext =
        options.format && options.format !== 'same'
          ? `.${encoding === 'jpeg' ? 'jpg' : encoding}`
          : extname(file);
      const stem = basename(file, extname(file));
      const folder = join(outDir, dirname(relative(inDir, file)));
      mkdirSync(folder, { recursive: true });
      for (let k = 0; k < copies && !failed; k++) {
        const out = augmentOne(pipeline, image, seed, k, i);
        const bytes = await encodeImage(out, encoding);
        writeFileAtomically(join(folder, `${stem}_aug${k}${ext}`), bytes, { tempDir: outDir });
        options.onProgress?.(++done, total);
      }
    }
  };
  const workers = Math.max(
    1,
    Math.min(options.concurrency ?? availableParallelism(), files.length),
  );
  // The first failure stops the other workers before they start more files.
  const guarded = () =>
    worker().catch((error: unknown) => {
      failed = true;
      throw error;
    });
  await Promise.all(Array.from({ length: workers }, guarded));
  return { images: files.length, written: total, classes };
}

function augmentOne(
  pipeline: Transform,
  image: Image,
  seed: number,
  copy: number,
  index: number,
): Image<Uint8Array> {
  const params = pipeline.sampleParams(sampleRng(seed, copy, index), infoOf(image));
  return pipeline.apply(image, params) as Image<Uint8Array>;
}
