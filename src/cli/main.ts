/**
 * The `tunebook` command line: parses the command and its flags, runs it, and turns errors
 * into one clear line and an exit code (2 bad input, 1 failure at run time, 3 a fault of the
 * machine: disk full, too little memory). Stack traces
 * only with --debug.
 */
import { createRequire } from 'node:module';
import { TunebookError, UsageError } from '../core/errors.js';
import { flagHelp, parseArgs } from './args.js';
import { type Command, GLOBAL_FLAGS } from './command.js';

/**
 * Every command, with the one-line summary `--help` lists. A command's module is imported only
 * when that command runs (or shows its own help), so `--help`, `--version` and the light
 * commands never load TensorFlow.js, the store or the report renderer.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'study',
    summary: 'run (or resume) a study and print its verdicts',
    load: async () => (await import('./commands/study.js')).studyCommand,
  },
  {
    name: 'worker',
    summary: "claim a shared study's queued trials and run them on this machine",
    load: async () => (await import('./commands/worker.js')).workerCommand,
  },
  {
    name: 'validate',
    summary: 'check a study file (schema, every arm) without running it',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  {
    name: 'verdicts',
    summary: "print a stored study's verdicts (effect, 95% CI, seeds, verdict, cost)",
    load: async () => (await import('./commands/verdicts.js')).verdictsCommand,
  },
  {
    name: 'calibrate',
    summary: "measure the baseline's seed-to-seed spread and what the study can detect",
    load: async () => (await import('./commands/calibrate.js')).calibrateCommand,
  },
  {
    name: 'report',
    summary: 'write a self-contained HTML report of a study: verdicts, forest plot, curves, cost',
    load: async () => (await import('./commands/report.js')).reportCommand,
  },
  {
    name: 'serve',
    summary: 'a local read-only dashboard: studies, live progress, verdicts, reports, notebook',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    name: 'notebook',
    summary: 'the cumulative notebook: every measure, its verdicts across studies, and notes',
    load: async () => (await import('./commands/notebook.js')).notebookCommand,
  },
  {
    name: 'note',
    summary: 'record a note about a measure (shown in the notebook)',
    load: async () => (await import('./commands/note.js')).noteCommand,
  },
  {
    name: 'pretrain',
    summary: 'train a backbone on a source task and save it for a pretrained measure',
    load: async () => (await import('./commands/pretrain.js')).pretrainCommand,
  },
  {
    name: 'lr-find',
    summary: "the LR range test on a study's baseline: suggested rate and a loss/rate plot",
    load: async () => (await import('./commands/lr-find.js')).lrFindCommand,
  },
  {
    name: 'info',
    summary: 'show the engine in use: backend and version, threads, SIMD, Node, tfjs-node',
    load: async () => (await import('./commands/info.js')).infoCommand,
  },
  {
    name: 'train',
    summary: 'train a model on the bundled MNIST digits and print its test accuracy',
    load: async () => (await import('./commands/train.js')).trainCommand,
  },
  {
    name: 'stats',
    summary: 'per-channel mean/std, class counts and sizes of a data source; checks a normalize',
    load: async () => (await import('./commands/stats.js')).statsCommand,
  },
  {
    name: 'augment',
    summary:
      'write K augmented copies of every image of a class-folder tree (offline augmentation)',
    load: async () => (await import('./commands/augment.js')).augmentCommand,
  },
  {
    name: 'preview',
    summary: 'draw a PNG grid of originals and augmented versions to see what a pipeline does',
    load: async () => (await import('./commands/preview.js')).previewCommand,
  },
  {
    name: 'export',
    summary: "train a study arm's settings on train+validation and save the model to keep",
    load: async () => (await import('./commands/export.js')).exportCommand,
  },
  {
    name: 'predict',
    summary: 'classify image files with a model folder made by tunebook export',
    load: async () => (await import('./commands/predict.js')).predictCommand,
  },
];

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../../../package.json') as { version: string }).version;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tunebook: deep-learning tuning folklore, measured.',
    '',
    'Usage: tunebook <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Flags for every command:',
    flagHelp(GLOBAL_FLAGS),
    '  --version  print the version',
    '',
    'Run `tunebook <command> --help` for a command.',
  ].join('\n');
}

function commandHelp(entry: CommandEntry, command: Command): string {
  return [
    entry.summary,
    '',
    `Usage: ${command.usage}`,
    '',
    'Flags:',
    flagHelp({ ...command.flags, ...GLOBAL_FLAGS }),
  ].join('\n');
}

export interface Io {
  out: (line: string) => void;
  err: (text: string) => void;
}

const PROCESS_IO: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (text) => process.stderr.write(text),
};

/** Runs `tunebook <argv>`; resolves to the exit code. Tests pass their own `io`. */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  const { out } = io;
  const debug = argv.includes('--debug');
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      out(mainHelp());
      return 0;
    }
    if (first === '--version' || first === '-v') {
      out(version());
      return 0;
    }
    const entry = COMMANDS.find((c) => c.name === first);
    if (!entry) {
      if (first.startsWith('-'))
        throw new UsageError(`unknown flag ${first} (try tunebook --help)`);
      throw new UsageError(
        `unknown command "${first}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
      );
    }
    const command = await entry.load();
    const { flags, positionals } = parseArgs(
      rest,
      { ...command.flags, ...GLOBAL_FLAGS },
      command.name,
    );
    if (flags.help) {
      out(commandHelp(entry, command));
      return 0;
    }
    const code = await command.run({ flags, positionals, out });
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof TunebookError) {
      io.err(`tunebook: ${error.message}\n`);
      if (debug && error.stack) io.err(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    // A full disk met outside the checked paths (a lock, a folder) is still the machine's fault.
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      io.err(`tunebook: the disk is full (${message}); free some space and run again\n`);
      return 3;
    }
    io.err(`tunebook: internal error: ${message}\n`);
    if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    else io.err('(run with --debug for the stack trace)\n');
    return 1;
  }
}
