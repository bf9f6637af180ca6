/**
 * Reading a study file: YAML, then the schema, then each measure applied to the base to make
 * sure every arm is a valid study too (a `set:` override is checked against the setting it
 * changes). Errors name the file, the field, what was expected and what was received.
 *
 * @example
 *   const study = await loadStudyFile('examples/mnist-tricks.yaml');
 *   study.arms.map((a) => a.id); // ['baseline', 'm1-augment', ...]
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { TunebookError } from '../../core/errors.js';
import { describeIssues } from '../../core/validation.js';
import { type Arm, planArms } from './arms.js';
import { Pretrain, type PretrainConfig, Study, type StudyConfig } from './schema.js';

/** A study file that cannot be read or is not a valid study. */
export class StudyFileError extends TunebookError {
  constructor(file: string, problem: string) {
    super('E_STUDY', `${file}: ${problem}`);
  }
}

export interface LoadedStudy {
  file: string;
  config: StudyConfig;
  arms: Arm[];
  /** Identifies the settings (not the formatting): a changed study has another hash. */
  hash: string;
}

export async function loadStudyFile(file: string): Promise<LoadedStudy> {
  return parseStudy(await readStudyText(file), file);
}

async function readStudyText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StudyFileError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code})`);
  }
}

export function parseStudy(text: string, file = 'study'): LoadedStudy {
  const raw = parseYaml(text, file);
  const parsed = Study.safeParse(raw);
  if (!parsed.success) throw new StudyFileError(file, describeIssues(parsed.error.issues, raw));
  const config = parsed.data;
  if (config.seeds.minSeeds > config.seeds.maxSeeds) {
    throw new StudyFileError(
      file,
      `seeds.maxSeeds: expected an integer >= seeds.minSeeds (${config.seeds.minSeeds}), got ${config.seeds.maxSeeds}`,
    );
  }
  let arms: Arm[];
  try {
    arms = planArms(config);
  } catch (error) {
    if (error instanceof TunebookError) throw new StudyFileError(file, error.message);
    throw error;
  }
  return { file, config, arms, hash: hashConfig(config) };
}

export function hashConfig(config: unknown): string {
  return createHash('sha256').update(canonical(config)).digest('hex').slice(0, 16);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : '';
    const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new StudyFileError(file, `invalid YAML: ${where}${what}`);
  }
  try {
    // yaml's maxAliasCount (100) stops a "billion laughs" alias bomb; it throws a ReferenceError.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new StudyFileError(
      file,
      `invalid YAML: ${(error as Error).message.split('\n')[0]} (too many aliases: expand them by hand)`,
    );
  }
}

/** A pretraining task file (`tunebook pretrain`): data, model and training, no measures. */
export async function loadPretrainFile(file: string): Promise<PretrainConfig> {
  const raw = parseYaml(await readStudyText(file), file);
  const parsed = Pretrain.safeParse(raw);
  if (!parsed.success) throw new StudyFileError(file, describeIssues(parsed.error.issues, raw));
  return parsed.data;
}
