/**
 * `RandomRotation`: rotates by an angle drawn uniformly from `degrees` (d means [-d, d]),
 * counter-clockwise, as torchvision.
 *
 * @example
 *   new RandomRotation({ degrees: 5 });
 *   new RandomRotation({ degrees: [-10, 30], interpolation: 'bilinear', expand: true, fill: 128 });
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';
import {
  ROTATE_INTERPOLATIONS,
  type RotateInterpolation,
  rotate,
  rotationMatrix,
} from './functional/rotate.js';
import { BaseTransform, type ImageInfo } from './transform.js';
import { boolean, numberOrList, Options, oneOf, symmetricRange } from './validate.js';

export interface RandomRotationOptions {
  degrees: number | readonly [number, number];
  interpolation?: RotateInterpolation;
  expand?: boolean;
  /** [x, y] in pixels from the top-left corner; default the image centre. */
  center?: readonly [number, number];
  /** Value of the uncovered corners: one number, or one per channel. */
  fill?: number | readonly number[];
}

export interface RotationParams {
  angle: number;
}

export class RandomRotation extends BaseTransform<RotationParams> {
  static readonly KEYS = ['degrees', 'interpolation', 'expand', 'center', 'fill'] as const;
  readonly name = 'randomRotation';
  readonly degrees: [number, number];
  readonly interpolation: RotateInterpolation;
  readonly expand: boolean;
  readonly center: [number, number] | null;
  readonly fill: number | number[];
  private readonly where: string;

  constructor(options: RandomRotationOptions, where = 'randomRotation') {
    super();
    this.where = where;
    const o = new Options(where, options, RandomRotation.KEYS);
    this.degrees = symmetricRange(o.at('degrees'), o.get('degrees'));
    this.interpolation = o.has('interpolation')
      ? oneOf(o.at('interpolation'), o.get('interpolation'), ROTATE_INTERPOLATIONS)
      : 'nearest';
    this.expand = o.has('expand') ? boolean(o.at('expand'), o.get('expand')) : false;
    const center = o.get('center');
    if (center === undefined || center === null) this.center = null;
    else if (
      Array.isArray(center) &&
      center.length === 2 &&
      center.every((v) => Number.isFinite(v))
    ) {
      this.center = [center[0], center[1]];
    } else {
      throw new ConfigError(o.at('center'), '[x, y] in pixels', center);
    }
    this.fill = o.has('fill') ? numberOrList(o.at('fill'), o.get('fill')) : 0;
  }

  sampleParams(rng: Rng): RotationParams {
    return { angle: rng.range(this.degrees[0], this.degrees[1]) };
  }

  outputInfo(input: ImageInfo, params: RotationParams): ImageInfo {
    if (!this.expand) return input;
    const { width, height } = rotationMatrix(
      input.width,
      input.height,
      params.angle,
      true,
      this.center,
    );
    return { ...input, width, height };
  }

  apply(image: Image, params: RotationParams): Image {
    if (Array.isArray(this.fill) && this.fill.length !== 1 && this.fill.length !== image.channels) {
      throw new ConfigError(
        `${this.where}.fill`,
        image.channels === 1 ? '1 value' : `1 or ${image.channels} values (one per channel)`,
        this.fill,
      );
    }
    const fill = Array.isArray(this.fill) && this.fill.length === 1 ? this.fill[0] : this.fill;
    return rotate(image, params.angle, {
      interpolation: this.interpolation,
      expand: this.expand,
      center: this.center,
      fill,
    });
  }

  describe(): Record<string, unknown> {
    return {
      degrees: this.degrees,
      interpolation: this.interpolation,
      expand: this.expand,
      center: this.center,
      fill: this.fill,
    };
  }
}
