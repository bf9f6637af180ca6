/**
 * The `tunebook` command line: parses the command and its flags, runs it, and turns errors
 * into one clear line and an exit code (2 bad input, 1 failure at run time). Stack traces
 * only with --debug.
 */
import { createRequire } from 'node:module';
import { TunebookError, UsageError } from '../index.js';
import { flagHelp, parseArgs } from './args.js';
import { type Command, GLOBAL_FLAGS } from './command.js';
import { augmentCommand } from './commands/augment.js';
import { calibrateCommand } from './commands/calibrate.js';
import { infoCommand } from './commands/info.js';
import { lrFindCommand } from './commands/lr-find.js';
import { noteCommand } from './commands/note.js';
import { notebookCommand } from './commands/notebook.js';
import { pretrainCommand } from './commands/pretrain.js';
import { previewCommand } from './commands/preview.js';
import { reportCommand } from './commands/report.js';
import { serveCommand } from './commands/serve.js';
import { statsCommand } from './commands/stats.js';
import { studyCommand } from './commands/study.js';
import { trainCommand } from './commands/train.js';
import { validateCommand } from './commands/validate.js';
import { verdictsCommand } from './commands/verdicts.js';

const COMMANDS: Command[] = [
  studyCommand,
  validateCommand,
  verdictsCommand,
  calibrateCommand,
  reportCommand,
  serveCommand,
  notebookCommand,
  noteCommand,
  pretrainCommand,
  lrFindCommand,
  infoCommand,
  trainCommand,
  statsCommand,
  augmentCommand,
  previewCommand,
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

function commandHelp(command: Command): string {
  return [
    `${command.summary}`,
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
    const command = COMMANDS.find((c) => c.name === first);
    if (!command) {
      if (first.startsWith('-'))
        throw new UsageError(`unknown flag ${first} (try tunebook --help)`);
      throw new UsageError(
        `unknown command "${first}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`,
      );
    }
    const { flags, positionals } = parseArgs(
      rest,
      { ...command.flags, ...GLOBAL_FLAGS },
      command.name,
    );
    if (flags.help) {
      out(commandHelp(command));
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
    io.err(`tunebook: internal error: ${message}\n`);
    if (debug && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    else io.err('(run with --debug for the stack trace)\n');
    return 1;
  }
}
