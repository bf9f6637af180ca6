/**
 * Saving and loading tfjs layers models (model.json + a weights file) in Node without
 * tfjs-node, which is what provides tfjs's file:// handler: tunebook reads and writes the
 * files itself, and fetches http(s) URLs with Node's global fetch. The format is tfjs's own,
 * so models saved here load in the browser or in tfjs-node and vice versa.
 *
 * Saving is atomic: the weights go to a file named for their content hash, then model.json
 * (which names it) replaces the old one by rename, then stale weights files are removed. A
 * process killed at any point leaves the previous or the new model, never a mix.
 *
 * @example
 *   await saveModel(model, 'runs/pretrained');          // runs/pretrained/model.json + weights
 *   const again = await loadModel('runs/pretrained');   // a folder, a model.json or a URL
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomically } from '../core/atomic-file.js';
import { ConfigError, DataError, TunebookError } from '../core/errors.js';
import { isRecord } from './checks.js';
import { freezeAwareBatchNorm } from './frozen-batch-norm.js';

export const MODEL_JSON = 'model.json';

/**
 * Writes `model` into the folder `dir` as model.json and `model.<hash>.bin` (or, for a
 * `dir` ending in .json, under that file name in its folder).
 *
 * @example
 *   await saveModel(model, 'checkpoints/best');
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  if (typeof dir !== 'string' || dir === '') {
    throw new ConfigError('save folder', 'a folder path', dir);
  }
  const jsonPath = dir.endsWith('.json') ? resolve(dir) : resolve(dir, MODEL_JSON);
  const folder = dirname(jsonPath);
  const stem = basename(jsonPath, '.json');
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new DataError(folder, `cannot create the folder: ${(error as Error).message}`);
  }
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array(0);
      const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
      const weightsName = `${stem}.${hash}.bin`;
      const json: Record<string, unknown> = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      writeFileAtomically(join(folder, weightsName), data);
      writeFileAtomically(jsonPath, JSON.stringify(json));
      await removeStaleWeights(folder, stem, weightsName);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/**
 * Loads a layers model from a folder holding model.json, a model.json path, a file:// URL
 * or an http(s) URL. A missing file or one that is not a tfjs layers model is a DataError
 * naming the file.
 *
 * @example
 *   const model = await loadModel('https://example.org/models/digits/model.json');
 */
export async function loadModel(
  source: string,
  options: LoadOptions = {},
): Promise<tfl.LayersModel> {
  const handler = modelHandler(source, options);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(handler);
  } catch (error) {
    if (error instanceof TunebookError) throw error;
    throw new DataError(
      handler.where(),
      `not a usable tfjs layers model: ${(error as Error).message}`,
    );
  }
  freezeAwareBatchNorm(model);
  return model;
}

export interface LoadOptions {
  /** The setting the source came from, for messages (default 'model source'). */
  field?: string;
  /** A model.json without weights is a DataError (a pretrained model must have some). */
  requireWeights?: boolean;
}

/** A tfjs IOHandler that loads from a path or URL; `where()` names the model.json read. */
export interface ModelLoadHandler extends tf.io.IOHandler {
  load(): Promise<tf.io.ModelArtifacts>;
  where(): string;
}

/**
 * The IOHandler `loadModel` uses, for `tfl.loadLayersModel` or `tf.loadGraphModel` callers.
 *
 * @example
 *   const model = await tfl.loadLayersModel(modelHandler('models/digits'));
 */
export function modelHandler(source: string, options: LoadOptions = {}): ModelLoadHandler {
  const field = options.field ?? 'model source';
  const requireWeights = options.requireWeights ?? false;
  if (typeof source !== 'string' || source.trim() === '') {
    throw new ConfigError(field, 'a path or an http(s) URL of a model.json', source);
  }
  if (/^https?:\/\//i.test(source)) {
    const url = new URL(source);
    if (url.pathname.endsWith('/')) url.pathname += MODEL_JSON;
    return readerHandler(
      () => url.href,
      fetchBytes,
      (path) => new URL(path, url).href,
      requireWeights,
    );
  }
  let path = source;
  if (/^file:\/\//i.test(source)) path = fileURLToPath(source);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new ConfigError(field, 'a path, a file:// URL or an http(s) URL', source);
  }
  // A folder resolves to its model.json when loading starts.
  let where = resolve(path);
  const handler = readerHandler(
    () => where,
    readLocal,
    (p) => join(dirname(where), p),
    requireWeights,
  );
  return {
    where: handler.where,
    load: async () => {
      where = await modelJsonPath(resolve(path));
      return handler.load();
    },
  };
}

type Read = (where: string) => Promise<Uint8Array>;

function readerHandler(
  jsonWhere: () => string,
  read: Read,
  locate: (path: string) => string,
  requireWeights: boolean,
): ModelLoadHandler {
  return {
    where: jsonWhere,
    load: async () => {
      const where = jsonWhere();
      const json = parseModelJson(where, await read(where));
      const listed = (json.weightsManifest ?? []).flatMap((group) => group.weights);
      if (requireWeights && listed.length === 0) {
        throw new DataError(where, 'has no weights (its weightsManifest lists none)');
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const parts: Uint8Array[] = [];
        for (const group of manifest) {
          for (const p of group.paths) parts.push(await read(locate(p)));
        }
        const data = concat(parts);
        const expected = weightBytes(specs);
        if (expected !== null && data.byteLength !== expected) {
          const files = manifest.flatMap((g) => g.paths).join(', ');
          throw new DataError(
            where,
            `its weights files (${files}) hold ${data.byteLength} bytes, its weightsManifest needs ${expected}`,
          );
        }
        return [specs, data.buffer as ArrayBuffer];
      });
    },
  };
}

/** model.json itself, or the model.json of a folder; DataError when neither exists. */
async function modelJsonPath(path: string): Promise<string> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new DataError(path, 'not found (expected a model.json or a folder holding one)');
  }
  if (!info.isDirectory()) return path;
  const json = join(path, MODEL_JSON);
  try {
    await stat(json);
  } catch {
    throw new DataError(json, 'not found: the folder holds no tfjs model');
  }
  return json;
}

async function readLocal(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(path, code === 'ENOENT' ? 'not found' : `cannot read: ${code}`);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new DataError(url, `cannot fetch: ${cause}`);
  }
  if (!response.ok) throw new DataError(url, `HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The parsed model.json of a layers model, or a DataError saying what it is instead. */
function parseModelJson(where: string, bytes: Uint8Array): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new DataError(where, `not a tfjs model: not JSON (${(error as Error).message})`);
  }
  if (!isRecord(json) || !isRecord(json.modelTopology)) {
    throw new DataError(where, 'not a tfjs model: no modelTopology');
  }
  const topology = json.modelTopology;
  if (json.format === 'graph-model' || Array.isArray(topology.node)) {
    throw new DataError(
      where,
      'is a tfjs graph model; a layers model is needed (tfjs model.save, or tensorflowjs_converter --output_format tfjs_layers_model)',
    );
  }
  const config = isRecord(topology.model_config) ? topology.model_config : topology;
  if (typeof config.class_name !== 'string' || !isRecord(config.config)) {
    throw new DataError(
      where,
      'not a tfjs layers model: its modelTopology has no class_name/config',
    );
  }
  const manifest = json.weightsManifest;
  if (
    manifest !== undefined &&
    !(
      Array.isArray(manifest) &&
      manifest.every(
        (g) =>
          isRecord(g) &&
          Array.isArray(g.paths) &&
          g.paths.every((p) => typeof p === 'string') &&
          Array.isArray(g.weights),
      )
    )
  ) {
    throw new DataError(
      where,
      'not a tfjs model: weightsManifest is not a list of { paths, weights }',
    );
  }
  return json as unknown as tf.io.ModelJSON;
}

const BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  complex64: 8,
};

/** Bytes the specs need (quantised weights count at their stored width); null if unknown. */
function weightBytes(specs: tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const per = BYTES[dtype];
    if (per === undefined) return null; // strings: variable length
    total += spec.shape.reduce((p, d) => p * d, 1) * per;
  }
  return total;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

async function removeStaleWeights(folder: string, stem: string, keep: string): Promise<void> {
  const pattern = new RegExp(
    `^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{16}\\.bin$`,
  );
  for (const name of await readdir(folder)) {
    if (name !== keep && pattern.test(name)) await rm(join(folder, name), { force: true });
  }
}
