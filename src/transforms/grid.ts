/**
 * Lays images out in a grid for `tunebook preview`: one row per original, the original first
 * and its augmented draws beside it, each cell centred on a dark background, optionally
 * enlarged (nearest) so small images such as MNIST digits stay visible.
 *
 * @example
 *   const grid = makeGrid([[original, draw1, draw2]], { scale: 3 });
 */
import type { Image } from '../core/image.js';

export interface GridOptions {
  /** Whole-number enlargement of every cell. */
  scale?: number;
  /** Pixels between cells. */
  gap?: number;
  /** Background grey level. */
  background?: number;
}

/**
 * 8-bit version of an image for display: bytes as they are; floats in [0, 1] scaled by 255;
 * other floats (after normalize) stretched from their own min to max.
 */
export function toDisplayBytes(image: Image): Image<Uint8Array> {
  if (image.data instanceof Uint8Array) return image as Image<Uint8Array>;
  const s = image.data;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < s.length; i++) {
    if (s[i] < lo) lo = s[i];
    if (s[i] > hi) hi = s[i];
  }
  const unit = lo >= 0 && hi <= 1;
  const a = unit ? 0 : lo;
  const k = unit ? 255 : hi > lo ? 255 / (hi - lo) : 0;
  const d = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) d[i] = Math.round((s[i] - a) * k);
  return { data: d, height: image.height, width: image.width, channels: image.channels };
}

/** The grid image (RGB if any cell is colour, else grey). */
export function makeGrid(rows: Image[][], options: GridOptions = {}): Image<Uint8Array> {
  const scale = options.scale ?? 1;
  const gap = options.gap ?? 2;
  const cells = rows.map((row) => row.map(toDisplayBytes));
  const all = cells.flat();
  const channels = all.some((c) => c.channels >= 3) ? 3 : 1;
  const cellH = Math.max(...all.map((c) => c.height)) * scale;
  const cellW = Math.max(...all.map((c) => c.width)) * scale;
  const cols = Math.max(...cells.map((r) => r.length));
  const height = rows.length * cellH + (rows.length + 1) * gap;
  const width = cols * cellW + (cols + 1) * gap;
  const data = new Uint8Array(height * width * channels).fill(options.background ?? 32);
  cells.forEach((row, r) => {
    row.forEach((cell, c) => {
      const top = gap + r * (cellH + gap) + ((cellH - cell.height * scale) >> 1);
      const left = gap + c * (cellW + gap) + ((cellW - cell.width * scale) >> 1);
      for (let y = 0; y < cell.height * scale; y++) {
        for (let x = 0; x < cell.width * scale; x++) {
          const s = (((y / scale) | 0) * cell.width + ((x / scale) | 0)) * cell.channels;
          const o = ((top + y) * width + left + x) * channels;
          for (let ch = 0; ch < channels; ch++) {
            data[o + ch] = cell.data[s + (cell.channels >= 3 ? ch : 0)];
          }
        }
      }
    });
  });
  return { data, height, width, channels };
}
