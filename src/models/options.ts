/**
 * The options of every model and head, declared once (zod, no TensorFlow.js): the model
 * builders parse with these, and the study schema (lab/config) composes them, so a study
 * file is refused for exactly what a build would refuse.
 *
 * @example
 *   parseOptions(MODEL_OPTIONS.resnet, { depth: 20 }, 'model.options'); // { depth: 20 }
 */
import { z } from 'zod';
import { int, num, oneOf, record, text } from '../core/validation.js';
import { DROPOUT_PLACES, FREEZE_MODES, MODEL_NAMES, type ModelName } from './names.js';
import { TORCH_PRETRAINED_FIELDS } from './pytorch/pretrained-options.js';

export const RESNET_STEMS = ['auto', 'cifar', 'imagenet'] as const;
export type ResnetStem = (typeof RESNET_STEMS)[number];
/** How a backbone's last feature map becomes the head's feature vector. */
export const FEATURE_POOLINGS = ['avg', 'max', 'flatten'] as const;
export type FeaturePooling = (typeof FEATURE_POOLINGS)[number];

const widthList = (what: string) =>
  z.array(int(1), { error: `a non-empty list of ${what} (integers >= 1)` }).min(1, {
    error: `a non-empty list of ${what} (integers >= 1)`,
  });

/** ResNet depth: 2 + 2 * stages * blocks (34 with 4 stages is He et al.'s [3, 4, 6, 3]). */
export function blocksForDepth(depth: number, stages: number): number[] | null {
  if (depth === 34 && stages === 4) return [3, 4, 6, 3];
  const per = (depth - 2) / (2 * stages);
  if (!Number.isInteger(per) || per < 1) return null;
  return Array.from({ length: stages }, () => per);
}

const Resnet = record({
  widths: widthList('stage widths').optional(),
  blocksPerStage: z
    .union([int(1), z.array(int(1))], { error: 'an integer >= 1 or one per stage' })
    .optional(),
  depth: int(4).optional(),
  stem: oneOf(RESNET_STEMS).optional(),
}).superRefine((o, ctx) => {
  const stages = (o.widths ?? [16, 32, 64]).length;
  if (o.depth !== undefined && o.blocksPerStage !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['depth'], message: 'depth or blocksPerStage, not both' });
  } else if (o.depth !== undefined && blocksForDepth(o.depth, stages) === null) {
    const valid = [1, 2, 3, 4, 5].map((n) => 2 + 2 * stages * n);
    ctx.addIssue({
      code: 'custom',
      path: ['depth'],
      message: `2 + 2 * ${stages} * blocksPerStage for ${stages} stages (${valid.join(', ')}, ...)`,
    });
  } else if (Array.isArray(o.blocksPerStage) && o.blocksPerStage.length !== stages) {
    ctx.addIssue({
      code: 'custom',
      path: ['blocksPerStage'],
      message: `one count per stage (${stages}, as widths)`,
    });
  }
});

/** `model.options` of each model. */
export const MODEL_OPTIONS = {
  mlp: record({ hidden: z.array(int(1), { error: 'a list of layer widths' }).optional() }),
  'small-cnn': record({}),
  resnet: Resnet,
  cnn1d: record({
    filters: widthList('filter counts').optional(),
    kernelSize: int(1).optional(),
    poolSize: int(1).optional(),
  }),
} as const satisfies Record<ModelName, z.ZodType>;

export type ModelOptions<N extends ModelName> = z.output<(typeof MODEL_OPTIONS)[N]>;

/** Options of a head put on a pretrained backbone (`buildOnBackbone`). */
export const BackboneHeadOptions = record({ pooling: oneOf(FEATURE_POOLINGS).optional() });

export const Dropout = record({ rate: num(0, 1, { max: true }), where: oneOf(DROPOUT_PLACES) });

export const ExtraDense = z
  .array(int(1, 65536), { error: 'a list of layer widths, e.g. [256, 128]' })
  .min(1, { error: 'at least one layer width' });

/** A layer name tfjs accepts, and that reads well in a study file. */
export const LayerName = z
  .string({ error: 'a name of letters, digits, _ . - starting with a letter' })
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, {
    error: 'a name of letters, digits, _ . - starting with a letter',
  });

/** An extra classifier as the model builder takes it. */
export const TaskHead = record({
  name: LayerName,
  classes: int(2),
  weight: num(0).default(1),
});

/** Heads' names must differ from each other and from the main output's. */
export function uniqueHeadNames<T extends { name: string }>(heads: T[], ctx: z.RefinementCtx) {
  const seen = new Set<string>(['main']);
  heads.forEach((h, i) => {
    if (seen.has(h.name)) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `a name other than ${[...seen].join(', ')}`,
      });
    }
    seen.add(h.name);
  });
}

export const TaskHeads = z
  .array(TaskHead, { error: 'a list of { name, classes, weight }' })
  .superRefine(uniqueHeadNames);

/** The head options every model builder takes. */
export const HEAD_OPTIONS = {
  extraDense: z.array(int(1), { error: 'a list of integers >= 1' }).optional(),
  dropout: Dropout.optional(),
  multiTask: TaskHeads.optional(),
};

/**
 * A pretrained backbone: where it is, where it is cut, how it trains. Defaults other than
 * `freeze` are filled by `checkBackboneSpec`, not here, so that a study's stored settings
 * (and their hash) hold only what the file says.
 */
export const Backbone = record(
  {
    source: text(
      'a path to a model.json (or its folder), an http(s) URL, or a PyTorch .pth/.safetensors file',
    ),
    ...TORCH_PRETRAINED_FIELDS,
    cutAt: text('a layer name').optional(),
    freeze: oneOf(FREEZE_MODES).default('frozen'),
    unfreezeAfter: int(1).optional(),
    lrMultiplier: num(0, 1, { min: true }).optional(),
  },
  'a backbone spec {source, from, arch, cutAt, freeze, unfreezeAfter, lrMultiplier}',
);

export { MODEL_NAMES };
