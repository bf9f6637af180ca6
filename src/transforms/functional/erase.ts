/**
 * torchvision's `erase`: overwrites a rectangle with a value per channel, or with given
 * per-pixel values (HWC, `height * width * channels` of them).
 *
 * @example
 *   const occluded = erase(image, 10, 20, 32, 48, [0, 0, 0]);
 */
import type { Image } from '../../core/image.js';
import { allocLike } from './util.js';

/** Rows [top, top + height), columns [left, left + width) set to `value`. */
export function erase(
  image: Image,
  top: number,
  left: number,
  height: number,
  width: number,
  value: number | readonly number[] | Float32Array | Uint8Array,
): Image {
  const c = image.channels;
  const out = allocLike(image, image.height, image.width);
  out.data.set(image.data);
  const d = out.data;
  const perPixel =
    typeof value !== 'number' && value.length === height * width * c && value.length !== c;
  const perChannel =
    typeof value === 'number'
      ? new Array<number>(c).fill(value)
      : value.length === 1
        ? new Array<number>(c).fill(value[0])
        : value;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = ((top + y) * image.width + left + x) * c;
      const v = (y * width + x) * c;
      for (let ch = 0; ch < c; ch++) d[o + ch] = perPixel ? perChannel[v + ch] : perChannel[ch];
    }
  }
  return out;
}
