/**
 * The image reader: encoded files to 8-bit HWC `Image`s with the pixels PIL gives, i.e. what
 * torchvision's ImageFolder loads (`Image.open(f).convert('RGB')`, then `convert('L')` for grey).
 * - Baseline JPEGs go through tunebook's own wasm decoder (native/jpeg.c: bit-exact with
 *   libjpeg-turbo, which PIL uses, and about twice as fast as sharp on one core); progressive,
 *   CMYK and other JPEGs it declines, and PNG and WebP, go through sharp.
 * - Embedded ICC profiles are not applied (PIL does not apply them); EXIF orientation is not
 *   applied (nor does ImageFolder); alpha is dropped, not composited (as `convert('RGB')`);
 *   16-bit files are reduced to 8 bits.
 * - Channels: 3 gives RGB (grey files replicated), 1 gives grey by PIL's `convert('L')` formula
 *   (ITU-R 601-2 luma in 16-bit fixed point) on the RGB pixels, so RGB files match
 *   torchvision's `Grayscale` and grey files come back unchanged (R = G = B gives L = R); no
 *   channel count keeps the file's own (grey 1, colour 3).
 * - Unreadable, corrupt and truncated files are one-line DataErrors naming the file.
 *
 * @example
 *   const { channels } = await probeImage('cat/1.png'); // 1 or 3, alpha not counted
 *   const img = await decodeImage('cat/1.png', 3);
 *   const same = await decodeImageBytes(readFileSync('cat/1.png'), 'cat/1.png', 3);
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { wasmKernels } from '../core/native/wasm-kernels.js';

/** Channel counts an image can be read with: grey or RGB. */
import { IMAGE_CHANNEL_MODES } from './options.js';

export { IMAGE_CHANNEL_MODES };
export type ImageChannels = (typeof IMAGE_CHANNEL_MODES)[number];

/** Formats sharp decodes for us, as sharp's metadata names them. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const;

export interface ImageProbe {
  format: string;
  height: number;
  width: number;
  /** 1 for grey files, 3 for colour ones; alpha is not counted. */
  channels: ImageChannels;
}

/** Checks a declared channel count. */
export function checkChannels(value: unknown, field = 'channels'): ImageChannels {
  if (!(IMAGE_CHANNEL_MODES as readonly unknown[]).includes(value)) {
    throw new ConfigError(field, IMAGE_CHANNEL_MODES.join(' or '), value);
  }
  return value as ImageChannels;
}

/**
 * Reads an image file's header: size, format and whether it is grey or colour. WebP has no
 * grey mode, so a grey WebP reports 3 channels.
 *
 * @example
 *   await probeImage('a.png'); // { format: 'png', height: 28, width: 28, channels: 1 }
 */
export async function probeImage(file: string): Promise<ImageProbe> {
  let meta: Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch (error) {
    throw new DataError(file, `cannot read the image (sharp: ${firstLine(error)})`);
  }
  if (!meta.format || !(IMAGE_FORMATS as readonly string[]).includes(meta.format)) {
    throw new DataError(
      file,
      `is a ${meta.format ?? 'unknown'} file; expected ${IMAGE_FORMATS.join(', ')}`,
    );
  }
  return {
    format: meta.format,
    height: meta.height ?? 0,
    width: meta.width ?? 0,
    channels: channelsOf(meta),
  };
}

/** 1 for a grey file, 3 for a colour one, alpha not counted. */
function channelsOf(meta: Metadata): ImageChannels {
  const colour = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
  return colour === 1 ? 1 : 3;
}

/**
 * Reads and decodes an image file (see the file doc) to `channels` channels, or the file's
 * own when absent.
 *
 * @example
 *   const img = await decodeImage('digits/3/1.png', 1); // Uint8Array, height x width x 1
 */
export async function decodeImage(
  file: string,
  channels?: ImageChannels,
): Promise<Image<Uint8Array>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (code ?? firstLine(error));
    throw new DataError(file, `cannot read the image (${why})`);
  }
  return decodeImageBytes(bytes, file, channels);
}

/**
 * Decodes an encoded image held in memory (`file` names it in errors); as `decodeImage`.
 *
 * @example
 *   const img = await decodeImageBytes(await readFile(path), path);
 */
export async function decodeImageBytes(
  bytes: Uint8Array,
  file: string,
  channels?: ImageChannels,
): Promise<Image<Uint8Array>> {
  if (isJpeg(bytes)) {
    // The decoder gives grey only for grey files; colour ones are decoded to RGB, then L.
    const image = wasmKernels()?.decodeJpeg(bytes, channels === 3 ? 3 : undefined);
    if (image) return channels === 1 && image.channels === 3 ? toGrey(image) : image;
  }
  let data: Buffer;
  let info: OutputInfo;
  let grey = channels === 1;
  try {
    // failOn 'error' stops at truncated or broken pixel data but not at mere warnings (as PIL).
    const input = sharp(bytes, { failOn: 'error', ignoreIcc: true, sequentialRead: true });
    if (channels === undefined) grey = channelsOf(await input.metadata()) === 1;
    ({ data, info } = await input
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new DataError(file, `cannot decode the image (sharp: ${firstLine(error)})`);
  }
  if (info.channels !== 3) {
    throw new DataError(file, `decoded to ${info.channels} channels, expected 3`);
  }
  // A view that owns its whole buffer is kept as is; anything else is copied so that a cache
  // counting byteLength counts what it really holds.
  const whole = data.byteOffset === 0 && data.buffer.byteLength === data.length;
  const rgb = whole ? new Uint8Array(data.buffer) : Uint8Array.from(data);
  const image: Image<Uint8Array> = {
    data: rgb,
    height: info.height,
    width: info.width,
    channels: 3,
  };
  return grey ? toGrey(image) : image;
}

/** Whether `bytes` start with a JPEG's SOI marker. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0xff && bytes[1] === 0xd8;
}

function toGrey(image: Image<Uint8Array>): Image<Uint8Array> {
  return { data: rgbToGrey(image.data), height: image.height, width: image.width, channels: 1 };
}

/**
 * PIL's RGB -> L conversion, bit-exact: `(19595 R + 38470 G + 7471 B + 0x8000) >> 16`.
 *
 * @example
 *   rgbToGrey(Uint8Array.from([255, 0, 0])); // Uint8Array [76]
 */
export function rgbToGrey(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let p = 0, q = 0; p < out.length; p++, q += 3) {
    out[p] = (rgb[q] * 19595 + rgb[q + 1] * 38470 + rgb[q + 2] * 7471 + 0x8000) >>> 16;
  }
  return out;
}

/** libvips repeats its complaint over several lines; one is enough for a one-line error. */
function firstLine(error: unknown): string {
  return String((error as Error).message ?? error)
    .split('\n')[0]
    .trim();
}
