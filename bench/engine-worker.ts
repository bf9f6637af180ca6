/**
 * A worker thread of `npm run bench:engine`: its own tfjs and net, warmed up, then one
 * timed pass per 'pass' message; any other message ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type MeasureOptions, prepare } from './engine-measure.js';

const prepared = await prepare(workerData as MeasureOptions);
const { pass, ...meta } = prepared;
parentPort!.postMessage({ ready: meta });
parentPort!.on('message', (message) => {
  if (message === 'pass') parentPort!.postMessage({ pass: pass() });
  else process.exit(0);
});
