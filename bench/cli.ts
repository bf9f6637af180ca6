/**
 * `npm run bench:cli`: how long the CLI's light paths take against bare Node, as a user
 * feels them (a fresh process each time, from spawn to exit). Each command runs 9 times after
 * one warm-up; the median is reported, and its ratio to `node -e 0`:
 *
 *   node -e 0: 45 ms
 *   tunebook --help: 80 ms (1.8x)
 *   tunebook validate examples/mnist-tricks.yaml: 150 ms (3.3x)
 *   cli ratio: 3.3
 *
 * The last line is the larger of the two ratios (the slower light path).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tunebook.js', import.meta.url));
const STUDY = fileURLToPath(new URL('../../examples/mnist-tricks.yaml', import.meta.url));
const RUNS = 9;

/** The median wall time of `node <args>` over RUNS runs, in ms; a failing run stops the bench. */
function medianMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const elapsed = performance.now() - start;
    if (run.status !== 0) {
      console.error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
      process.exit(1);
    }
    if (i > 0) times.push(elapsed); // the first run warms the file cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const bare = medianMs(['-e', '0']);
console.log(`node -e 0: ${bare.toFixed(0)} ms`);
const ratios = [
  ['tunebook --help', [BIN, '--help']],
  ['tunebook validate examples/mnist-tricks.yaml', [BIN, 'validate', STUDY]],
].map(([label, args]) => {
  const ms = medianMs(args as string[]);
  const ratio = ms / bare;
  console.log(`${label}: ${ms.toFixed(0)} ms (${ratio.toFixed(1)}x)`);
  return ratio;
});
console.log(`cli ratio: ${Math.max(...ratios).toFixed(1)}`);
