/**
 * Reads the golden fixtures that test/fixtures/transforms/make_fixtures.py wrote with
 * torchvision, and runs the matching tunebook kernel on each case. Used by the golden tests
 * (and handy when a kernel changes: `compareAll()` lists every case that moved).
 *
 * @example
 *   for (const c of loadGoldenCases()) console.log(c.name, compare(c).maxDiff);
 */
import { readFileSync } from 'node:fs';
import type { Image } from '../../core/image.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  centerCrop,
  crop,
  erase,
  gaussianBlur,
  hflip,
  type Interpolation,
  normalize,
  type PaddingMode,
  pad,
  type RotateInterpolation,
  resize,
  resizedSize,
  rgbToGrayscale,
  rotate,
  toTensor,
  vflip,
} from './index.js';

interface ArrayEntry {
  offset: number;
  shape: [number, number, number];
  dtype: 'uint8' | 'float32';
}

export interface GoldenCase {
  name: string;
  op: string;
  // biome-ignore lint/suspicious/noExplicitAny: arguments are whatever the fixture script wrote
  args: Record<string, any>;
  input: Image;
  expected: Image;
}

const DIR = new URL('../../../../test/fixtures/transforms/', import.meta.url);

function toImage(blob: Buffer, e: ArrayEntry): Image {
  const [h, w, c] = e.shape;
  const n = h * w * c;
  const bytes = blob.subarray(e.offset, e.offset + n * (e.dtype === 'uint8' ? 1 : 4));
  const copy = new Uint8Array(bytes);
  const data = e.dtype === 'uint8' ? copy : new Float32Array(copy.buffer, 0, n);
  return { data, height: h, width: w, channels: c };
}

interface Manifest {
  inputs: Record<string, ArrayEntry>;
  cases: {
    name: string;
    op: string;
    args: Record<string, unknown>;
    input: string;
    output: ArrayEntry;
  }[];
  jpegs: { name: string; file: ArrayEntry; output: ArrayEntry }[];
}

function readFixtures(): { manifest: Manifest; blob: Buffer } {
  return {
    manifest: JSON.parse(readFileSync(new URL('fixtures.json', DIR), 'utf8')) as Manifest,
    blob: readFileSync(new URL('fixtures.bin', DIR)),
  };
}

/** JPEG files written by PIL and OpenCV, with PIL's decode of each (RGB). */
export function loadGoldenJpegs(): { name: string; bytes: Buffer; expected: Image }[] {
  const { manifest, blob } = readFixtures();
  return manifest.jpegs.map((j) => ({
    name: j.name,
    bytes: Buffer.from(blob.subarray(j.file.offset, j.file.offset + j.file.shape[0])),
    expected: toImage(blob, j.output),
  }));
}

/** Every fixture case with its input and torchvision's output. */
export function loadGoldenCases(): GoldenCase[] {
  const { manifest, blob } = readFixtures();
  const inputs = new Map(Object.entries(manifest.inputs).map(([k, e]) => [k, toImage(blob, e)]));
  return manifest.cases.map((c) => ({
    name: c.name,
    op: c.op,
    args: c.args,
    input: inputs.get(c.input)!,
    expected: toImage(blob, c.output),
  }));
}

/** Runs tunebook's kernel for a fixture case. */
export function runGoldenCase(c: GoldenCase): Image {
  const a = c.args;
  const img = c.input;
  switch (c.op) {
    case 'hflip':
      return hflip(img);
    case 'vflip':
      return vflip(img);
    case 'crop':
      return crop(img, a.top, a.left, a.height, a.width);
    case 'centerCrop':
      return centerCrop(img, a.size);
    case 'pad':
      return pad(img, a.padding, a.fill, a.mode as PaddingMode);
    case 'resize':
      return resize(
        img,
        resizedSize(img.height, img.width, a.size),
        a.interpolation as Interpolation,
      );
    case 'resizedCrop':
      return resize(crop(img, a.top, a.left, a.height, a.width), a.size, a.interpolation);
    case 'rotate':
      return rotate(img, a.angle, {
        interpolation: a.interpolation as RotateInterpolation,
        expand: a.expand,
        center: a.center,
        fill: a.fill,
      });
    case 'gaussianBlur':
      return gaussianBlur(img, a.kernelSize, a.sigma);
    case 'toTensor':
      return toTensor(img);
    case 'normalize':
      return normalize(toTensor(img), a.mean, a.std);
    case 'erase':
      return erase(toTensor(img), a.top, a.left, a.height, a.width, a.value);
    case 'adjustBrightness':
      return adjustBrightness(img, a.factor);
    case 'adjustContrast':
      return adjustContrast(img, a.factor);
    case 'adjustSaturation':
      return adjustSaturation(img, a.factor);
    case 'adjustHue':
      return adjustHue(img, a.factor);
    case 'rgbToGrayscale':
      return rgbToGrayscale(img, a.channels);
    default:
      throw new Error(`golden fixtures: unknown op ${c.op}`);
  }
}

export interface Comparison {
  sameShape: boolean;
  maxDiff: number;
  /** Share of values that differ by more than `tolerance`. */
  offShare: number;
}

/** Compares shapes and values; `tolerance` is what counts as equal (grey levels or floats). */
export function compareImages(actual: Image, expected: Image, tolerance = 0): Comparison {
  const sameShape =
    actual.height === expected.height &&
    actual.width === expected.width &&
    actual.channels === expected.channels;
  if (!sameShape) return { sameShape, maxDiff: Number.POSITIVE_INFINITY, offShare: 1 };
  let maxDiff = 0;
  let off = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (!(d <= tolerance)) off++;
    if (d > maxDiff || Number.isNaN(d)) maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return { sameShape, maxDiff, offShare: off / expected.data.length };
}
