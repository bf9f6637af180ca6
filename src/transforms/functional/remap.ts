/**
 * Flips followed by a nearest-neighbour rotation, and optionally `toTensor` + `normalize`,
 * as one gather: every output pixel is read once from the source, where the separate kernels
 * would write and re-read two or three intermediate images. The result is identical to
 * running them one by one (the same PIL fixed-point map, flips as mirrored reads, the same
 * float32 table); when PIL would take another path (a transpose, the float fallback) this
 * returns null and the caller runs the kernels separately.
 *
 * @example
 *   const out = remapNearest(image, { mirrorX: true, mirrorY: false, rotation: { angle: 3, expand: false, center: null, fill: 0 } });
 */
import type { Image } from '../../core/image.js';
import { type ResidentImage, wasmKernels } from '../../core/native/wasm-kernels.js';
import { axisTable, type Interpolation, type Window } from './resize.js';
import { fillWith, fixedRotation, remapFixed } from './rotate.js';
import { applyLut, normalizeLut } from './tensor.js';
import { allocLike } from './util.js';

export interface RemapSpec {
  /** Flip left-right before the rotation. */
  mirrorX: boolean;
  /** Flip top-bottom before the rotation. */
  mirrorY: boolean;
  rotation: {
    angle: number;
    expand: boolean;
    center: readonly [number, number] | null;
    fill: number | readonly number[];
  } | null;
}

const IDENTITY = [65536, 0, 32768, 0, 65536, 32768];

interface RemapPlan {
  affine: { a: number[]; width: number; height: number };
  /** Fill per channel: bytes, as a Uint8Array stores them. */
  fill: number[];
  lut: Float32Array | null;
}

/** The fixed-point map, fill and table for an image of this size, or null if not exact. */
function plan(
  width: number,
  height: number,
  c: number,
  bytes: boolean,
  spec: RemapSpec,
  normalizeWith?: { mean: readonly number[]; std: readonly number[] },
): RemapPlan | null {
  if (normalizeWith && !bytes) return null;
  let affine = { a: IDENTITY, width, height };
  let fill: number[] = new Array<number>(c).fill(0);
  if (spec.rotation) {
    const r = spec.rotation;
    const fixed = fixedRotation(width, height, r.angle, r.expand, r.center);
    if (!fixed) return null;
    affine = fixed;
    fill = typeof r.fill === 'number' ? new Array<number>(c).fill(r.fill) : [...r.fill];
    if (fill.length !== c) return null;
    // As a Uint8Array stores it (torchvision hands PIL integer fills).
    if (bytes) fill = fill.map((v) => Math.trunc(v) & 255);
  }
  const lut = normalizeWith ? normalizeLut(c, normalizeWith.mean, normalizeWith.std) : null;
  return { affine, fill, lut };
}

/** Fill values as the output holds them: through the table when there is one. */
function outputFill(p: RemapPlan): number[] {
  const lut = p.lut;
  return lut ? p.fill.map((v, ch) => lut[ch * 256 + v]) : p.fill;
}

/** The gather, or null when it would not match the kernels run one by one. */
export function remapNearest(
  image: Image,
  spec: RemapSpec,
  normalizeWith?: { mean: readonly number[]; std: readonly number[] },
): Image | null {
  const c = image.channels;
  const bytes = image.data instanceof Uint8Array;
  const p = plan(image.width, image.height, c, bytes, spec, normalizeWith);
  if (!p) return null;
  const fast = bytes ? wasmKernels() : null;
  if (fast) {
    const mirror = { x: spec.mirrorX, y: spec.mirrorY };
    return fast.remap(image as Image<Uint8Array>, p.affine, mirror, outputFill(p), p.lut);
  }
  const out = allocLike(image, p.affine.height, p.affine.width);
  fillWith(out, p.fill);
  remapFixed(image, out, p.affine.a, spec.mirrorX, spec.mirrorY);
  return p.lut ? applyLut(out as Image<Uint8Array>, p.lut) : out;
}

/**
 * `remapNearest(resize(image, size, interpolation, window), spec, normalizeWith)` in one wasm
 * session (the resized window never leaves wasm memory), or null where that is not available
 * or not exact; the caller then runs the two steps. `image` may be a JPEG decoded in wasm
 * memory (`ResidentImage`), which is then read in place.
 */
export function resizeRemap(
  image: Image | ResidentImage,
  size: readonly [number, number],
  interpolation: Interpolation,
  window: Window,
  spec: RemapSpec,
  normalizeWith?: { mean: readonly number[]; std: readonly number[] },
): Image | null {
  const c = image.channels;
  const bytes = !('data' in image) || image.data instanceof Uint8Array;
  if (!bytes || (c !== 1 && c !== 3) || interpolation === 'nearest') return null;
  const fast = wasmKernels();
  const p = plan(window.width, window.height, c, true, spec, normalizeWith);
  if (!fast || !p) return null;
  const tx = size[1] !== image.width ? axisTable(image.width, size[1], interpolation) : null;
  const ty = size[0] !== image.height ? axisTable(image.height, size[0], interpolation) : null;
  const mirror = { x: spec.mirrorX, y: spec.mirrorY };
  return fast.resizeRemap(
    image as Image<Uint8Array> | ResidentImage,
    tx,
    ty,
    window,
    p.affine,
    mirror,
    outputFill(p),
    p.lut,
  );
}
