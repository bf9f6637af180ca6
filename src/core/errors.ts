/**
 * Errors users can act on. Every error tunebook throws on purpose is a `TunebookError` with a
 * stable `code`; the CLI prints its message without a stack and exits with `exitCode`
 * (2 for bad input, 1 for a failure at run time).
 *
 * @example
 *   throw new ConfigError('study.measures[2].dropout.rate', 'a number in [0, 1)', 1.5);
 */
export class TunebookError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;

  constructor(code: string, message: string, exitCode: 1 | 2 = 2) {
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
