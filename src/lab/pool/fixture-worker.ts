/** A worker for the pool's tests: echoes, throws, exits, or exhausts memory on request. */
import { serve } from './serve.js';

serve<{ kind: string; value?: number }, number>(async (input, report) => {
  if (input.kind === 'echo') {
    report({ got: input.value });
    return input.value ?? 0;
  }
  if (input.kind === 'throw') throw new Error('bad input\nwith a second line');
  if (input.kind === 'exit') process.exit(3);
  if (input.kind === 'oom') {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array(1e6).fill(Math.random()));
  }
  if (input.kind === 'slow') await new Promise((r) => setTimeout(r, 10_000));
  return -1;
});
