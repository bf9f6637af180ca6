/**
 * Classifying new images with an exported model folder (`tunebook export`): model.json and
 * its weights, and preprocessing.json, which says how the study read and scaled images.
 * Each file goes through the same steps as the study's test images — decoded by the one
 * image reader, read at the study's size, fit and channels, equalised or scaled with the
 * fitted statistics — then the model; outputs are logits, turned into probabilities here.
 *
 * @example
 *   const predictor = await loadPredictor('model/');
 *   const [p] = await predictor.predictFiles(['cat.jpg']); // { className: 'cat', probability: 0.97, ... }
 *   predictor.dispose();
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../../core/errors.js';
import type { Image } from '../../core/image.js';
import { decodeImage } from '../../data/decode-image.js';
import { readAs } from '../../data/read-as.js';
import { type BackendChoice, initEngine } from '../../engine/backend.js';
import { loadModel } from '../../models/model-io.js';
import { scalerFromJSON } from '../../preprocessing/scaler-file.js';
import { evaluationChain, postStep, preStep } from '../trial/sample-transforms.js';
import { type PreprocessingFile, readPreprocessing } from './preprocessing-file.js';

export interface Prediction {
  /** The file (or `image <i>` for images given in memory). */
  file: string;
  classIndex: number;
  className: string;
  /** Softmax probability of the predicted class. */
  probability: number;
  /** Every class's probability, in `classNames` order. */
  probabilities: number[];
}

export interface Predictor {
  classNames: readonly string[];
  preprocessing: PreprocessingFile;
  model: tfl.LayersModel;
  /** Reads and classifies image files. */
  predictFiles(files: readonly string[]): Promise<Prediction[]>;
  /** Classifies decoded 8-bit images (read at the study's size and channels first). */
  predictImages(images: readonly Image[], names?: readonly string[]): Promise<Prediction[]>;
  dispose(): void;
}

const BATCH = 64;

/**
 * Loads an exported model folder.
 *
 * @example
 *   const predictor = await loadPredictor('model', { backend: 'wasm' });
 */
export async function loadPredictor(
  dir: string,
  options: { backend?: BackendChoice } = {},
): Promise<Predictor> {
  const p = await readPreprocessing(dir);
  await initEngine({ backend: options.backend });
  const model = await loadModel(dir, { field: 'model folder', requireWeights: true });
  const scaler = p.scaler ? scalerFromJSON(p.scaler) : null;
  const chain = evaluationChain(
    preStep(p.normalize ?? undefined),
    postStep(p.normalize ?? undefined, scaler),
  );
  const read = p.image?.size ? { size: p.image.size, resize: p.image.resize } : {};

  const prepare = (image: Image, name: string): Float32Array => {
    const fitted = readAs(image, { ...read, channels: p.channels });
    const shape =
      p.layout === 'nwc'
        ? [fitted.width, fitted.channels]
        : [fitted.height, fitted.width, fitted.channels];
    if (shape.join('x') !== p.inputShape.join('x')) {
      throw new DataError(
        name,
        `is ${shape.join('x')} as read, but the model takes ${p.inputShape.join('x')} (its study read images as they were: export a study with data.image.size to read any size)`,
      );
    }
    return chain(fitted).data as Float32Array;
  };

  const classify = async (inputs: Float32Array[], names: readonly string[]) => {
    const out: Prediction[] = [];
    const size = inputs[0]?.length ?? 0;
    for (let start = 0; start < inputs.length; start += BATCH) {
      const chunk = inputs.slice(start, start + BATCH);
      const flat = new Float32Array(chunk.length * size);
      chunk.forEach((x, k) => {
        flat.set(x, k * size);
      });
      const probs = tf.tidy(() => {
        const x = tf.tensor(flat, [chunk.length, ...p.inputShape]);
        const raw = model.predict(x);
        const logits = Array.isArray(raw) ? raw[0] : raw;
        return tf.softmax(logits as tf.Tensor2D);
      });
      const values = (await probs.array()) as number[][];
      probs.dispose();
      values.forEach((row, k) => {
        let best = 0;
        for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
        out.push({
          file: names[start + k],
          classIndex: best,
          className: p.classNames[best] ?? String(best),
          probability: row[best],
          probabilities: row,
        });
      });
    }
    return out;
  };

  return {
    classNames: p.classNames,
    preprocessing: p,
    model,
    async predictFiles(files) {
      const inputs: Float32Array[] = [];
      for (const file of files) inputs.push(prepare(await decodeImage(file, p.channels), file));
      return classify(inputs, files);
    },
    async predictImages(images, names) {
      const labels = names ?? images.map((_, i) => `image ${i}`);
      return classify(
        images.map((image, i) => prepare(image, labels[i])),
        labels,
      );
    },
    dispose() {
      model.dispose();
    },
  };
}
