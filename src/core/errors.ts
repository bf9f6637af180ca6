/**
 * Errors users can act on. Every error tunebook throws on purpose is a `TunebookError` with a
 * stable `code`; the CLI prints its message without a stack and exits with `exitCode`
 * (2 for bad input, 1 for a failure at run time, 3 for a fault of the machine: disk full,
 * not enough memory, read-only media).
 *
 * @example
 *   throw new ConfigError('study.measures[2].dropout.rate', 'a number in [0, 1)', 1.5);
 */
/** 1: failure at run time; 2: bad input; 3: the environment (disk full, out of memory). */
export type ExitCode = 1 | 2 | 3;

export class TunebookError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode = 2) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Shows a received value briefly and unambiguously: strings quoted, long values cut. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    text = String(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A setting, option or argument with a value outside what is allowed. */
export class ConfigError extends TunebookError {
  constructor(field: string, expected: string, received: unknown) {
    super('E_CONFIG', `${field}: expected ${expected}, got ${describeValue(received)}`);
  }
}

/** A command-line usage mistake: unknown command or flag, missing argument. */
export class UsageError extends TunebookError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/** A file or folder that is missing, unreadable or malformed. */
export class DataError extends TunebookError {
  constructor(file: string, problem: string) {
    super('E_DATA', `${file}: ${problem}`);
  }
}

/** The requested engine (backend) cannot be used on this machine. */
export class BackendError extends TunebookError {
  constructor(message: string) {
    super('E_BACKEND', message);
  }
}

/** A kernel was asked for a configuration it does not support. */
export class KernelError extends TunebookError {
  constructor(kernel: string, problem: string) {
    super('E_KERNEL', `${kernel}: ${problem}`, 1);
  }
}

/**
 * The machine cannot do what was asked: a full disk, too little memory for a trial. Not the
 * user's input (2) nor a bug or crash (1): exit code 3, so scripts can tell "free space and
 * rerun" from "fix the file".
 */
export class EnvironmentError extends TunebookError {
  constructor(message: string) {
    super('E_ENVIRONMENT', message, 3);
  }
}
