/**
 * ResNets of basic blocks with batch norm (He et al. 2016), for 28-224 px inputs. A stem,
 * then one stage per entry of `widths`, each of `blocksPerStage` blocks (two 3x3 convs); the
 * first block of every stage after the first halves the resolution with a 1x1 projection
 * shortcut; global average pool ('features'); a dense classifier giving logits.
 *
 * Stems: `cifar` (a 3x3 conv at full resolution, for small images) and `imagenet` (7x7 conv
 * stride 2 + 3x3 max pool stride 2: a quarter of the side before the first stage, so that
 * 224 px inputs cost what 56 px ones do). `auto` (default) takes `imagenet` for inputs
 * larger than 64 px per side.
 *
 * Depth counts the stem conv, the convs of the blocks and the classifier:
 * depth = 2 + 2 * blocks. With 3 stages (the default widths 16/32/64) depth 20, 32, 56 are
 * the CIFAR ResNets; with 4 stages depth 18 is ResNet-18 and 34 is ResNet-34 (3/4/6/3
 * blocks): `{ depth: 18, widths: [64, 128, 256, 512] }` at 224 px is torchvision's
 * resnet18 (11,689,512 trainable parameters for 1000 classes). Default: 2 blocks per stage.
 *
 * @example
 *   const model = resnet({ inputShape: [32, 32, 3], classes: 10 });
 *   const r18 = resnet({ inputShape: [224, 224, 3], classes: 2, depth: 18, widths: [64, 128, 256, 512] });
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { buildWith, checkRank, namer, type TrunkFactory } from './assemble.js';
import { int, intList, knownKeys, oneOf } from './checks.js';
import type { HeadOptions } from './heads.js';

export const RESNET_STEMS = ['auto', 'cifar', 'imagenet'] as const;
export type ResnetStem = (typeof RESNET_STEMS)[number];
export const RESNET_OPTION_KEYS = ['widths', 'blocksPerStage', 'depth', 'stem'] as const;
/** Sides above this take the ImageNet stem under `stem: 'auto'`. */
export const CIFAR_STEM_MAX_SIDE = 64;

export interface ResnetSettings {
  widths?: number[];
  /** Blocks in every stage, or one count per stage. */
  blocksPerStage?: number | number[];
  /** 2 + 2 * total blocks; exclusive with blocksPerStage. */
  depth?: number;
  stem?: ResnetStem;
}

export interface ResnetOptions extends ResnetSettings, HeadOptions {
  inputShape: [number, number, number];
  classes: number;
}

/**
 * Checks the options and resolves depth and stem.
 *
 * @example
 *   resnetLayout([224, 224, 3], { depth: 18, widths: [64, 128, 256, 512] }, 'model');
 *   // { widths: [64, 128, 256, 512], blocks: [2, 2, 2, 2], stem: 'imagenet' }
 */
export function resnetLayout(
  inputShape: number[],
  options: Record<string, unknown>,
  field: string,
): { widths: number[]; blocks: number[]; stem: 'cifar' | 'imagenet' } {
  checkRank(field, inputShape, 'resnet', 3, '[height, width, channels]');
  const f = `${field}.options`;
  knownKeys(f, options, RESNET_OPTION_KEYS);
  const widths =
    options.widths === undefined ? [16, 32, 64] : intList(`${f}.widths`, options.widths, 1, false);
  let blocks: number[];
  if (options.depth !== undefined && options.blocksPerStage !== undefined) {
    throw new ConfigError(`${f}.depth`, 'depth or blocksPerStage, not both', options.depth);
  }
  if (options.depth !== undefined) {
    blocks = blocksForDepth(`${f}.depth`, options.depth, widths.length);
  } else if (Array.isArray(options.blocksPerStage)) {
    blocks = intList(`${f}.blocksPerStage`, options.blocksPerStage, 1);
    if (blocks.length !== widths.length) {
      throw new ConfigError(
        `${f}.blocksPerStage`,
        `one count per stage (${widths.length}, as widths)`,
        options.blocksPerStage,
      );
    }
  } else {
    const n =
      options.blocksPerStage === undefined
        ? 2
        : int(`${f}.blocksPerStage`, options.blocksPerStage, 1);
    blocks = widths.map(() => n);
  }
  const choice =
    options.stem === undefined ? 'auto' : oneOf(`${f}.stem`, options.stem, RESNET_STEMS);
  const side = Math.min(inputShape[0], inputShape[1]);
  const stem = choice === 'auto' ? (side > CIFAR_STEM_MAX_SIDE ? 'imagenet' : 'cifar') : choice;
  // Every halving needs two pixels to halve; below that the last stages see one pixel.
  const factor = (stem === 'imagenet' ? 4 : 1) * 2 ** (widths.length - 1);
  if (side < factor) {
    throw new ConfigError(
      `${field}.inputShape`,
      `at least ${factor}x${factor} pixels for resnet with ${widths.length} stages and the ${stem} stem`,
      inputShape,
    );
  }
  return { widths, blocks, stem };
}

function blocksForDepth(field: string, value: unknown, stages: number): number[] {
  // He et al.'s ResNet-34 is not uniform; every other depth spreads blocks evenly.
  if (value === 34 && stages === 4) return [3, 4, 6, 3];
  const per = (Number(value) - 2) / (2 * stages);
  if (typeof value !== 'number' || !Number.isInteger(per) || per < 1) {
    const valid = [1, 2, 3, 4, 5].map((n) => 2 + 2 * stages * n);
    throw new ConfigError(
      field,
      `2 + 2 * ${stages} * blocksPerStage for ${stages} stages (${valid.join(', ')}, ...)`,
      value,
    );
  }
  return Array.from({ length: stages }, () => per);
}

/**
 * Stem, stages of basic blocks, global average pool ('features').
 *
 * @example
 *   buildWith('resnet', resnetTrunk, { inputShape: [32, 32, 3], classes: 10 }, 'model');
 */
export const resnetTrunk: TrunkFactory = (inputShape, options, field) => {
  const { widths, blocks, stem } = resnetLayout(inputShape, options, field);
  return (input) => {
    const { names, name } = namer();
    const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
      layer.apply(x) as tfl.SymbolicTensor;
    const convBn = (
      x: tfl.SymbolicTensor,
      filters: number,
      kernelSize: number,
      strides: number,
      prefix: string,
      suffix: string,
    ) => {
      const conv = tfl.layers.conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: false,
        name: name(`${prefix}_conv${suffix}`),
      });
      // PyTorch's batch-norm defaults (momentum 0.1 there is 0.9 here), as the bench twin.
      const bn = tfl.layers.batchNormalization({
        momentum: 0.9,
        epsilon: 1e-5,
        name: name(`${prefix}_bn${suffix}`),
      });
      return apply(bn, apply(conv, x));
    };
    const relu = (x: tfl.SymbolicTensor, n: string) => apply(tfl.layers.reLU({ name: name(n) }), x);

    let x =
      stem === 'imagenet'
        ? convBn(input, widths[0], 7, 2, 'stem', '')
        : convBn(input, widths[0], 3, 1, 'stem', '');
    x = relu(x, 'stem_relu');
    if (stem === 'imagenet') {
      const pool = tfl.layers.maxPooling2d({
        poolSize: 3,
        strides: 2,
        padding: 'same',
        name: name('stem_pool'),
      });
      x = apply(pool, x);
    }
    let channels = widths[0];
    widths.forEach((width, stage) => {
      for (let b = 0; b < blocks[stage]; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const p = `s${stage + 1}b${b + 1}`;
        let y = convBn(x, width, 3, stride, p, '1');
        y = relu(y, `${p}_relu1`);
        y = convBn(y, width, 3, 1, p, '2');
        const shortcut =
          stride !== 1 || channels !== width ? convBn(x, width, 1, stride, `${p}_proj`, '') : x;
        const sum = apply(tfl.layers.add({ name: name(`${p}_add`) }), [y, shortcut]);
        x = relu(sum, `${p}_out`);
        channels = width;
      }
    });
    const pool = tfl.layers.globalAveragePooling2d({ name: name('features') });
    return { features: apply(pool, x), hidden: [], names };
  };
};

/**
 * A ResNet, with optional head options.
 *
 * @example
 *   resnet({ inputShape: [28, 28, 1], classes: 10, widths: [8, 16], blocksPerStage: 1 });
 */
export function resnet({
  inputShape,
  classes,
  widths,
  blocksPerStage,
  depth,
  stem,
  ...head
}: ResnetOptions): tfl.LayersModel {
  const options = { widths, blocksPerStage, depth, stem };
  return buildWith('resnet', resnetTrunk, { inputShape, classes, options, ...head }, 'resnet');
}
