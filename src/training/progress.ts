/**
 * Progress of a training run: a redrawn bar on a TTY (epoch, batch, loss, rate, ETA), and on
 * anything else one plain line per epoch, so logs stay readable.
 *
 * @example
 *   const progress = createProgress(process.stderr);
 *   progress.batch({ epoch: 0, epochs: 5, batch: 3, batches: 60, loss: 0.4 });
 */
export interface BatchProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
}

export interface EpochLine {
  epoch: number;
  epochs: number;
  text: string;
}

export interface Progress {
  batch(p: BatchProgress): void;
  epoch(line: EpochLine): void;
  done(): void;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function createProgress(stream: Stream, tty = stream.isTTY === true): Progress {
  let started = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    batch(p) {
      if (!tty) return;
      const now = performance.now();
      if (p.batch === 0) started = now;
      const done = p.batch + 1;
      const rate = done / Math.max(1e-9, (now - started) / 1000);
      const eta = (p.batches - done) / Math.max(rate, 1e-9);
      const width = 20;
      const filled = Math.round((done / p.batches) * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const text =
        `epoch ${p.epoch + 1}/${p.epochs} [${bar}] ${done}/${p.batches} ` +
        `loss ${p.loss.toFixed(4)} ${rate.toFixed(1)} batch/s eta ${eta.toFixed(0)}s`;
      stream.write(`\r\x1b[K${text.slice(0, (stream.columns ?? 120) - 1)}`);
      drawn = true;
    },
    epoch(line) {
      clear();
      stream.write(`epoch ${line.epoch + 1}/${line.epochs}  ${line.text}\n`);
    },
    done() {
      clear();
    },
  };
}

/** A progress that prints nothing (tests, library use). */
export const silentProgress: Progress = { batch() {}, epoch() {}, done() {} };
