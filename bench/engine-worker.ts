/** A worker thread of `npm run bench:engine`: its own tfjs, one measurement, started on cue. */
import { parentPort, workerData } from 'node:worker_threads';
import { type MeasureOptions, prepare } from './engine-measure.js';

const run = await prepare(workerData as MeasureOptions);
parentPort!.postMessage({ ready: true });
parentPort!.once('message', () => {
  parentPort!.postMessage({ result: run() });
});
