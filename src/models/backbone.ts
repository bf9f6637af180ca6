/**
 * Pretrained backbones: load a tfjs layers model, cut it into a feature extractor, put new
 * heads on it, and choose how its layers train: `frozen`, `unfreeze-after` N epochs,
 * `discriminative` (trained at lr * lrMultiplier by a second optimiser) or `trainable`.
 *
 * The combined model is flat (the backbone's layers are its own top-level layers, with their
 * original names) and records which layers came from the backbone, with the backbone spec,
 * in its user-defined metadata: the marking survives saveModel/loadModel, so a checkpointed
 * trial still knows its backbone after a resume.
 *
 * Default cut: remove the classifier, i.e. the Dense layer(s) producing the outputs (past any
 * trailing Activation/Softmax), and the Dropout layers right before them; never anything
 * before that, so pooling/flatten layers and hidden dense layers stay in the backbone (a
 * small-cnn keeps its dense 128, a ResNet its global average pool).
 *
 * A frozen layer keeps all its weights, batch-norm moving statistics included (Keras
 * semantics, see frozen-batch-norm.ts).
 *
 * @example
 *   const backbone = await loadBackbone({ source: 'runs/digits-0-4', freeze: 'unfreeze-after', unfreezeAfter: 2 });
 *   const model = buildOnBackbone(backbone, { classes: 5, extraDense: [64] });
 *   seedModel(model, seed); // the new head only: pretrained weights stay
 *   // in the loop, at each epoch: setBackboneTrainable(model, backboneTrainableAt(backboneInfo(model)!, epoch));
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { parseOptions } from '../core/validation.js';
import { seedWeights } from '../engine/seeded-init.js';
import { int, isRecord, knownKeys, record } from './checks.js';
import { freezeAwareBatchNorm } from './frozen-batch-norm.js';
import {
  attachHeads,
  checkHeadOptions,
  HEAD_OPTION_KEYS,
  type HeadOptions,
  MAIN_OUTPUT,
} from './heads.js';
import { loadModel } from './model-io.js';
import type { FreezeMode } from './names.js';
import { Backbone, BackboneHeadOptions, FEATURE_POOLINGS, type FeaturePooling } from './options.js';
import type { ModelSpec } from './registry.js';

export { FREEZE_MODES, type FreezeMode } from './names.js';
export const BACKBONE_SPEC_KEYS = Object.keys(Backbone.shape) as (keyof BackboneSpec)[];
export { FEATURE_POOLINGS, type FeaturePooling };

export interface BackboneSpec {
  /** Path to a model.json (or its folder), a file:// or an http(s) URL. */
  source: string;
  /** Layer whose output is the features; default: before the head (see above). */
  cutAt?: string;
  /** Default 'frozen'. */
  freeze?: FreezeMode;
  /** Epochs trained frozen under 'unfreeze-after' (default 1). */
  unfreezeAfter?: number;
  /** The backbone's rate relative to the head's under 'discriminative' (default 0.1). */
  lrMultiplier?: number;
}

/** What a model built on a backbone records about it. */
export interface BackboneInfo {
  source: string;
  cutAt: string;
  freeze: FreezeMode;
  unfreezeAfter: number;
  lrMultiplier: number;
  /** Names of the layers that came from the backbone. */
  layers: string[];
}

/** Head settings for `buildOnBackbone`: a ModelSpec without name and input shape. */
export type BackboneHeadSpec = Omit<ModelSpec, 'name' | 'inputShape'> &
  HeadOptions & { options?: { pooling?: FeaturePooling } };

const METADATA_KEY = 'tunebook';

/**
 * Checks a backbone spec and fills its defaults.
 *
 * @example
 *   checkBackboneSpec({ source: 'm', freeze: 'later' }, 'backbone');
 *   // ConfigError: backbone.freeze: expected one of frozen, unfreeze-after, ..., got "later"
 */
export function checkBackboneSpec(
  spec: unknown,
  field = 'backbone',
): Required<Omit<BackboneSpec, 'cutAt'>> & { cutAt?: string } {
  const s = parseOptions(Backbone, spec, field);
  return { ...s, unfreezeAfter: s.unfreezeAfter ?? 1, lrMultiplier: s.lrMultiplier ?? 0.1 };
}

/**
 * Loads a model and cuts it into a feature extractor (its layers after `cutAt` are dropped
 * and their weights freed), with the spec's initial trainability applied: frozen for
 * 'frozen' and 'unfreeze-after'.
 *
 * @example
 *   const backbone = await loadBackbone({ source: 'https://example.org/m/model.json', cutAt: 'features' });
 */
export async function loadBackbone(
  spec: BackboneSpec,
  field = 'backbone',
): Promise<tfl.LayersModel> {
  const s = checkBackboneSpec(spec, field);
  const full = await loadModel(s.source, { field: `${field}.source`, requireWeights: true });
  let cut: tfl.layers.Layer;
  try {
    cut = s.cutAt === undefined ? defaultCutLayer(full, field) : namedLayer(full, s.cutAt, field);
  } catch (error) {
    full.dispose();
    throw error;
  }
  const backbone =
    full.outputs.length === 1 && full.outputs[0].sourceLayer === cut
      ? full
      : tfl.model({
          inputs: full.inputs,
          outputs: cut.output as tfl.SymbolicTensor,
          name: `${full.name}_cut`,
        });
  if (backbone !== full) {
    const kept = new Set(backbone.layers);
    for (const layer of full.layers) {
      if (!kept.has(layer)) disposeLayer(layer);
    }
  }
  return markBackbone(backbone, s, cut.name);
}

/**
 * The steps that make a feature extractor a backbone, shared by loadBackbone and
 * adoptBackbone: frozen batch norm in inference mode, the freeze schedule's epoch 0 applied
 * (the training loop applies the later epochs, by the same rule), and the marking
 * buildOnBackbone reads.
 */
function markBackbone(
  backbone: tfl.LayersModel,
  s: ReturnType<typeof checkBackboneSpec>,
  cutAt: string,
): tfl.LayersModel {
  freezeAwareBatchNorm(backbone);
  const trainable = backboneTrainableAt(s, 0);
  for (const layer of backbone.layers) layer.trainable = trainable;
  const info: BackboneInfo = {
    source: s.source,
    cutAt,
    freeze: s.freeze,
    unfreezeAfter: s.unfreezeAfter,
    lrMultiplier: s.lrMultiplier,
    layers: ownLayers(backbone).map((l) => l.name),
  };
  backbone.setUserDefinedMetadata({ [METADATA_KEY]: { backbone: info } });
  return backbone;
}

/**
 * The layer the default cut keeps as the features: the input of the model's classifier
 * Dense layer(s), stepping back over Dropout. A ConfigError asks for `cutAt` when the
 * model does not end in Dense classifiers on one shared tensor.
 *
 * @example
 *   defaultCutLayer(smallCnn({ inputShape: [28, 28, 1], classes: 10 })).name; // 'dense_1'
 */
export function defaultCutLayer(model: tfl.LayersModel, field = 'backbone'): tfl.layers.Layer {
  const cuts = new Set<tfl.layers.Layer>();
  for (const output of model.outputs) {
    let layer: tfl.layers.Layer | null = output.sourceLayer as tfl.layers.Layer;
    // A softmax after the logits is part of the classifier.
    while (layer && ['Activation', 'Softmax'].includes(layer.getClassName()))
      layer = inbound(layer);
    let cut = layer?.getClassName() === 'Dense' ? inbound(layer) : null;
    while (cut && cut.getClassName() === 'Dropout') cut = inbound(cut);
    if (!cut || cut.getClassName() === 'InputLayer') {
      throw new ConfigError(
        `${field}.cutAt`,
        `a layer name: the model does not end in a Dense classifier on features (its last layers: ${lastNames(model)})`,
        undefined,
      );
    }
    cuts.add(cut);
  }
  if (cuts.size !== 1) {
    throw new ConfigError(
      `${field}.cutAt`,
      `a layer name: the model's outputs come from different layers (${[...cuts].map((l) => l.name).join(', ')})`,
      undefined,
    );
  }
  return [...cuts][0];
}

function namedLayer(model: tfl.LayersModel, name: string, field: string): tfl.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer || layer.getClassName() === 'InputLayer') {
    throw new ConfigError(`${field}.cutAt`, `a layer of the backbone (${lastNames(model)})`, name);
  }
  return layer;
}

/** "n layers; last ones: a, b, c" — enough to pick a valid cutAt. */
function lastNames(model: tfl.LayersModel, count = 6): string {
  const names = ownLayers(model).map((l) => l.name);
  const shown = names.slice(-count).join(', ');
  return `${names.length} layer${names.length === 1 ? '' : 's'}; ${names.length > count ? 'last ones: ' : ''}${shown}`;
}

function inbound(layer: tfl.layers.Layer): tfl.layers.Layer | null {
  const node = (layer as unknown as { inboundNodes: { inboundLayers: tfl.layers.Layer[] }[] })
    .inboundNodes[0];
  return node?.inboundLayers.length === 1 ? node.inboundLayers[0] : null;
}

function ownLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() !== 'InputLayer');
}

function disposeLayer(layer: tfl.layers.Layer): void {
  try {
    layer.dispose();
  } catch {
    // Never built or used: it holds no weights to free.
  }
}

/**
 * Puts a head on a backbone: global pooling ('avg' default, 'max') or flatten when its
 * output is a feature map, then the head of buildModel (hidden dense layers, dropout,
 * classifiers 'main' and multi-task heads). The model takes over the backbone's layers:
 * dispose the model, not the backbone. `name`/`inputShape` in the spec are ignored (the
 * backbone fixes both).
 *
 * @example
 *   const model = buildOnBackbone(backbone, { classes: 5, dropout: { rate: 0.2, where: 'head' } });
 */
export function buildOnBackbone(
  backbone: tfl.LayersModel,
  spec: BackboneHeadSpec,
  field = 'model',
): tfl.LayersModel {
  const raw = record(field, spec, 'a head spec { classes, ... }');
  const { name: _name, inputShape: _shape, ...s } = raw;
  knownKeys(field, s, ['classes', 'options', ...HEAD_OPTION_KEYS]);
  const classes = int(`${field}.classes`, s.classes, 2);
  const head = checkHeadOptions(s, field);
  const pooling =
    parseOptions(BackboneHeadOptions, s.options ?? {}, `${field}.options`).pooling ?? 'avg';
  if (backbone.outputs.length !== 1) {
    throw new ConfigError('backbone.cutAt', 'a cut with one output tensor', backbone.outputNames);
  }
  const info = backboneInfo(backbone);
  const taken = new Set(backbone.layers.map((l) => l.name));
  if (taken.has(MAIN_OUTPUT)) {
    throw new ConfigError(
      'backbone.cutAt',
      `a layer before the one named ${MAIN_OUTPUT} (the new main classifier takes that name)`,
      info?.cutAt ?? MAIN_OUTPUT,
    );
  }
  const features = toFeatures(backbone.outputs[0], pooling, taken);
  const outputs = attachHeads({
    features,
    hidden: [],
    classes,
    head,
    taken,
    model: 'the backbone',
    field,
  });
  const model = tfl.model({
    inputs: backbone.inputs,
    outputs: outputs.length === 1 ? outputs[0] : outputs,
    name: `${backbone.name}_head`,
  });
  const own = ownLayers(backbone);
  const marking: BackboneInfo = {
    source: info?.source ?? backbone.name,
    cutAt: info?.cutAt ?? own[own.length - 1]?.name ?? '',
    freeze: info?.freeze ?? 'trainable',
    unfreezeAfter: info?.unfreezeAfter ?? 1,
    lrMultiplier: info?.lrMultiplier ?? 0.1,
    layers: own.map((l) => l.name),
  };
  model.setUserDefinedMetadata({ [METADATA_KEY]: { backbone: marking } });
  freezeAwareBatchNorm(model);
  return model;
}

function toFeatures(
  x: tfl.SymbolicTensor,
  pooling: FeaturePooling,
  taken: Set<string>,
): tfl.SymbolicTensor {
  const rank = x.shape.length;
  if (rank === 2) return x;
  let name = 'features';
  for (let k = 2; taken.has(name); k++) name = `features_${k}`;
  taken.add(name);
  let layer: tfl.layers.Layer;
  if (pooling === 'flatten' || rank > 4) layer = tfl.layers.flatten({ name });
  else if (rank === 4)
    layer =
      pooling === 'max'
        ? tfl.layers.globalMaxPooling2d({ name })
        : tfl.layers.globalAveragePooling2d({ name });
  else
    layer =
      pooling === 'max'
        ? tfl.layers.globalMaxPooling1d({ name })
        : tfl.layers.globalAveragePooling1d({ name });
  return layer.apply(x) as tfl.SymbolicTensor;
}

/**
 * What `model` records about its backbone (from loadBackbone or buildOnBackbone, also after
 * saveModel/loadModel), or null for a model without one.
 *
 * @example
 *   const info = backboneInfo(model); // { freeze: 'unfreeze-after', unfreezeAfter: 2, ... }
 */
export function backboneInfo(model: tfl.LayersModel): BackboneInfo | null {
  const meta = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const entry = isRecord(meta) && isRecord(meta[METADATA_KEY]) ? meta[METADATA_KEY].backbone : null;
  if (!isRecord(entry) || !Array.isArray(entry.layers)) return null;
  return entry as unknown as BackboneInfo;
}

/**
 * The layers of `model` that came from its backbone (empty for a model without one): give
 * their variables to a second optimiser for discriminative rates.
 *
 * @example
 *   const vars = backboneLayers(model).flatMap((l) => l.trainableWeights);
 */
export function backboneLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const names = new Set(backboneInfo(model)?.layers ?? []);
  return model.layers.filter((l) => names.has(l.name));
}

/**
 * Freezes or unfreezes the backbone's layers. The loop calls it as epochs pass; it takes
 * effect for whoever reads `model.trainableWeights` (or `layer.trainableWeights`) next.
 *
 * @example
 *   setBackboneTrainable(model, backboneTrainableAt(backboneInfo(model)!, epoch));
 */
export function setBackboneTrainable(model: tfl.LayersModel, trainable: boolean): void {
  for (const layer of backboneLayers(model)) layer.trainable = trainable;
}

/**
 * The freeze schedule, written once: whether the backbone trains in `epoch` (0-based) under
 * its freeze mode: never when frozen, from epoch `unfreezeAfter` on under 'unfreeze-after',
 * always otherwise. loadBackbone applies epoch 0; the training loop's FreezeSchedule
 * callback every epoch.
 *
 * @example
 *   backboneTrainableAt({ freeze: 'unfreeze-after', unfreezeAfter: 2 }, 1); // false
 */
export function backboneTrainableAt(
  info: Pick<BackboneInfo, 'freeze' | 'unfreezeAfter'>,
  epoch: number,
): boolean {
  if (info.freeze === 'frozen') return false;
  if (info.freeze === 'unfreeze-after') return epoch >= info.unfreezeAfter;
  return true;
}

/**
 * Seeds a model's initial weights (engine's `seedWeights`), except the backbone's: on a
 * model with a pretrained backbone only the new layers are drawn.
 *
 * @example
 *   seedModel(buildOnBackbone(backbone, { classes: 5 }), 3);
 */
export function seedModel(model: tfl.LayersModel, seed: number): void {
  const pretrained = new Set(backboneLayers(model));
  if (pretrained.size === 0) {
    seedWeights(model, seed);
    return;
  }
  // seedWeights reads only `layers`: hand it the new ones.
  const fresh = model.layers.filter((l) => !pretrained.has(l));
  seedWeights({ layers: fresh } as unknown as tfl.LayersModel, seed);
}

/**
 * Makes a feature extractor built in memory (e.g. a torchvision ResNet with PyTorch weights,
 * models/pytorch) a backbone as loadBackbone's are: the spec's initial trainability applied,
 * frozen batch norm in inference mode, and the marking buildOnBackbone reads.
 *
 * @example
 *   adoptBackbone(torchvisionResnet(arch, [224, 224, 3]), { source: 'r18.pth' }, 'avgpool');
 */
export function adoptBackbone(
  backbone: tfl.LayersModel,
  spec: BackboneSpec,
  cutAt: string,
  field = 'backbone',
): tfl.LayersModel {
  return markBackbone(backbone, checkBackboneSpec(spec, field), cutAt);
}
