/**
 * Text labels to class indices, shared by the CSV and NPY readers: either through a given
 * class list (a label outside it is an error the caller words with its file and place) or,
 * without one, through the sorted set of labels found — numerically when every label is a
 * number ("2" before "10"), else by code point.
 *
 * @example
 *   const { classNames, labels } = indexLabels(['b', 'a', 'b']); // ['a', 'b'], [1, 0, 1]
 */
export interface IndexedLabels {
  classNames: string[];
  labels: Int32Array;
}

/**
 * Indexes `texts`; with `classes`, returns the position of the first label not in the list
 * as `missing` instead of indexing.
 *
 * @example
 *   indexLabels(['cat', 'cow'], ['cat', 'dog']); // { missing: 1 }
 */
export function indexLabels(
  texts: readonly string[],
  classes?: readonly string[],
): IndexedLabels | { missing: number } {
  const names = classes ? [...classes] : sortLabels([...new Set(texts)]);
  const position = new Map(names.map((name, k) => [name, k]));
  const labels = new Int32Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const k = position.get(texts[i]);
    if (k === undefined) return { missing: i };
    labels[i] = k;
  }
  return { classNames: names, labels };
}

function sortLabels(names: string[]): string[] {
  const numeric = names.every((n) => n.trim() !== '' && Number.isFinite(Number(n)));
  return numeric
    ? names.sort((a, b) => Number(a) - Number(b))
    : names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
