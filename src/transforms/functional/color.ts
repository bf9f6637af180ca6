/**
 * Colour adjustments with torchvision's semantics. On 8-bit images they are PIL's
 * (`ImageEnhance` blends in float32, truncated; grey is ITU-R 601-2 luma in 16-bit fixed
 * point; hue goes through PIL's HSV), hence bit-exact with torchvision on PIL images. On
 * float images they follow torchvision's tensor code (blends clamped to [0, 1]).
 *
 * @example
 *   const brighter = adjustBrightness(image, 1.3);
 *   const grey = rgbToGrayscale(image, 1);
 */
import type { Image } from '../../core/image.js';
import { allocLike } from './util.js';

const f32 = Math.fround;

/** PIL's `Image.blend(a, b, alpha)` on bytes, or torchvision's clamped blend on floats. */
function blend(a: ArrayLike<number>, image: Image, alpha: number): Image {
  const out = allocLike(image, image.height, image.width);
  const b = image.data;
  const d = out.data;
  const n = d.length;
  if (d instanceof Uint8Array) {
    if (alpha === 0) {
      for (let i = 0; i < n; i++) d[i] = a[i];
      return out;
    }
    if (alpha === 1) {
      d.set(b);
      return out;
    }
    const fa = f32(alpha);
    // PIL computes in float and truncates; extrapolation (alpha outside [0, 1]) is clamped.
    for (let i = 0; i < n; i++) {
      const v = f32(a[i] + f32(fa * (b[i] - a[i])));
      d[i] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = alpha * b[i] + (1 - alpha) * a[i];
    d[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/** A view that reads the same value everywhere. */
function constant(value: number, length: number): ArrayLike<number> {
  return new Float64Array(length).fill(value);
}

/** Scales brightness: 0 gives black, 1 the original. */
export function adjustBrightness(image: Image, factor: number): Image {
  return blend(constant(0, image.data.length), image, factor);
}

/** Scales contrast about the mean grey level: 0 gives a flat grey image, 1 the original. */
export function adjustContrast(image: Image, factor: number): Image {
  const grey = image.channels >= 3 ? rgbToGrayscale(image, 1).data : image.data;
  let sum = 0;
  for (let i = 0; i < grey.length; i++) sum += grey[i];
  const mean = sum / grey.length;
  // PIL rounds the mean to a byte; torchvision's tensor code keeps it as a float.
  const level = image.data instanceof Uint8Array ? Math.trunc(mean + 0.5) : mean;
  return blend(constant(level, image.data.length), image, factor);
}

/** Scales saturation: 0 gives the grey image, 1 the original. Grey images are returned as is. */
export function adjustSaturation(image: Image, factor: number): Image {
  if (image.channels < 3) return blend(image.data, image, 1);
  return blend(rgbToGrayscale(image, 3).data, image, factor);
}

/**
 * ITU-R 601-2 luma: PIL's `convert('L')` on bytes (`(19595 R + 38470 G + 7471 B + 2^15) >> 16`),
 * torchvision's `0.2989 R + 0.587 G + 0.114 B` on floats; `channels` 3 repeats it.
 */
export function rgbToGrayscale(image: Image, channels: 1 | 3 = 1): Image {
  const c = image.channels;
  const n = image.height * image.width;
  const out = allocLike(image, image.height, image.width, channels);
  const s = image.data;
  const d = out.data;
  const bytes = s instanceof Uint8Array;
  for (let i = 0; i < n; i++) {
    let v: number;
    if (c < 3) v = s[i * c];
    else if (bytes)
      v = (s[i * c] * 19595 + s[i * c + 1] * 38470 + s[i * c + 2] * 7471 + 0x8000) >> 16;
    else
      v = f32(f32(f32(0.2989 * s[i * c]) + f32(0.587 * s[i * c + 1])) + f32(0.114 * s[i * c + 2]));
    if (channels === 1) d[i] = v;
    else {
      d[i * 3] = v;
      d[i * 3 + 1] = v;
      d[i * 3 + 2] = v;
    }
  }
  return out;
}

/**
 * Shifts hue by `factor` of a full turn (in [-0.5, 0.5]). Bytes go through PIL's 8-bit HSV, as
 * torchvision does for PIL images; grey images are returned as is.
 */
export function adjustHue(image: Image, factor: number): Image {
  if (image.channels !== 3) return blend(image.data, image, 1);
  if (image.data instanceof Uint8Array) return adjustHueBytes(image as Image<Uint8Array>, factor);
  return adjustHueFloat(image as Image<Float32Array>, factor);
}

function adjustHueBytes(image: Image<Uint8Array>, factor: number): Image {
  const out = allocLike(image, image.height, image.width);
  const s = image.data;
  const d = out.data as Uint8Array;
  // numpy's uint8 cast of hue_factor * 255 wraps negative values around.
  const shift = ((Math.trunc(factor * 255) % 256) + 256) % 256;
  const hsv = [0, 0, 0];
  for (let i = 0; i < s.length; i += 3) {
    rgbToHsvByte(s[i], s[i + 1], s[i + 2], hsv);
    hsvToRgbByte((hsv[0] + shift) & 255, hsv[1], hsv[2], d, i);
  }
  return out;
}

/** PIL's `rgb2hsv_row`: float arithmetic, truncated to bytes. */
function rgbToHsvByte(r: number, g: number, b: number, out: number[]): void {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  out[2] = maxc;
  if (minc === maxc) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const cr = maxc - minc;
  const s = f32(cr / maxc);
  const rc = f32((maxc - r) / cr);
  const gc = f32((maxc - g) / cr);
  const bc = f32((maxc - b) / cr);
  let h: number;
  if (r === maxc) h = f32(bc - gc);
  else if (g === maxc) h = f32(2.0 + rc - bc);
  else h = f32(4.0 + gc - rc);
  h = f32((h / 6.0 + 1.0) % 1.0);
  out[0] = clip8(Math.trunc(h * 255.0));
  out[1] = clip8(Math.trunc(s * 255.0));
}

/** PIL's `hsv2rgb`. */
function hsvToRgbByte(h: number, s: number, v: number, d: Uint8Array, at: number): void {
  if (s === 0) {
    d[at] = v;
    d[at + 1] = v;
    d[at + 2] = v;
    return;
  }
  const i = Math.floor((h * 6.0) / 255.0);
  const f = f32((h * 6.0) / 255.0 - i);
  const fs = f32(s / 255.0);
  const p = clip8(cRound(v * (1.0 - fs)));
  const q = clip8(cRound(v * (1.0 - f32(fs * f))));
  const t = clip8(cRound(v * (1.0 - fs * (1.0 - f))));
  let r: number;
  let g: number;
  let b: number;
  switch (i % 6) {
    case 0:
      [r, g, b] = [v, t, p];
      break;
    case 1:
      [r, g, b] = [q, v, p];
      break;
    case 2:
      [r, g, b] = [p, v, t];
      break;
    case 3:
      [r, g, b] = [p, q, v];
      break;
    case 4:
      [r, g, b] = [t, p, v];
      break;
    default:
      [r, g, b] = [v, p, q];
  }
  d[at] = r;
  d[at + 1] = g;
  d[at + 2] = b;
}

/** C's `round`: halves away from zero. */
function cRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function clip8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v;
}

/** torchvision's tensor `adjust_hue` (`_rgb2hsv`, shift, `_hsv2rgb`). */
function adjustHueFloat(image: Image<Float32Array>, factor: number): Image {
  const out = allocLike(image, image.height, image.width);
  const s = image.data;
  const d = out.data;
  for (let i = 0; i < s.length; i += 3) {
    const r = s[i];
    const g = s[i + 1];
    const b = s[i + 2];
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const cr = maxc - minc;
    const sat = cr / (maxc === 0 ? 1 : maxc);
    const crDiv = cr === 0 ? 1 : cr;
    const rc = (maxc - r) / crDiv;
    const gc = (maxc - g) / crDiv;
    const bc = (maxc - b) / crDiv;
    let h: number;
    if (maxc === r) h = bc - gc;
    else if (maxc === g) h = 2 + rc - bc;
    else h = 4 + gc - rc;
    h = (((h / 6 + 1) % 1) + factor + 1) % 1;
    const h6 = h * 6;
    const k = Math.floor(h6) % 6;
    const fr = h6 - Math.floor(h6);
    const p = clamp01(maxc * (1 - sat));
    const q = clamp01(maxc * (1 - sat * fr));
    const t = clamp01(maxc * (1 - sat * (1 - fr)));
    const v = maxc;
    const rgb =
      k === 0
        ? [v, t, p]
        : k === 1
          ? [q, v, p]
          : k === 2
            ? [p, v, t]
            : k === 3
              ? [p, q, v]
              : k === 4
                ? [t, p, v]
                : [v, p, q];
    d[i] = rgb[0];
    d[i + 1] = rgb[1];
    d[i + 2] = rgb[2];
  }
  return out;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
