/**
 * The augmentation setting of a study (`training.augment`, the `augment` measure): a list
 * of transforms, checked by the transform registry itself (each transform's constructor
 * validates its options, as it does for pipeline files and trials), so a misspelt step such
 * as `randomRotaton` or option such as `degreez` is refused by `tunebook validate` with the
 * same message a trial would give.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { int, lineIssue, oneOf, record } from '../../core/validation.js';
import { parsePipeline } from '../../transforms/pipeline-file.js';

export const AUGMENT_MODES = ['online', 'offline', 'both'] as const;

/** `pipeline:3: pipeline[1].randomRotaton: ...` -> `[1].randomRotaton: ...`. */
const PIPELINE_PREFIX = /^[^:]*:\d+: pipeline/;

export const Pipeline = z
  .array(
    z.record(z.string(), z.unknown(), { error: 'a transform like {randomHorizontalFlip: {}}' }),
    { error: 'a list of transforms' },
  )
  .superRefine((list, ctx) => {
    try {
      parsePipeline(stringify({ pipeline: list }), 'pipeline');
    } catch (error) {
      const message = (error as Error).message;
      if (!PIPELINE_PREFIX.test(message)) throw error;
      const tail = message.replace(PIPELINE_PREFIX, '');
      const at = /^\[(\d+)\](.*)$/s.exec(tail);
      // The registry names the step and the option; the schema adds where the list sits.
      if (at) ctx.addIssue({ ...lineIssue([Number(at[1])], ''), params: { tail: at[2] } });
      else ctx.addIssue(lineIssue([], tail.replace(/^: /, '')));
    }
  });

export const Augment = z.union(
  [
    Pipeline.transform((pipeline) => ({ pipeline, mode: 'online' as const, copies: 1 })),
    record({
      pipeline: Pipeline,
      mode: oneOf(AUGMENT_MODES).default('online'),
      copies: int(1, 100).default(1),
    }),
  ],
  { error: 'a transform list or {pipeline, mode, copies}' },
);
