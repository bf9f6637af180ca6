/**
 * The store as one page sees it: a study's arms and trials are read once, however many
 * helpers ask for them. Trials are the one large read (every result and metric, JSON-
 * decoded), and the verdict rows read them again on their own; a study page of 1,000 trials
 * costs half as much this way.
 *
 * @example
 *   const lines = await verdictLines(readOnce(store), study);
 */
import type { Store } from '../lab/store/store.js';

export function readOnce(store: Store): Store {
  const trials = new Map<number, ReturnType<Store['trials']>>();
  const arms = new Map<number, ReturnType<Store['arms']>>();
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'trials')
        return (studyId: number) => {
          if (!trials.has(studyId)) trials.set(studyId, target.trials(studyId));
          return trials.get(studyId);
        };
      if (prop === 'arms')
        return (studyId: number) => {
          if (!arms.has(studyId)) arms.set(studyId, target.arms(studyId));
          return arms.get(studyId);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
