/**
 * How `tunebook study` shows its progress line: on a TTY one line redrawn in place (log lines
 * print above it), elsewhere (a log file, CI) the line printed plainly every `everySeconds`,
 * so logs stay readable and still say how far the study is.
 *
 * @example
 *   const progress = progressDisplay(process.stderr, { tty: process.stderr.isTTY === true });
 *   progress.status('3/20 done ...'); progress.log('done baseline seed 0', console.log);
 */
interface Stream {
  write(text: string): unknown;
  columns?: number;
}

export interface ProgressDisplay {
  status(line: string): void;
  /** Prints a log line through `out`, keeping the redrawn status line below it. */
  log(line: string, out: (line: string) => void): void;
  clear(): void;
}

export function progressDisplay(
  stream: Stream,
  options: { tty: boolean; everySeconds?: number; now?: () => number },
): ProgressDisplay {
  const now = options.now ?? (() => performance.now() / 1000);
  const every = options.everySeconds ?? 30;
  let last = '';
  let printedAt = now();
  const clear = () => {
    if (options.tty) stream.write('\r\x1b[K');
  };
  const draw = () => stream.write(last.slice(0, (stream.columns ?? 120) - 1));
  return {
    status(line) {
      last = line;
      if (options.tty) {
        clear();
        draw();
      } else if (now() - printedAt >= every) {
        printedAt = now();
        stream.write(`progress: ${line}\n`);
      }
    },
    log(line, out) {
      clear();
      out(line);
      if (options.tty && last) draw();
    },
    clear,
  };
}
