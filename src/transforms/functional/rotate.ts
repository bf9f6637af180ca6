/**
 * Rotation as torchvision does it on PIL images (`Image.rotate`): counter-clockwise degrees
 * about the centre (or `center`, in pixels), the same affine matrix PIL builds, PIL's
 * 16.16 fixed-point stepping for nearest and its bilinear filter (which truncates), the
 * exact transposes for multiples of 90 degrees, and `fill` for the uncovered corners. So
 * 8-bit results are bit-exact with torchvision on PIL images. Float images take the same
 * path without the final truncation.
 *
 * @example
 *   const tilted = rotate(image, 5);
 *   const whole = rotate(image, 30, { interpolation: 'bilinear', expand: true, fill: [0, 0, 0] });
 */
import type { Image } from '../../core/image.js';
import { allocLike } from './util.js';

export const ROTATE_INTERPOLATIONS = ['nearest', 'bilinear'] as const;
export type RotateInterpolation = (typeof ROTATE_INTERPOLATIONS)[number];

export interface RotateOptions {
  interpolation?: RotateInterpolation;
  /** Grow the output to hold the whole rotated image. */
  expand?: boolean;
  /** Centre of rotation [x, y] in pixels from the top-left corner; default the image centre. */
  center?: readonly [number, number] | null;
  /** Value of uncovered pixels: one number for all channels, or one per channel. */
  fill?: number | readonly number[] | null;
}

/** Rotates counter-clockwise by `angle` degrees. */
export function rotate(image: Image, angle: number, options: RotateOptions = {}): Image {
  const interpolation = options.interpolation ?? 'nearest';
  const expand = options.expand ?? false;
  const center = options.center ?? null;
  const a = ((angle % 360) + 360) % 360;
  if (!center) {
    if (a === 0) return copy(image);
    if (a === 180) return transpose(image, 180);
    if ((a === 90 || a === 270) && (expand || image.width === image.height)) {
      return transpose(image, a);
    }
  }
  const { matrix, width, height } = rotationMatrix(image.width, image.height, a, expand, center);
  const out = allocLike(image, height, width);
  fillWith(out, options.fill ?? 0);
  if (interpolation === 'bilinear') bilinearAffine(image, out, matrix);
  else nearestAffine(image, out, matrix);
  return out;
}

/** PIL's inverse matrix (output pixel -> source point) and output size for a rotation. */
export function rotationMatrix(
  w: number,
  h: number,
  angle: number,
  expand: boolean,
  center: readonly [number, number] | null,
): { matrix: number[]; width: number; height: number } {
  const [cx, cy] = center ?? [w / 2, h / 2];
  const rad = -((angle * Math.PI) / 180);
  const m = [
    round15(Math.cos(rad)),
    round15(Math.sin(rad)),
    0,
    round15(-Math.sin(rad)),
    round15(Math.cos(rad)),
    0,
  ];
  const apply = (x: number, y: number): [number, number] => [
    m[0] * x + m[1] * y + m[2],
    m[3] * x + m[4] * y + m[5],
  ];
  [m[2], m[5]] = apply(-cx, -cy);
  m[2] += cx;
  m[5] += cy;
  if (!expand) return { matrix: m, width: w, height: h };
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of [
    [0, 0],
    [w, 0],
    [w, h],
    [0, h],
  ]) {
    const [px, py] = apply(x, y);
    xs.push(px);
    ys.push(py);
  }
  const nw = Math.ceil(Math.max(...xs)) - Math.floor(Math.min(...xs));
  const nh = Math.ceil(Math.max(...ys)) - Math.floor(Math.min(...ys));
  [m[2], m[5]] = apply(-(nw - w) / 2, -(nh - h) / 2);
  return { matrix: m, width: nw, height: nh };
}

/** Python's `round(x, 15)`: decimal rounding of the exact binary value. */
function round15(x: number): number {
  return Number(x.toFixed(15));
}

function copy(image: Image): Image {
  const out = allocLike(image, image.height, image.width);
  out.data.set(image.data);
  return out;
}

/** PIL's transposes: 90 and 270 are counter-clockwise and clockwise quarter turns. */
function transpose(image: Image, angle: 90 | 180 | 270): Image {
  const { width: w, height: h, channels: c } = image;
  const out = angle === 180 ? allocLike(image, h, w) : allocLike(image, w, h);
  const s = image.data;
  const d = out.data;
  const ow = out.width;
  let o = 0;
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < ow; x++) {
      let sx: number;
      let sy: number;
      if (angle === 180) {
        sx = w - 1 - x;
        sy = h - 1 - y;
      } else if (angle === 90) {
        sx = w - 1 - y;
        sy = x;
      } else {
        sx = y;
        sy = h - 1 - x;
      }
      const p = (sy * w + sx) * c;
      for (let ch = 0; ch < c; ch++) d[o++] = s[p + ch];
    }
  }
  return out;
}

/** Sets every pixel to `fill` (truncated to integers for 8-bit images, as torchvision does). */
export function fillWith(out: Image, fill: number | readonly number[]): void {
  const c = out.channels;
  const values = typeof fill === 'number' ? new Array<number>(c).fill(fill) : fill;
  // torchvision hands PIL integer fill values for 8-bit images.
  const v = out.data instanceof Uint8Array ? values.map((x) => Math.trunc(x)) : values;
  if (v.every((x) => x === 0)) return;
  const d = out.data;
  for (let i = 0; i < d.length; i += c) for (let ch = 0; ch < c; ch++) d[i + ch] = v[ch];
}

function checkFixed(a: readonly number[], x: number, y: number): boolean {
  return (
    Math.abs(x * a[0] + y * a[1] + a[2]) < 32768 && Math.abs(x * a[3] + y * a[4] + a[5]) < 32768
  );
}

/**
 * PIL's 16.16 fixed-point form of an inverse affine map, as its nearest-neighbour path uses it
 * (`affine_fixed`), or null when PIL would take another path for this map and output size.
 */
export function fixedAffine(a: readonly number[], outW: number, outH: number): number[] | null {
  if (a[1] === 0 && a[3] === 0) return null;
  if (
    !(
      checkFixed(a, 0, 0) &&
      checkFixed(a, outW, outH) &&
      checkFixed(a, 0, outH) &&
      checkFixed(a, outW, 0)
    )
  ) {
    return null;
  }
  return [
    fix(a[0]),
    fix(a[1]),
    fix(a[2] + a[0] * 0.5 + a[1] * 0.5),
    fix(a[3]),
    fix(a[4]),
    fix(a[5] + a[3] * 0.5 + a[4] * 0.5),
  ];
}

/**
 * The fixed-point map and output size of a nearest rotation when PIL computes it with
 * `affine_fixed` (not a transpose fast path), else null. Fused kernels use it.
 */
export function fixedRotation(
  w: number,
  h: number,
  angle: number,
  expand: boolean,
  center: readonly [number, number] | null,
): { a: number[]; width: number; height: number } | null {
  const a = ((angle % 360) + 360) % 360;
  if (!center && (a === 0 || a === 180 || ((a === 90 || a === 270) && (expand || w === h))))
    return null;
  const m = rotationMatrix(w, h, a, expand, center);
  const fixed = fixedAffine(m.matrix, m.width, m.height);
  return fixed ? { a: fixed, width: m.width, height: m.height } : null;
}

/** PIL's nearest affine: 16.16 fixed point when it fits, else its float stepping. */
function nearestAffine(src: Image, out: Image, a: number[]): void {
  const { width: sw, height: sh, channels: c } = src;
  const ow = out.width;
  const oh = out.height;
  const s = src.data;
  const d = out.data;
  if (a[1] === 0 && a[3] === 0) {
    scaleAffine(src, out, a);
    return;
  }
  const f = fixedAffine(a, ow, oh);
  if (f) {
    remapFixed(src, out, f, false, false);
    return;
  }
  let xo = a[2] + a[1] * 0.5 + a[0] * 0.5;
  let yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
  for (let y = 0; y < oh; y++) {
    let xx = xo;
    let yy = yo;
    for (let x = 0; x < ow; x++) {
      const xin = coord(xx);
      const yin = coord(yy);
      if (xin >= 0 && xin < sw && yin >= 0 && yin < sh) {
        const p = (yin * sw + xin) * c;
        const o = (y * ow + x) * c;
        for (let ch = 0; ch < c; ch++) d[o + ch] = s[p + ch];
      }
      xx += a[0];
      yy += a[3];
    }
    xo += a[1];
    yo += a[4];
  }
}

/**
 * Writes into `out` (already filled) every pixel whose fixed-point source lies inside `src`,
 * reading the source mirrored when asked (a flip applied before the map).
 */
export function remapFixed(
  src: Image,
  out: Image,
  f: readonly number[],
  mirrorX: boolean,
  mirrorY: boolean,
): void {
  const { width: sw, height: sh, channels: c } = src;
  const ow = out.width;
  const s = src.data;
  const d = out.data;
  const [a0, a1, a2, a3, a4, a5] = f;
  let rowX = a2;
  let rowY = a5;
  for (let y = 0; y < out.height; y++) {
    let xx = rowX;
    let yy = rowY;
    let o = y * ow * c;
    for (let x = 0; x < ow; x++, o += c) {
      // The sums stay within +-2^31 (fixedAffine checks), so >> is PIL's floor division.
      let xin = xx >> 16;
      let yin = yy >> 16;
      if (xin >= 0 && xin < sw && yin >= 0 && yin < sh) {
        if (mirrorX) xin = sw - 1 - xin;
        if (mirrorY) yin = sh - 1 - yin;
        const p = (yin * sw + xin) * c;
        for (let ch = 0; ch < c; ch++) d[o + ch] = s[p + ch];
      }
      xx += a0;
      yy += a3;
    }
    rowX += a1;
    rowY += a4;
  }
}

function scaleAffine(src: Image, out: Image, a: number[]): void {
  const c = src.channels;
  const cols = new Int32Array(out.width).fill(-1);
  let xo = a[2] + a[0] * 0.5;
  for (let x = 0; x < out.width; x++) {
    const xin = coord(xo);
    if (xin >= 0 && xin < src.width) cols[x] = xin;
    xo += a[0];
  }
  let yo = a[5] + a[4] * 0.5;
  for (let y = 0; y < out.height; y++) {
    const yi = coord(yo);
    if (yi >= 0 && yi < src.height) {
      for (let x = 0; x < out.width; x++) {
        if (cols[x] < 0) continue;
        const p = (yi * src.width + cols[x]) * c;
        const o = (y * out.width + x) * c;
        for (let ch = 0; ch < c; ch++) out.data[o + ch] = src.data[p + ch];
      }
    }
    yo += a[4];
  }
}

function fix(v: number): number {
  return Math.floor(v * 65536 + 0.5) | 0;
}

function coord(v: number): number {
  return v < 0 ? -1 : Math.trunc(v);
}

/** PIL's generic transform with its bilinear filter (edge-clamped, truncated for bytes). */
function bilinearAffine(src: Image, out: Image, a: number[]): void {
  const { width: sw, height: sh, channels: c } = src;
  const s = src.data;
  const d = out.data;
  const bytes = d instanceof Uint8Array;
  for (let y = 0; y < out.height; y++) {
    const yc = y + 0.5;
    for (let x = 0; x < out.width; x++) {
      const xc = x + 0.5;
      let xin = a[0] * xc + a[1] * yc + a[2];
      let yin = a[3] * xc + a[4] * yc + a[5];
      if (xin < 0 || xin >= sw || yin < 0 || yin >= sh) continue;
      xin -= 0.5;
      yin -= 0.5;
      const fx = Math.floor(xin);
      const fy = Math.floor(yin);
      const dx = xin - fx;
      const dy = yin - fy;
      const row0 = (fy < 0 ? 0 : fy < sh ? fy : sh - 1) * sw;
      const hasRow1 = fy + 1 >= 0 && fy + 1 < sh;
      const row1 = (fy + 1) * sw;
      const x0 = (fx < 0 ? 0 : fx < sw ? fx : sw - 1) * c;
      const x1 = (fx + 1 < 0 ? 0 : fx + 1 < sw ? fx + 1 : sw - 1) * c;
      const o = (y * out.width + x) * c;
      for (let ch = 0; ch < c; ch++) {
        const p00 = s[row0 * c + x0 + ch];
        const v1 = p00 + (s[row0 * c + x1 + ch] - p00) * dx;
        let v2 = v1;
        if (hasRow1) {
          const p10 = s[row1 * c + x0 + ch];
          v2 = p10 + (s[row1 * c + x1 + ch] - p10) * dx;
        }
        const v = v1 + (v2 - v1) * dy;
        d[o + ch] = bytes ? Math.trunc(v) : v;
      }
    }
  }
}
