/**
 * Augmentation arms: a grid of real samples of the study's data and augmented draws of the
 * arm's pipeline. The grids are made by the caller (`ReportOptions.previews`), which may
 * load the data source; the report layer only reads the store. Where the source is gone
 * (moved folder, another machine), the report says so instead of failing.
 *
 * @example
 *   await previewSection(view, options.previews);
 */
import type { ArmRow } from '../../lab/store/store.js';
import { html, type SafeHtml } from '../html.js';
import type { StudyView } from '../study-view.js';

/** A preview grid as PNG bytes, or why there is none. */
export type Preview =
  | { png: Uint8Array; width: number; height: number; caption: string }
  | { unavailable: string };

/** Makes the preview of one augmentation arm. */
export type PreviewMaker = (arm: ArmRow, view: StudyView) => Promise<Preview>;

/** Arms that augment their training data (the augment measure, or a stack containing it). */
export function augmentationArms(view: StudyView): ArmRow[] {
  return view.arms.filter((a) => {
    const training = (a.config as { training?: { augment?: unknown } } | null)?.training;
    return a.key !== 'baseline' && training?.augment !== undefined && training.augment !== null;
  });
}

export async function previewSection(
  view: StudyView,
  make: PreviewMaker | undefined,
): Promise<SafeHtml> {
  const arms = augmentationArms(view);
  if (arms.length === 0) return html``;
  const items = await Promise.all(
    arms.map(async (arm) => {
      let preview: Preview;
      try {
        preview = make
          ? await make(arm, view)
          : { unavailable: 'previews were not made for this report' };
      } catch (error) {
        preview = { unavailable: (error as Error).message };
      }
      if ('unavailable' in preview) {
        return html`<figure class="preview" data-arm="${arm.key}"><h3>${arm.label}</h3><p class="note">No preview: ${preview.unavailable}</p></figure>`;
      }
      const uri = `data:image/png;base64,${Buffer.from(preview.png).toString('base64')}`;
      return html`<figure class="preview" data-arm="${arm.key}"><h3>${arm.label}</h3><img class="preview" src="${uri}" width="${preview.width}" height="${preview.height}" alt="augmented samples of ${arm.label}"><figcaption>${preview.caption}</figcaption></figure>`;
    }),
  );
  return html`<section id="augmentation"><h2>Augmentation previews</h2>
<p class="note">Real samples of the study's data: each row starts with the original, followed by what the arm's augmentation pipeline made of it in successive epochs.</p>
${items}</section>`;
}
