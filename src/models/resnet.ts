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
import { parseOptions } from '../core/validation.js';
import { buildWith, checkRank, namer, type TrunkFactory } from './assemble.js';
import type { HeadOptions } from './heads.js';
import { blocksForDepth, MODEL_OPTIONS, RESNET_STEMS, type ResnetStem } from './options.js';

export { RESNET_STEMS, type ResnetStem };
export const RESNET_OPTION_KEYS = Object.keys(MODEL_OPTIONS.resnet.shape);
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
  const o = parseOptions(MODEL_OPTIONS.resnet, options, f);
  const widths = o.widths ?? [16, 32, 64];
  // The schema has checked depth against the stages and the per-stage list's length.
  const blocks =
    o.depth !== undefined
      ? (blocksForDepth(o.depth, widths.length) as number[])
      : Array.isArray(o.blocksPerStage)
        ? o.blocksPerStage
        : widths.map(() => (o.blocksPerStage as number | undefined) ?? 2);
  const choice = o.stem ?? 'auto';
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
