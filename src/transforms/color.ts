/**
 * `ColorJitter` and `Grayscale`, torchvision's. ColorJitter draws each factor uniformly from
 * its range (a number b means [max(0, 1 - b), 1 + b]; hue h means [-h, h]) and applies the
 * four adjustments in a random order.
 *
 * @example
 *   new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
 *   new Grayscale({ numOutputChannels: 3 });
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  rgbToGrayscale,
} from './functional/color.js';
import { BaseTransform, type ImageInfo, NO_PARAMS, type NoParams } from './transform.js';
import { Options, orderedPair } from './validate.js';

type Range = number | readonly [number, number];

export interface ColorJitterOptions {
  brightness?: Range;
  contrast?: Range;
  saturation?: Range;
  hue?: Range;
}

export interface ColorJitterParams {
  /** Order of the adjustments: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
  order: number[];
  brightness: number | null;
  contrast: number | null;
  saturation: number | null;
  hue: number | null;
}

/** torchvision's `ColorJitter._check_input`; null means "leave alone". */
function jitterRange(
  field: string,
  v: unknown,
  center: number,
  bound: [number, number],
  clipAtZero: boolean,
): [number, number] | null {
  let range: [number, number];
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (v < 0) throw new ConfigError(field, 'a non-negative number or [min, max]', v);
    range = [center - v, center + v];
    if (clipAtZero) range[0] = Math.max(range[0], 0);
    if (!clipAtZero && (range[0] < bound[0] || range[1] > bound[1])) {
      throw new ConfigError(
        field,
        `a number in [0, ${bound[1]}] or [min, max] within [${bound[0]}, ${bound[1]}]`,
        v,
      );
    }
  } else {
    range = orderedPair(field, v, bound[0], bound[1]);
  }
  return range[0] === center && range[1] === center ? null : range;
}

export class ColorJitter extends BaseTransform<ColorJitterParams> {
  static readonly KEYS = ['brightness', 'contrast', 'saturation', 'hue'] as const;
  readonly name = 'colorJitter';
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;

  constructor(options: ColorJitterOptions = {}, where = 'colorJitter') {
    super();
    const o = new Options(where, options, ColorJitter.KEYS);
    const factor = (key: string) =>
      o.has(key) ? jitterRange(o.at(key), o.get(key), 1, [0, Infinity], true) : null;
    this.brightness = factor('brightness');
    this.contrast = factor('contrast');
    this.saturation = factor('saturation');
    this.hue = o.has('hue') ? jitterRange(o.at('hue'), o.get('hue'), 0, [-0.5, 0.5], false) : null;
  }

  sampleParams(rng: Rng): ColorJitterParams {
    const order = Array.from(rng.permutation(4));
    const draw = (r: [number, number] | null) => (r ? rng.range(r[0], r[1]) : null);
    return {
      order,
      brightness: draw(this.brightness),
      contrast: draw(this.contrast),
      saturation: draw(this.saturation),
      hue: draw(this.hue),
    };
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return input;
  }

  apply(image: Image, p: ColorJitterParams): Image {
    let img = image;
    for (const step of p.order) {
      if (step === 0 && p.brightness !== null) img = adjustBrightness(img, p.brightness);
      else if (step === 1 && p.contrast !== null) img = adjustContrast(img, p.contrast);
      else if (step === 2 && p.saturation !== null) img = adjustSaturation(img, p.saturation);
      else if (step === 3 && p.hue !== null) img = adjustHue(img, p.hue);
    }
    return img;
  }

  describe(): Record<string, unknown> {
    return {
      brightness: this.brightness,
      contrast: this.contrast,
      saturation: this.saturation,
      hue: this.hue,
    };
  }
}

export class Grayscale extends BaseTransform<NoParams> {
  static readonly KEYS = ['numOutputChannels'] as const;
  readonly name = 'grayscale';
  readonly numOutputChannels: 1 | 3;

  constructor(options: { numOutputChannels?: 1 | 3 } = {}, where = 'grayscale') {
    super();
    const o = new Options(where, options, Grayscale.KEYS);
    const n = o.has('numOutputChannels') ? o.get('numOutputChannels') : 1;
    if (n !== 1 && n !== 3) throw new ConfigError(o.at('numOutputChannels'), '1 or 3', n);
    this.numOutputChannels = n;
  }

  sampleParams(): NoParams {
    return NO_PARAMS;
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return { ...input, channels: this.numOutputChannels };
  }

  apply(image: Image): Image {
    return rgbToGrayscale(image, this.numOutputChannels);
  }

  describe(): Record<string, unknown> {
    return { numOutputChannels: this.numOutputChannels };
  }
}
