/**
 * The little image I/O the transforms' commands need: list an image folder (torchvision's
 * ImageFolder layout, one sub-folder per class), decode a file to an 8-bit `Image` and encode
 * one (sharp, and a wasm decoder for baseline JPEGs). Kept apart on purpose: src/data's shared
 * image-folder source can replace the listing without touching the transforms.
 *
 * @example
 *   const { classes, files } = listImageFolder('photos');
 *   const image = await decodeImageFile(files[0].path);
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import sharp from 'sharp';
import { DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { wasmKernels } from '../data/native/wasm-kernels.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

export interface ImageFile {
  /** Path of the file. */
  path: string;
  /** Path relative to the folder root, class folder first. */
  relative: string;
  /** Index into `classes`. */
  label: number;
}

/** Lists the images of `<root>/<class>/**`; empty classes and missing folders are DataErrors. */
export function listImageFolder(root: string): { classes: string[]; files: ImageFile[] } {
  let entries: string[];
  try {
    if (!statSync(root).isDirectory()) throw new DataError(root, 'not a folder');
    entries = readdirSync(root).sort();
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(root, 'no such folder');
  }
  const classes = entries.filter(
    (name) => !name.startsWith('.') && statSync(join(root, name)).isDirectory(),
  );
  if (classes.length === 0) {
    throw new DataError(
      root,
      'no class sub-folders (expected <folder>/<class>/<image>, as torchvision ImageFolder)',
    );
  }
  const files: ImageFile[] = [];
  classes.forEach((name, label) => {
    const found = walk(join(root, name));
    if (found.length === 0) {
      throw new DataError(
        join(root, name),
        `empty class folder (no ${IMAGE_EXTENSIONS.join(', ')} files)`,
      );
    }
    for (const path of found) files.push({ path, relative: relative(root, path), label });
  });
  return { classes, files };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if ((IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase()))
      out.push(path);
  }
  return out;
}

/**
 * Decodes an encoded image to 8-bit HWC with PIL's pixels (as torchvision's ImageFolder loads
 * them): embedded ICC profiles are not applied. Channels are detected (grey stays one channel,
 * colour becomes RGB, alpha is dropped) unless `channels` forces 1 or 3. Baseline JPEGs go
 * through tunebook's own wasm decoder (bit-exact with libjpeg-turbo, about twice as fast as
 * sharp on one core), everything else through sharp.
 */
export async function decodeImage(
  bytes: Buffer,
  file: string,
  channels?: 1 | 3,
): Promise<Image<Uint8Array>> {
  if (bytes.length > 2 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    const fast = wasmKernels()?.decodeJpeg(bytes, channels);
    if (fast) return fast;
  }
  try {
    let grey = channels === 1;
    let alpha = false;
    if (channels === undefined) {
      const meta = await sharp(bytes).metadata();
      grey =
        meta.space === 'b-w' ||
        meta.channels === 1 ||
        (meta.channels === 2 && meta.hasAlpha === true);
      alpha = meta.hasAlpha === true;
    }
    // Sequential access streams the decode instead of buffering the whole image first.
    let pipeline = sharp(bytes, { sequentialRead: true, ignoreIcc: true });
    if (alpha || channels !== undefined) pipeline = pipeline.removeAlpha();
    pipeline = pipeline.toColourspace(grey ? 'b-w' : 'srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      height: info.height,
      width: info.width,
      channels: info.channels,
    };
  } catch (error) {
    throw new DataError(file, `cannot decode image (${firstLine(error)})`);
  }
}

/** Reads and decodes an image file. */
export async function decodeImageFile(path: string, channels?: 1 | 3): Promise<Image<Uint8Array>> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new DataError(path, 'cannot read file');
  }
  return decodeImage(bytes, path, channels);
}

export const ENCODINGS = ['png', 'jpeg', 'webp'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** The encoding a file name's extension implies. */
export function encodingOf(path: string): Encoding {
  const ext = extname(path).toLowerCase();
  return ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : ext === '.webp' ? 'webp' : 'png';
}

/** Encodes an 8-bit image (1 or 3 channels); JPEG and WebP at quality 95. */
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

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
