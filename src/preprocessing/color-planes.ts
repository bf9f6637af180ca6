/**
 * How equalisation treats colour: a grey-plane kernel runs either on the luminance of an RGB
 * image or on each channel separately.
 *
 * `luminance` (the default) is the usual OpenCV recipe: RGB -> YCrCb, equalise Y, back to RGB,
 * with OpenCV's own fixed-point conversions (`COLOR_RGB2YCrCb` / `COLOR_YCrCb2RGB`, checked
 * equal on all 2^24 colours), so the result matches that recipe in `cv2` exactly. It keeps the
 * hues. `per-channel` equalises R, G and B independently, as PIL's `ImageOps.equalize` and
 * torchvision's `equalize` do; it shifts colours. An alpha channel is passed through.
 *
 * @example
 *   const out = mapGreyPlanes(rgb, 'luminance', 'equalizeHist', (plane, h, w) => kernel(plane, h, w));
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';

export const COLOR_MODES = ['luminance', 'per-channel'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** A kernel on one 8-bit plane of `height * width` pixels, returning a new plane. */
export type PlaneKernel = (plane: Uint8Array, height: number, width: number) => Uint8Array;

const SHIFT = 14;
const HALF = 1 << (SHIFT - 1);
const DELTA = 128 << SHIFT;

/** OpenCV's CV_DESCALE: a rounded right shift (arithmetic, so negatives floor as in C). */
function descale(x: number): number {
  return (x + HALF) >> SHIFT;
}

function clampByte(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : x;
}

/** Checks the image is 8-bit and its buffer fits its shape; `who` names the caller. */
export function checkUint8Image(image: Image, who: string): asserts image is Image<Uint8Array> {
  if (!(image.data instanceof Uint8Array)) {
    throw new ConfigError(
      `${who}: image.data`,
      'an 8-bit image (Uint8Array, 0-255; equalise before toTensor)',
      image.data?.constructor?.name ?? image.data,
    );
  }
  const { height, width, channels } = image;
  for (const [field, value] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`${who}: image.${field}`, 'a positive integer', value);
    }
  }
  if (image.data.length !== height * width * channels) {
    throw new ConfigError(
      `${who}: image.data.length`,
      `height * width * channels = ${height * width * channels}`,
      image.data.length,
    );
  }
}

/**
 * Runs `kernel` on the grey planes of `image` as `mode` says and returns a new image of the
 * same shape. One or two channels (grey, grey + alpha): the grey plane. Three or four (RGB,
 * RGBA): luminance or per channel.
 */
export function mapGreyPlanes(
  image: Image<Uint8Array>,
  mode: ColorMode,
  who: string,
  kernel: PlaneKernel,
): Image<Uint8Array> {
  const { height, width, channels, data } = image;
  if (!(COLOR_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`${who}: color`, `one of ${COLOR_MODES.join(', ')}`, mode);
  }
  if (channels > 4) {
    throw new ConfigError(`${who}: image.channels`, '1 (grey), 2, 3 (RGB) or 4 (RGBA)', channels);
  }
  const n = height * width;
  const out = new Uint8Array(data);
  if (channels <= 2) {
    writePlane(out, channels, 0, kernel(readPlane(data, channels, 0, n), height, width));
  } else if (mode === 'per-channel') {
    for (let c = 0; c < 3; c++) {
      writePlane(out, channels, c, kernel(readPlane(data, channels, c, n), height, width));
    }
  } else {
    const y = new Uint8Array(n);
    const cr = new Uint8Array(n);
    const cb = new Uint8Array(n);
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const r = data[p];
      const g = data[p + 1];
      const b = data[p + 2];
      const lum = descale(r * 4899 + g * 9617 + b * 1868);
      y[i] = lum;
      cr[i] = clampByte(descale((r - lum) * 11682 + DELTA));
      cb[i] = clampByte(descale((b - lum) * 9241 + DELTA));
    }
    const y2 = kernel(y, height, width);
    for (let i = 0, p = 0; i < n; i++, p += channels) {
      const lum = y2[i];
      const dr = cr[i] - 128;
      const db = cb[i] - 128;
      out[p] = clampByte(lum + descale(dr * 22987));
      out[p + 1] = clampByte(lum + descale(db * -5636 + dr * -11698));
      out[p + 2] = clampByte(lum + descale(db * 29049));
    }
  }
  return { data: out, height, width, channels };
}

function readPlane(data: Uint8Array, channels: number, c: number, n: number): Uint8Array {
  if (channels === 1) return data;
  const plane = new Uint8Array(n);
  for (let i = 0, p = c; i < n; i++, p += channels) plane[i] = data[p];
  return plane;
}

function writePlane(out: Uint8Array, channels: number, c: number, plane: Uint8Array): void {
  if (channels === 1) {
    out.set(plane);
    return;
  }
  for (let i = 0, p = c; i < plane.length; i++, p += channels) out[p] = plane[i];
}
