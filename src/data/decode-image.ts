/**
 * Image files to `Image`s with sharp: JPEG, PNG and WebP; alpha dropped (not composited, as
 * PIL's `convert('RGB')`); EXIF orientation not applied (as torchvision's ImageFolder, which
 * reads with PIL); 16-bit files reduced to 8 bits.
 *
 * Everything is decoded to 8-bit RGB first; grey output then uses PIL's `convert('L')`
 * formula (ITU-R 601-2 luma in 16-bit fixed point), so RGB files read as grey match
 * torchvision's `Grayscale` and grey files come back unchanged (R = G = B gives L = R).
 *
 * @example
 *   const { channels } = await probeImage('cat/1.png'); // 1 or 3, alpha not counted
 *   const img = await decodeImage('cat/1.png', 3);
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';

/** Channel counts an image can be read with: grey or RGB. */
export const IMAGE_CHANNEL_MODES = [1, 3] as const;
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
  const colour = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0);
  return {
    format: meta.format,
    height: meta.height ?? 0,
    width: meta.width ?? 0,
    channels: colour === 1 ? 1 : 3,
  };
}

/**
 * Decodes a file to an 8-bit HWC image with `channels` channels (converting grey <-> RGB as
 * needed). Corrupt or truncated files raise a DataError naming the file and sharp's message.
 *
 * @example
 *   const img = await decodeImage('digits/3/1.png', 1); // Uint8Array, height x width x 1
 */
export async function decodeImage(
  file: string,
  channels: ImageChannels,
): Promise<Image<Uint8Array>> {
  let data: Buffer;
  let info: OutputInfo;
  try {
    // failOn 'error' stops at truncated or broken pixel data but not at mere warnings.
    ({ data, info } = await sharp(file, { failOn: 'error' })
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
  const { height, width } = info;
  if (channels === 3) return { data: rgb, height, width, channels: 3 };
  return { data: rgbToGrey(rgb), height, width, channels: 1 };
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
