/** The shape every CLI command file exports (its one-line summary sits in main.ts's list). */
import type { FlagSpecs, FlagValues } from './args.js';

export interface CommandContext {
  flags: FlagValues;
  positionals: string[];
  out: (line: string) => void;
}

export interface Command {
  name: string;
  usage: string;
  flags: FlagSpecs;
  /** Resolves to the exit code, 0 when nothing is returned. */
  // biome-ignore lint/suspicious/noConfusingVoidType: most commands return nothing
  run(context: CommandContext): Promise<number | undefined | void>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: FlagSpecs = {
  backend: {
    type: 'string',
    choices: ['auto', 'tensorflow', 'wasm', 'cpu'],
    help: 'engine to train on (default: auto, or $TUNEBOOK_BACKEND)',
  },
  debug: { type: 'boolean', help: 'show stack traces' },
  help: { type: 'boolean', help: 'show help' },
};
