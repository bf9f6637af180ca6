/**
 * A small, strict argument parser: every command declares its flags, and anything else is a
 * usage error naming what was received. `--flag value` and `--flag=value` both work.
 *
 * @example
 *   const { flags, positionals } = parseArgs(['--epochs', '3'], { epochs: { type: 'int', min: 1 } }, 'train');
 */
import { ConfigError, UsageError } from '../core/errors.js';

export type FlagSpec =
  | { type: 'boolean'; help?: string }
  | { type: 'string'; choices?: readonly string[]; help?: string }
  | { type: 'int'; min?: number; max?: number; help?: string }
  | { type: 'number'; min?: number; max?: number; exclusiveMin?: boolean; help?: string };

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | number | boolean | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
}

export function parseArgs(argv: string[], specs: FlagSpecs, command: string): ParsedArgs {
  const flags: FlagValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unknown flag ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs[name];
    if (!spec) throw new UsageError(`${command}: unknown flag --${name}`);
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value, got ${arg}`);
      flags[name] = true;
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || raw.startsWith('--')) {
        throw new UsageError(`${command}: --${name} needs a value`);
      }
      i++;
    }
    flags[name] = convert(`--${name}`, spec, raw);
  }
  return { flags, positionals };
}

function convert(field: string, spec: FlagSpec, raw: string): string | number {
  if (spec.type === 'boolean') return raw;
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new ConfigError(field, `one of ${spec.choices.join(', ')}`, raw);
    }
    return raw;
  }
  const value = Number(raw);
  const isInt = spec.type === 'int';
  const range = describeRange(spec);
  if (raw.trim() === '' || !Number.isFinite(value) || (isInt && !Number.isInteger(value))) {
    throw new ConfigError(field, `${isInt ? 'an integer' : 'a number'}${range}`, raw);
  }
  const below =
    spec.min !== undefined &&
    (value < spec.min || (spec.type === 'number' && spec.exclusiveMin && value === spec.min));
  if (below || (spec.max !== undefined && value > spec.max)) {
    throw new ConfigError(field, `${isInt ? 'an integer' : 'a number'}${range}`, raw);
  }
  return value;
}

function describeRange(spec: FlagSpec): string {
  if (spec.type !== 'int' && spec.type !== 'number') return '';
  const lo = spec.min;
  const hi = spec.max;
  const open = spec.type === 'number' && spec.exclusiveMin;
  if (lo !== undefined && hi !== undefined) return ` in ${open ? '(' : '['}${lo}, ${hi}]`;
  if (lo !== undefined) return open ? ` > ${lo}` : ` >= ${lo}`;
  if (hi !== undefined) return ` <= ${hi}`;
  return '';
}

/** Help lines for a command's flags. */
export function flagHelp(specs: FlagSpecs): string {
  return Object.entries(specs)
    .map(([name, spec]) => {
      const value =
        spec.type === 'boolean'
          ? ''
          : spec.type === 'string' && spec.choices
            ? ` <${spec.choices.join('|')}>`
            : ` <${spec.type}>`;
      return `  --${name}${value}${spec.help ? `  ${spec.help}` : ''}`;
    })
    .join('\n');
}
