/**
 * HTML built by a tagged template that escapes every interpolated value unless it is marked
 * `SafeHtml`, so a study name or note containing `<script>` can only ever show as text: the
 * safe path is the short one, and raw markup has to be asked for by name.
 *
 * @example
 *   html`<td>${arm.label}</td>`;             // label escaped
 *   html`<figure>${raw(svg)}</figure>`;     // server-rendered SVG, trusted
 */

/** Markup that is already safe to insert as it is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text made safe for element content and quoted attribute values.
 *
 * @example
 *   escapeHtml('<b>"x"</b>'); // '&lt;b&gt;&quot;x&quot;&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * Marks trusted markup (our own templates, Vega's SVG) for insertion without escaping.
 *
 * @example
 *   raw('<br>');
 */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}

function piece(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(piece).join('');
  return escapeHtml(String(value));
}

/**
 * The template tag: strings are kept, values escaped (arrays joined, null/undefined/false
 * dropped, SafeHtml kept as it is).
 *
 * @example
 *   html`<ul>${names.map((n) => html`<li>${n}</li>`)}</ul>`;
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}
