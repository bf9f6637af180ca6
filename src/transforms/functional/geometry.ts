/**
 * Crops, padding and flips: pure index arithmetic, exact for any pixel kind. Crops follow
 * PIL (`Image.crop`): pixels outside the source read as 0, so a crop may reach past the edges.
 *
 * @example
 *   const patch = crop(image, 16, 16, 224, 224);
 *   const mirrored = hflip(image);
 *   const framed = pad(image, [4, 4, 4, 4], 0, 'reflect');
 */
import type { Image } from '../../core/image.js';
import { allocLike, roundHalfEven } from './util.js';

/** torchvision's padding modes. */
export const PADDING_MODES = ['constant', 'edge', 'reflect', 'symmetric'] as const;
export type PaddingMode = (typeof PADDING_MODES)[number];

/** Rows [top, top + height), columns [left, left + width); outside the image reads as 0. */
export function crop(
  image: Image,
  top: number,
  left: number,
  height: number,
  width: number,
): Image {
  const c = image.channels;
  const out = allocLike(image, height, width);
  const x0 = Math.max(0, left);
  const x1 = Math.min(image.width, left + width);
  if (x1 <= x0) return out;
  const rowLen = (x1 - x0) * c;
  for (let y = Math.max(0, top); y < Math.min(image.height, top + height); y++) {
    const from = (y * image.width + x0) * c;
    out.data.set(image.data.subarray(from, from + rowLen), ((y - top) * width + (x0 - left)) * c);
  }
  return out;
}

/**
 * torchvision's `center_crop`: the offset rounds half to even like Python, and a crop larger
 * than the image pads it with zeros first.
 */
export function centerCrop(image: Image, size: readonly [number, number]): Image {
  const [ch, cw] = size;
  let img = image;
  if (cw > img.width || ch > img.height) {
    const dw = cw - img.width;
    const dh = ch - img.height;
    img = pad(
      img,
      [
        dw > 0 ? Math.floor(dw / 2) : 0,
        dh > 0 ? Math.floor(dh / 2) : 0,
        dw > 0 ? Math.floor((dw + 1) / 2) : 0,
        dh > 0 ? Math.floor((dh + 1) / 2) : 0,
      ],
      0,
      'constant',
    );
    if (img.width === cw && img.height === ch) return img;
  }
  const top = centerOffset(img.height, ch);
  const left = centerOffset(img.width, cw);
  return crop(img, top, left, ch, cw);
}

/** The offset torchvision's center crop uses: `int(round((size - crop) / 2))`. */
export function centerOffset(size: number, cropSize: number): number {
  return roundHalfEven((size - cropSize) / 2);
}

/**
 * Pads by [left, top, right, bottom]. `constant` fills with `fill` (a number, or one per
 * channel); `edge`, `reflect` and `symmetric` are numpy's modes, as torchvision uses them.
 * Negative padding crops that side, as in torchvision.
 */
export function pad(
  image: Image,
  padding: readonly [number, number, number, number],
  fill: number | readonly number[] = 0,
  mode: PaddingMode = 'constant',
): Image {
  let [l, t, r, b] = padding;
  let img = image;
  if (l < 0 || t < 0 || r < 0 || b < 0) {
    const cl = Math.max(0, -l);
    const ct = Math.max(0, -t);
    img = crop(img, ct, cl, img.height - ct - Math.max(0, -b), img.width - cl - Math.max(0, -r));
    l = Math.max(0, l);
    t = Math.max(0, t);
    r = Math.max(0, r);
    b = Math.max(0, b);
  }
  const c = img.channels;
  const h = img.height;
  const w = img.width;
  const outH = h + t + b;
  const outW = w + l + r;
  const out = allocLike(img, outH, outW);
  const s = img.data;
  const d = out.data;
  if (mode === 'constant') {
    const values = typeof fill === 'number' ? new Array<number>(c).fill(fill) : fill;
    for (let i = 0, n = outH * outW; i < n; i++) {
      for (let ch = 0; ch < c; ch++) d[i * c + ch] = values[ch];
    }
    for (let y = 0; y < h; y++) {
      d.set(s.subarray(y * w * c, (y + 1) * w * c), ((y + t) * outW + l) * c);
    }
    return out;
  }
  const rows = padIndex(h, t, b, mode);
  const cols = padIndex(w, l, r, mode);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const base = rows[y] * w;
    for (let x = 0; x < outW; x++) {
      const p = (base + cols[x]) * c;
      for (let ch = 0; ch < c; ch++) d[o++] = s[p + ch];
    }
  }
  return out;
}

/** Source index for each padded position along one axis (numpy's pad modes). */
function padIndex(size: number, before: number, after: number, mode: PaddingMode): Int32Array {
  const idx = new Int32Array(before + size + after);
  for (let i = 0; i < idx.length; i++) idx[i] = sourceIndex(i - before, size, mode);
  return idx;
}

function sourceIndex(i: number, n: number, mode: PaddingMode): number {
  if (mode === 'edge') return i < 0 ? 0 : i >= n ? n - 1 : i;
  if (n === 1) return 0;
  // reflect mirrors about the edge pixel (period 2n - 2), symmetric repeats it (period 2n).
  const period = mode === 'reflect' ? 2 * n - 2 : 2 * n;
  let k = i % period;
  if (k < 0) k += period;
  if (mode === 'reflect') return k < n ? k : period - k;
  return k < n ? k : period - 1 - k;
}

/** Mirrors left-right. */
export function hflip(image: Image): Image {
  const { height: h, width: w, channels: c } = image;
  const out = allocLike(image, h, w);
  const s = image.data;
  const d = out.data;
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    for (let x = 0; x < w; x++) {
      const from = row + (w - 1 - x) * c;
      const to = row + x * c;
      for (let ch = 0; ch < c; ch++) d[to + ch] = s[from + ch];
    }
  }
  return out;
}

/** Mirrors top-bottom. */
export function vflip(image: Image): Image {
  const { height: h, width: w, channels: c } = image;
  const out = allocLike(image, h, w);
  const rowLen = w * c;
  for (let y = 0; y < h; y++) {
    const from = (h - 1 - y) * rowLen;
    out.data.set(image.data.subarray(from, from + rowLen), y * rowLen);
  }
  return out;
}
