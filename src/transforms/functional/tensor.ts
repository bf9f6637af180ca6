/**
 * `toTensor` and `normalize`, torchvision's last two steps. tunebook keeps images HWC (as
 * TensorFlow.js wants NHWC batches) where torchvision's tensors are CHW; the values are the
 * same: `toTensor` maps bytes to float32 in [0, 1] (`v / 255`), `normalize` computes
 * `(x - mean[c]) / std[c]` in float32.
 *
 * @example
 *   const input = normalize(toTensor(image), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
 */
import type { Image } from '../../core/image.js';

/** Bytes to float32 in [0, 1]. */
export function toTensor(image: Image): Image<Float32Array> {
  const s = image.data;
  const d = new Float32Array(s.length);
  for (let i = 0; i < s.length; i++) d[i] = s[i] / 255;
  return { data: d, height: image.height, width: image.width, channels: image.channels };
}

/** `(x - mean[c]) / std[c]` per channel, in float32 like torchvision. */
export function normalize(
  image: Image,
  mean: readonly number[],
  std: readonly number[],
): Image<Float32Array> {
  const c = image.channels;
  const m = Float32Array.from({ length: c }, (_, i) => (mean.length === 1 ? mean[0] : mean[i]));
  const s = Float32Array.from({ length: c }, (_, i) => (std.length === 1 ? std[0] : std[i]));
  const src = image.data;
  const d = new Float32Array(src.length);
  for (let i = 0; i < src.length; i += c) {
    for (let ch = 0; ch < c; ch++) d[i + ch] = Math.fround(src[i + ch] - m[ch]) / s[ch];
  }
  return { data: d, height: image.height, width: image.width, channels: c };
}

/**
 * `normalize(toTensor(image))` in one pass through a 256-entry table per channel: the same
 * float32 values (each entry is computed the two-step way), for a fraction of the work.
 */
export function toNormalizedTensor(
  image: Image<Uint8Array>,
  mean: readonly number[],
  std: readonly number[],
): Image<Float32Array> {
  return applyLut(image, normalizeLut(image.channels, mean, std));
}

/** Per channel, the 256 values `normalize(toTensor(v))` takes (channel c at `c * 256 + v`). */
export function normalizeLut(
  channels: number,
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const lut = new Float32Array(256 * channels);
  for (let ch = 0; ch < channels; ch++) {
    const m = Math.fround(mean.length === 1 ? mean[0] : mean[ch]);
    const sd = Math.fround(std.length === 1 ? std[0] : std[ch]);
    for (let v = 0; v < 256; v++) lut[ch * 256 + v] = Math.fround(Math.fround(v / 255) - m) / sd;
  }
  return lut;
}

/** Maps every byte through its channel's table. */
export function applyLut(image: Image<Uint8Array>, lut: Float32Array): Image<Float32Array> {
  const c = image.channels;
  const src = image.data;
  const d = new Float32Array(src.length);
  if (c === 3) {
    for (let i = 0; i < src.length; i += 3) {
      d[i] = lut[src[i]];
      d[i + 1] = lut[256 + src[i + 1]];
      d[i + 2] = lut[512 + src[i + 2]];
    }
  } else {
    for (let i = 0; i < src.length; i += c) {
      for (let ch = 0; ch < c; ch++) d[i + ch] = lut[ch * 256 + src[i + ch]];
    }
  }
  return { data: d, height: image.height, width: image.width, channels: c };
}
