/**
 * Reads the golden fixtures made by test/fixtures/preprocessing/make_fixtures.py (OpenCV and
 * scikit-learn outputs). Tests run from dist/src/preprocessing, three levels below the root.
 *
 * @example
 *   const { images } = readFixture<{ images: Record<string, FixtureImage> }>('images.json');
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Image } from '../core/image.js';

const DIR = new URL('../../../test/fixtures/preprocessing/', import.meta.url);

export interface FixtureImage {
  height: number;
  width: number;
  channels: number;
  data: string;
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(name, DIR)), 'utf8')) as T;
}

export function bytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

let images: Record<string, Image<Uint8Array>> | null = null;

/** The fixture input images by name, decoded. */
export function fixtureImages(): Record<string, Image<Uint8Array>> {
  if (images) return images;
  const raw = readFixture<{ images: Record<string, FixtureImage> }>('images.json').images;
  images = {};
  for (const [name, { height, width, channels, data }] of Object.entries(raw)) {
    images[name] = { data: bytes(data), height, width, channels };
  }
  return images;
}

/** Counts of pixels (bytes) differing by more than 0, and by more than `tolerance`. */
export function compareBytes(
  actual: Uint8Array,
  expected: Uint8Array,
  tolerance: number,
): { differ: number; beyond: number; maxDiff: number } {
  let differ = 0;
  let beyond = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (d > 0) differ++;
    if (d > tolerance) beyond++;
    if (d > maxDiff) maxDiff = d;
  }
  return { differ, beyond, maxDiff };
}
