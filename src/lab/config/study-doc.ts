/**
 * The study file reference (docs/study-file.md), generated from the schemas themselves:
 * every key with its type, default and an example value, section by section, then the
 * options of each schedule, optimiser, model, data source and transform, and the measures
 * from their registry. `node scripts/gen-study-doc.mjs` writes it after a build; a test
 * fails when the committed file differs, so the reference cannot drift from the schema.
 */
import { z } from 'zod';
import { SOURCE_KINDS, SOURCE_OPTIONS } from '../../data/options.js';
import { MODEL_NAMES } from '../../models/names.js';
import { MODEL_OPTIONS } from '../../models/options.js';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../../training/names.js';
import { OPTIMIZER_OPTIONS } from '../../training/optimizer-options.js';
import { SCHEDULE_OPTIONS } from '../../training/schedule-options.js';
import { TRANSFORMS } from '../../transforms/registry.js';
import { MEASURE_KINDS, MEASURES } from './measures.js';
import { Data, Model, Study, Training } from './schema.js';

type Json = {
  type?: string | string[];
  properties?: Record<string, Json>;
  required?: string[];
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: Json | Json[];
  prefixItems?: Json[];
  anyOf?: Json[];
  oneOf?: Json[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  description?: string;
  additionalProperties?: unknown;
};

function jsonOf(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A short type text: `integer in [1, 1000]`, `one of a, b`, `list of ...`. */
function typeText(j: Json): string {
  if (j.const !== undefined) return `\`${show(j.const)}\``;
  if (j.enum) return `one of ${j.enum.map((v) => `\`${show(v)}\``).join(', ')}`;
  const alts = j.anyOf ?? j.oneOf;
  if (alts) return alts.map(typeText).join(', or ');
  if (j.prefixItems) return `[${j.prefixItems.map(typeText).join(', ')}]`;
  const t = Array.isArray(j.type) ? j.type.join(' or ') : j.type;
  if (t === 'integer' || t === 'number') return `${t}${rangeText(j)}`;
  if (t === 'array') {
    const items = Array.isArray(j.items)
      ? j.items.map(typeText).join(', ')
      : j.items
        ? typeText(j.items)
        : 'values';
    return `list of ${items}${j.minItems ? ` (at least ${j.minItems})` : ''}`;
  }
  if (t === 'object') {
    if (j.properties) return `mapping {${Object.keys(j.properties).join(', ')}}`;
    return 'mapping';
  }
  return t ?? 'any';
}

function rangeText(raw: Json): string {
  // zod's integers carry the safe-integer bounds, which say nothing to a reader.
  const j = { ...raw };
  if (j.maximum !== undefined && j.maximum >= Number.MAX_SAFE_INTEGER) j.maximum = undefined;
  if (j.minimum !== undefined && j.minimum <= Number.MIN_SAFE_INTEGER) j.minimum = undefined;
  const lo =
    j.exclusiveMinimum !== undefined
      ? `(${j.exclusiveMinimum}`
      : j.minimum !== undefined
        ? `[${j.minimum}`
        : null;
  const hi =
    j.exclusiveMaximum !== undefined
      ? `${j.exclusiveMaximum})`
      : j.maximum !== undefined
        ? `${j.maximum}]`
        : null;
  if (lo && hi) return ` in ${lo}, ${hi}`;
  if (lo) return ` ${lo[0] === '(' ? '>' : '>='} ${lo.slice(1)}`;
  if (hi) return ` ${hi.endsWith(')') ? '<' : '<='} ${hi.slice(0, -1)}`;
  return '';
}

/** A value the key could take, for the example column. */
function exampleOf(j: Json): unknown {
  if (j.default !== undefined) return j.default;
  if (j.const !== undefined) return j.const;
  if (j.enum) return j.enum[0];
  const alts = j.anyOf ?? j.oneOf;
  if (alts) return exampleOf(alts[0]);
  if (j.prefixItems) return j.prefixItems.map(exampleOf);
  const t = Array.isArray(j.type) ? j.type[0] : j.type;
  if (t === 'integer' || t === 'number') {
    if (j.minimum !== undefined) return j.minimum;
    if (j.exclusiveMinimum !== undefined && j.maximum !== undefined) return j.maximum;
    if (j.exclusiveMinimum !== undefined) return j.exclusiveMinimum + 1;
    return 1;
  }
  if (t === 'boolean') return true;
  if (t === 'string') return '...';
  if (t === 'array') {
    const item = Array.isArray(j.items) ? j.items[0] : j.items;
    return item ? [exampleOf(item)] : [];
  }
  if (t === 'object' && j.properties) {
    const out: Record<string, unknown> = {};
    for (const k of j.required ?? []) out[k] = exampleOf(j.properties[k]);
    return out;
  }
  return {};
}

/** One row per key of an object schema (nested mappings get their own rows). */
function rows(j: Json, prefix: string, out: string[] = []): string[] {
  for (const [key, child] of Object.entries(j.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const required = (j.required ?? []).includes(key) && child.default === undefined;
    const def =
      child.default === undefined ? (required ? 'required' : '—') : `\`${show(child.default)}\``;
    const note = child.description ? ` ${child.description}` : '';
    out.push(
      `| \`${path}\` | ${typeText(child).replace(/\|/g, '\\|')}${note} | ${def} | \`${show(exampleOf(child))}\` |`,
    );
    const nested = child.properties ? child : (child.anyOf ?? []).find((a) => a.properties);
    if (nested?.properties && !child.oneOf) rows(nested, path, out);
  }
  return out;
}

function table(j: Json, prefix: string): string[] {
  return [
    '| key | type | default | example |',
    '| --- | --- | --- | --- |',
    ...rows(j, prefix),
    '',
  ];
}

function optionsSection(
  title: string,
  intro: string,
  entries: [string, z.ZodType][],
  prefix: string,
) {
  const out = [`## ${title}`, '', intro, ''];
  for (const [name, schema] of entries) {
    const j = jsonOf(schema);
    out.push(`### \`${name}\``, '');
    if (!j.properties || Object.keys(j.properties).length === 0) out.push('Takes no options.', '');
    else out.push(...table(j, prefix));
  }
  return out;
}

export function studyDoc(exampleFile: { name: string; text: string }): string {
  const study = jsonOf(Study);
  const top = { ...study, properties: { ...study.properties } };
  for (const k of ['data', 'model', 'training', 'measures']) delete top.properties?.[k];
  const out: string[] = [
    '# The study file',
    '',
    '<!-- Generated from the schemas by `node scripts/gen-study-doc.mjs` (after `npm run build`); do not edit. -->',
    '',
    'A study file is YAML: `data`, `model` and `training` give the baseline, `measures` the',
    'tricks to test (one arm each), and the top-level keys how they are judged. Every key',
    'below is checked by `tunebook validate`; a key that is not listed is an error that names',
    'the nearest listed key. Defaults apply when a key is left out.',
    '',
    '## Top level',
    '',
    ...table(top, ''),
    '## `data`',
    '',
    ...table(jsonOf(Data), 'data'),
    '## `model`',
    '',
    ...table(jsonOf(Model), 'model'),
    '## `training`',
    '',
    ...table(jsonOf(Training), 'training'),
    ...optionsSection(
      '`data.options` by source',
      'Which options apply depends on what `data.source` names: `mnist`, `synthetic-signals`, a `.csv` or `.npy` file, or else an image folder.',
      SOURCE_KINDS.map((k) => [k, SOURCE_OPTIONS[k]]),
      'data.options',
    ),
    ...optionsSection(
      '`model.options` by model',
      'Which options apply depends on `model.name`.',
      MODEL_NAMES.map((k) => [k, MODEL_OPTIONS[k]]),
      'model.options',
    ),
    ...optionsSection(
      '`training.optimizer` by name',
      'Each optimiser takes only its own options (Adam takes no `momentum`).',
      OPTIMIZER_NAMES.map((k) => [k, OPTIMIZER_OPTIONS[k]]),
      'training.optimizer',
    ),
    ...optionsSection(
      '`training.schedule` by name',
      'Each schedule takes `per`, `warmup` and its own options; lengths count epochs, or steps with `per: step`.',
      SCHEDULE_NAMES.map((k) => [k, SCHEDULE_OPTIONS[k]]),
      'training.schedule',
    ),
    '## Transforms (`training.augment`, the `augment` measure)',
    '',
    'A list of one-key mappings, `- name: {options}`; a bare value stands for the option marked',
    'as shorthand. `randomApply: {p, transforms}` and `compose: [...]` nest lists.',
    '',
    '| transform | options | shorthand |',
    '| --- | --- | --- |',
    ...Object.entries(TRANSFORMS).map(
      ([name, e]) =>
        `| \`${name}\` | ${e.keys.map((k) => `\`${k}\``).join(', ') || '—'} | ${e.shorthand ? `\`${e.shorthand}\`` : '—'} |`,
    ),
    '',
    '## `measures`',
    '',
    'A list; each measure is one of these keys (plus an optional `label`), switching on one',
    'setting for its arm, all else equal.',
    '',
    '| measure | changes | value |',
    '| --- | --- | --- |',
    ...MEASURE_KINDS.map((kind) => {
      const s = MEASURES[kind].setting;
      const changes =
        'paths' in s
          ? 'the setting paths it names'
          : `\`${s.path}\`${'merge' in s ? ' (merged)' : ''}`;
      // The value takes the form of the setting it changes, documented above.
      const value =
        'paths' in s
          ? 'mapping of setting paths (`training.batchSize`) to values'
          : 'merge' in s
            ? `the keys of \`${s.path}\` to change`
            : `as \`${s.path}\``;
      return `| \`${kind}\` | ${changes} | ${value} |`;
    }),
    '',
    'A measure may give a list where it takes one value, and becomes one arm per value, labelled',
    'by the value (a sweep): `dropout: { rate: [0.1, 0.3, 0.5], where: head }`,',
    '`lrSchedule: { name: step, stepSize: 8, gamma: [0.2, 0.4, 0.6] }`, `classWeights: [balanced,',
    'effective]`, `extraDense: [[128], [256, 128]]`. A list the measure takes as one value is not',
    'a sweep (`extraDense: [256, 128]` is two layers). Each value is checked like a single one.',
    '`confirm: true` beside a sweep reruns its best value at fresh seeds once every value is',
    "decided; that arm's verdict is the sweep's (picking the best of several is biased upward).",
    '',
    `## Example (\`${exampleFile.name}\`)`,
    '',
    '```yaml',
    exampleFile.text.trimEnd(),
    '```',
    '',
  ];
  return out.join('\n');
}
