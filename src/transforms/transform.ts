/**
 * What every transform is. Images are tunebook's `Image` (src/core/image.ts): HWC, 8-bit
 * (`Uint8Array`, like a PIL image) before `toTensor` and float32 after, where torchvision's
 * tensors are CHW; TensorFlow.js batches are NHWC, so no transpose is ever needed.
 *
 * A transform samples its random values apart from applying them (DESIGN.md):
 * `sampleParams(rng, info)` draws a small JSON-able record from a seeded `Rng` and the input's
 * size; `apply(image, params)` is deterministic. So one draw can drive an image and its mask
 * alike, draws can be recorded and replayed, and tests can fix them.
 *
 * @example
 *   const t = new RandomRotation({ degrees: 5 });
 *   const params = t.sampleParams(rng, infoOf(image)); // { angle: -3.1 }
 *   const out = t.apply(image, params);
 */
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';

export type PixelKind = 'uint8' | 'float32';

/** An image's shape and pixel kind, enough to sample parameters and to plan a pipeline. */
export interface ImageInfo {
  height: number;
  width: number;
  channels: number;
  kind: PixelKind;
}

export interface Transform<P = unknown> {
  /** The name used in pipeline files (torchvision's, in camelCase). */
  readonly name: string;
  /** Draws this transform's random values for an input of the given shape. */
  sampleParams(rng: Rng, input: ImageInfo): P;
  /** Applies the transform with given values; never draws. */
  apply(image: Image, params: P): Image;
  /** The shape and kind `apply` produces for an input of shape `input`. */
  outputInfo(input: ImageInfo, params: P): ImageInfo;
  /** The pixel kind produced from `input`; throws a ConfigError if the kind is not accepted. */
  outputKind(input: PixelKind): PixelKind;
  /** `apply(image, sampleParams(rng, infoOf(image)))`. */
  run(image: Image, rng: Rng): Image;
  /** The options, as a pipeline file would give them. */
  describe(): Record<string, unknown>;
}

/** The info of an image. */
export function infoOf(image: Image): ImageInfo {
  return {
    height: image.height,
    width: image.width,
    channels: image.channels,
    kind: image.data instanceof Uint8Array ? 'uint8' : 'float32',
  };
}

/** Shared plumbing: `run`, and kind checks that name the transform. */
export abstract class BaseTransform<P> implements Transform<P> {
  abstract readonly name: string;
  abstract sampleParams(rng: Rng, input: ImageInfo): P;
  abstract apply(image: Image, params: P): Image;
  abstract outputInfo(input: ImageInfo, params: P): ImageInfo;
  abstract describe(): Record<string, unknown>;

  outputKind(input: PixelKind): PixelKind {
    return input;
  }

  run(image: Image, rng: Rng): Image {
    return this.apply(image, this.sampleParams(rng, infoOf(image)));
  }
}

/** Parameters of a transform that draws nothing. */
export type NoParams = Record<string, never>;
export const NO_PARAMS: NoParams = Object.freeze({}) as NoParams;
