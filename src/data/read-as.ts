/**
 * Reading images at one size and channel count (`data.image`, see ./image-options.ts): the
 * fit of one image (`readAs`), any source read so (`readSourceAs`; image folders apply it
 * before their cache instead, see ./image-folder.ts), and the error for a folder of mixed
 * sizes read without a size (`checkOneSize`).
 *
 * @example
 *   const img = readAs(photo, { size: [32, 32], resize: 'shorter', channels: 3 });
 *   const source = readSourceAs(mnistSource(), { size: [32, 32], channels: 3 });
 */
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { resizeBilinear } from './bilinear.js';
import { rgbToGrey } from './decode-image.js';
import type { ImageReadOptions } from './image-options.js';
import { describeSample, type ImageSource } from './source.js';

/** Python's `round` (half to even), which torchvision's center crop offset uses. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `image` at `options.size` by `options.resize` (default `shorter`) and at
 * `options.channels`; an image already so is returned as is.
 */
export function readAs(image: Image, options: ImageReadOptions): Image {
  let out = options.channels ? convertChannels(image, options.channels) : image;
  if (options.size) out = fit(out, options.size, options.resize ?? 'shorter');
  return out;
}

function fit(image: Image, size: readonly [number, number], mode: string): Image {
  const [H, W] = size;
  const { height: h, width: w } = image;
  if (h === H && w === W) return image;
  if (mode === 'exact') return resizeBilinear(image, [H, W]);
  if (mode === 'shorter') {
    // Scale so the image covers the target (torchvision's Resize(short side): the other side
    // truncated), then take the center as CenterCrop does.
    const byHeight = H / h >= W / w;
    const nh = byHeight ? H : Math.max(H, Math.trunc((h * W) / w));
    const nw = byHeight ? Math.max(W, Math.trunc((w * H) / h)) : W;
    const top = roundHalfEven((nh - H) / 2);
    const left = roundHalfEven((nw - W) / 2);
    return resizeBilinear(image, [nh, nw], { top, left, height: H, width: W });
  }
  // pad: scale so the whole image fits, then center it on black.
  const scale = Math.min(H / h, W / w);
  const nh = Math.min(H, Math.max(1, Math.round(h * scale)));
  const nw = Math.min(W, Math.max(1, Math.round(w * scale)));
  const inner = resizeBilinear(image, [nh, nw]);
  const c = image.channels;
  const data =
    inner.data instanceof Uint8Array ? new Uint8Array(H * W * c) : new Float32Array(H * W * c);
  const top = Math.floor((H - nh) / 2);
  const left = Math.floor((W - nw) / 2);
  for (let y = 0; y < nh; y++) {
    data.set(inner.data.subarray(y * nw * c, (y + 1) * nw * c), ((top + y) * W + left) * c);
  }
  return { data, height: H, width: W, channels: c };
}

/** Grey to RGB by repeating the value, RGB to grey by PIL's luma formula. */
function convertChannels(image: Image, channels: 1 | 3): Image {
  if (image.channels === channels) return image;
  const n = image.height * image.width;
  const d = image.data;
  if (channels === 3 && image.channels === 1) {
    const out = d instanceof Uint8Array ? new Uint8Array(n * 3) : new Float32Array(n * 3);
    for (let p = 0; p < n; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = d[p];
    return { data: out, height: image.height, width: image.width, channels: 3 };
  }
  if (channels === 1 && image.channels === 3) {
    let grey: Uint8Array | Float32Array;
    if (d instanceof Uint8Array) grey = rgbToGrey(d);
    else {
      grey = new Float32Array(n);
      for (let p = 0; p < n; p++)
        grey[p] = (d[3 * p] * 19595 + d[3 * p + 1] * 38470 + d[3 * p + 2] * 7471) / 65536;
    }
    return { data: grey, height: image.height, width: image.width, channels: 1 };
  }
  throw new ConfigError('data.image.channels', `1 or 3 from an image of 1 or 3`, image.channels);
}

/**
 * `source` with every sample read by `readAs`; its `shape` is the target's when the size is
 * given. Signals (one-row images) are not images: asking to resize them is a ConfigError.
 */
export function readSourceAs(source: ImageSource, options: ImageReadOptions): ImageSource {
  if (!options.size && !options.channels) return source;
  if (source.shape && source.shape[0] === 1 && options.size) {
    throw new ConfigError(
      'data.image.size',
      'an image source (this one gives signals, one row each)',
      options.size,
    );
  }
  const known = source.shape;
  const channels = options.channels ?? known?.[2];
  const shape: [number, number, number] | undefined =
    options.size && channels
      ? [options.size[0], options.size[1], channels]
      : known && channels
        ? [known[0], known[1], channels]
        : undefined;
  return {
    count: source.count,
    labels: source.labels,
    classNames: source.classNames,
    shape,
    get: async (i: number) => readAs(await source.get(i), options),
    describe: (i: number) => describeSample(source, i),
  };
}

/**
 * Throws a DataError naming two files of different sizes when a folder's images are not all
 * one size (per-file sizes from its index) and no size is set to read them at.
 */
export function checkOneSize(
  where: string,
  files: readonly string[],
  heights: Int32Array,
  widths: Int32Array,
  field = 'data.image',
): void {
  const other = heights.findIndex((h, i) => h !== heights[0] || widths[i] !== widths[0]);
  if (other < 0) return;
  const size = (i: number) => `${files[i]} is ${heights[i]}x${widths[i]}`;
  throw new DataError(
    where,
    `images differ in size (${size(0)}, ${size(other)}); add ${field}: { size: [height, width] } to read every image at one size`,
  );
}
