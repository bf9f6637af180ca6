/**
 * How `Compose` runs its transforms: one by one, except for neighbours that can run as one
 * step with the same pixels for less work:
 * - a resize followed by a crop computes only the cropped window of the resized image;
 * - flips followed by a nearest rotation (and `toTensor` + `normalize` after them) read each
 *   output pixel once from the source (see functional/remap.ts);
 * - `toTensor` followed by `normalize` maps bytes through one table;
 * - a resize and crop followed by such a gather run in one wasm session.
 * Each fusion falls back to the plain path whenever it would not give identical pixels.
 *
 * @example
 *   const out = applyFused(pipeline.transforms, params, image);
 */
import type { Image } from '../core/image.js';
import type { WindowCrop } from './crop.js';
import { type FlipParams, RandomHorizontalFlip, RandomVerticalFlip } from './flip.js';
import { type RemapSpec, remapNearest, resizeRemap } from './functional/remap.js';
import type { Window } from './functional/resize.js';
import { Resize } from './resize.js';
import { RandomRotation, type RotationParams } from './rotation.js';
import { Normalize, ToTensor } from './tensor.js';
import { type ImageInfo, infoOf, type Transform } from './transform.js';

function isWindowCrop(t: Transform | undefined): t is Transform & WindowCrop<unknown> {
  return typeof (t as Partial<WindowCrop<unknown>> | undefined)?.cropWindow === 'function';
}

/** Runs `transforms` with their sampled `params` on `image`. */
export function applyFused(
  transforms: readonly Transform[],
  params: readonly unknown[],
  image: Image,
): Image {
  let img = image;
  let i = 0;
  while (i < transforms.length) {
    const t = transforms[i];
    const next = transforms[i + 1];
    if (t instanceof Resize && isWindowCrop(next)) {
      const info = infoOf(img);
      const window = next.cropWindow(params[i + 1], t.outputInfo(info));
      if (window) {
        const head = planResizeGather(transforms, params, i, info);
        const out = head
          ? resizeRemap(img, head.size, head.interpolation, window, head.spec, head.norm)
          : null;
        if (out && head) {
          img = out;
          i = head.next;
          continue;
        }
        img = t.applyWindow(img, window);
        i += 2;
        continue;
      }
    }
    const run = planGather(transforms, params, i, img.channels);
    if (run && !run.spec) {
      // Only flips that drew "no flip": nothing to do.
      i = run.next;
      continue;
    }
    if (run?.spec) {
      const out =
        img.data instanceof Uint8Array || !run.norm ? remapNearest(img, run.spec, run.norm) : null;
      if (out) {
        img = out;
        i = run.next;
        continue;
      }
    }
    if (t instanceof ToTensor && next instanceof Normalize && img.data instanceof Uint8Array) {
      img = next.applyToBytes(img as Image<Uint8Array>);
      i += 2;
      continue;
    }
    img = t.apply(img, params[i]);
    i++;
  }
  return img;
}

export interface ResizeGather {
  size: [number, number];
  interpolation: Resize['interpolation'];
  window: Window;
  spec: RemapSpec;
  norm: Normalize | undefined;
  /** Index of the first transform after them. */
  next: number;
}

/**
 * A resize, a crop it can fuse with, then a gather run (flips, nearest rotation, maybe
 * toTensor + normalize) from `start`, for an input of `info`: what `resizeRemap` runs as one
 * step. Null when the transforms there are not that.
 */
export function planResizeGather(
  transforms: readonly Transform[],
  params: readonly unknown[],
  start: number,
  info: ImageInfo,
): ResizeGather | null {
  const t = transforms[start];
  const crop = transforms[start + 1];
  if (!(t instanceof Resize) || !isWindowCrop(crop)) return null;
  const resized = t.outputInfo(info);
  const window = crop.cropWindow(params[start + 1], resized);
  if (!window) return null;
  const run = planGather(transforms, params, start + 2, info.channels);
  if (!run?.spec) return null;
  const size: [number, number] = [resized.height, resized.width];
  return {
    size,
    interpolation: t.interpolation,
    window,
    spec: run.spec,
    norm: run.norm,
    next: run.next,
  };
}

interface GatherRun {
  /** null when the run is only flips that drew "no flip". */
  spec: RemapSpec | null;
  norm: Normalize | undefined;
  /** Index of the first transform after the run. */
  next: number;
}

/**
 * Flips, then at most one nearest rotation, then maybe toTensor + normalize, from `start`:
 * what one gather can do. Null when there is no such run (or it would do nothing but the
 * table lookup, which the caller handles).
 */
function planGather(
  ts: readonly Transform[],
  params: readonly unknown[],
  start: number,
  channels: number,
): GatherRun | null {
  let j = start;
  let mirrorX = false;
  let mirrorY = false;
  while (ts[j] instanceof RandomHorizontalFlip || ts[j] instanceof RandomVerticalFlip) {
    if ((params[j] as FlipParams).flip) {
      if (ts[j] instanceof RandomHorizontalFlip) mirrorX = !mirrorX;
      else mirrorY = !mirrorY;
    }
    j++;
  }
  let rotation = null;
  const r = ts[j];
  if (r instanceof RandomRotation && r.interpolation === 'nearest') {
    const fill = Array.isArray(r.fill) && r.fill.length === 1 ? r.fill[0] : r.fill;
    rotation = {
      angle: (params[j] as RotationParams).angle,
      expand: r.expand,
      center: r.center,
      fill,
    };
    j++;
  }
  if (j === start) return null;
  if (!rotation && !mirrorX && !mirrorY) return { spec: null, norm: undefined, next: j };
  const norm =
    ts[j] instanceof ToTensor && ts[j + 1] instanceof Normalize ? (ts[j + 1] as Normalize) : null;
  const fused = norm?.acceptsChannels(channels) ? norm : undefined;
  return { spec: { mirrorX, mirrorY, rotation }, norm: fused, next: fused ? j + 2 : j };
}
