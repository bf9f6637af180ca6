/**
 * Classification metrics from true and predicted class indices, with scikit-learn's
 * definitions (tested against scikit-learn 1.2 in test/fixtures/training):
 *
 * - per-class precision, recall and F1 with `zero_division=0`: a class never predicted has
 *   precision 0, a class absent from the truth recall 0, and F1 is 0 when both are 0;
 * - `balancedAccuracy`: the mean recall over the classes that occur in `yTrue`
 *   (`balanced_accuracy_score`; a class only predicted, never true, does not count);
 * - `macroF1`: the mean F1 over the classes that occur in `yTrue` or `yPred`
 *   (`f1_score(average='macro')` with its default labels); a class in neither is left out
 *   rather than counted as 0;
 * - `confusion[t][p]`: samples of true class t predicted as p (`confusion_matrix`).
 *
 * Every per-class array has one entry per class 0..classes-1, present or not. On empty input
 * the rates are NaN (undefined), not 0, so that an empty split cannot pass for a bad model.
 */
import { ConfigError } from '../core/errors.js';

export interface ClassificationMetrics {
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  confusion: number[][];
}

/**
 * Accuracy, balanced accuracy, macro-F1, per-class precision/recall/F1/support and the
 * confusion matrix (rows true, columns predicted).
 *
 * @example
 *   const m = classificationMetrics([0, 0, 0, 1], [0, 0, 1, 1], 2);
 *   m.accuracy;         // 0.75
 *   m.balancedAccuracy; // (2/3 + 1) / 2
 *   m.confusion;        // [[2, 1], [0, 1]]
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: number,
): ClassificationMetrics {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ConfigError('classes', 'an integer >= 1', classes);
  }
  if (yTrue.length !== yPred.length) {
    throw new ConfigError(
      'yPred',
      `${yTrue.length} predictions (one per true label)`,
      yPred.length,
    );
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const check = (name: string, v: number, i: number) => {
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new ConfigError(`${name}[${i}]`, `a class index in [0, ${classes})`, v);
    }
  };
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    check('yTrue', t, i);
    check('yPred', p, i);
    confusion[t][p]++;
    if (t === p) correct++;
  }
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = confusion[0].map((_, p) => confusion.reduce((a, row) => a + row[p], 0));
  const precision = confusion.map((row, c) => (predicted[c] > 0 ? row[c] / predicted[c] : 0));
  const recall = confusion.map((row, c) => (support[c] > 0 ? row[c] / support[c] : 0));
  const f1 = precision.map((p, c) => {
    const r = recall[c];
    return p + r > 0 ? (2 * p * r) / (p + r) : 0;
  });
  const inTruth = support.flatMap((s, c) => (s > 0 ? [c] : []));
  const inEither = support.flatMap((s, c) => (s > 0 || predicted[c] > 0 ? [c] : []));
  const mean = (values: number[]) =>
    values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  return {
    accuracy: yTrue.length > 0 ? correct / yTrue.length : Number.NaN,
    balancedAccuracy: mean(inTruth.map((c) => recall[c])),
    macroF1: mean(inEither.map((c) => f1[c])),
    precision,
    recall,
    f1,
    support,
    confusion,
  };
}
