/**
 * 8-bit images to PNG, JPEG or WebP files with sharp: what offline augmentation writes and
 * the preview grids are saved as. The reading side is ./decode-image.ts.
 *
 * @example
 *   writeFileSync('out.jpg', await encodeImage(image, encodingOf('out.jpg')));
 */
import { extname } from 'node:path';
import sharp from 'sharp';
import type { Image } from '../core/image.js';

export const ENCODINGS = ['png', 'jpeg', 'webp'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/**
 * The encoding a file name's extension implies (PNG unless .jpg/.jpeg/.webp).
 *
 * @example
 *   encodingOf('a/B.JPG'); // 'jpeg'
 */
export function encodingOf(path: string): Encoding {
  const ext = extname(path).toLowerCase();
  return ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : 'png';
}

/**
 * Encodes an 8-bit image (1 or 3 channels); JPEG and WebP at quality 95.
 *
 * @example
 *   const png = await encodeImage(grid, 'png');
 */
export async function encodeImage(image: Image<Uint8Array>, encoding: Encoding): Promise<Buffer> {
  const { data, width, height, channels } = image;
  let pipeline = sharp(Buffer.from(data.buffer, data.byteOffset, data.length), {
    raw: { width, height, channels: channels as 1 | 3 | 4 },
  });
  if (channels === 1) pipeline = pipeline.toColourspace('b-w');
  if (encoding === 'jpeg') return pipeline.jpeg({ quality: 95 }).toBuffer();
  if (encoding === 'webp') return pipeline.webp({ quality: 95 }).toBuffer();
  return pipeline.png().toBuffer();
}
