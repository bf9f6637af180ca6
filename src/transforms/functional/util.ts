/**
 * Small helpers shared by the kernels: allocation of an output like the input, and Python's
 * rounding, which several torchvision formulas rely on.
 *
 * @example
 *   const out = allocLike(image, 10, 20); // same kind and channels, 10 x 20
 */
import type { Image } from '../../core/image.js';

/** An image with the pixel kind and channel count of `like`, zero-filled. */
export function allocLike(
  like: Image,
  height: number,
  width: number,
  channels = like.channels,
): Image {
  const n = height * width * channels;
  const data = like.data instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
  return { data, height, width, channels };
}

/** Python's `round(x)`: halves go to the even neighbour (`round(2.5) == 2`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** True when the image holds 8-bit pixels (a PIL-like image before `toTensor`). */
export function isUint8(image: Image): image is Image<Uint8Array> {
  return image.data instanceof Uint8Array;
}

/** Saturating conversion to a byte, truncating like C's `(UINT8)` after PIL's clamps. */
export function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
}
