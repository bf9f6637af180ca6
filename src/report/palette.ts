/**
 * Colours of every plot and page: the Okabe-Ito palette (distinguishable with the common
 * colour-vision deficiencies, and in greyscale print by lightness), and one fixed colour per
 * verdict so a verdict looks the same in the table, the forest plot and the notebook.
 *
 * @example
 *   VERDICT_COLOURS.effective; // '#009E73'
 */

/** Okabe & Ito (2008), black swapped for grey so it reads on dark backgrounds too. */
export const OKABE_ITO = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#56B4E9',
  '#CC79A7',
  '#F0E442',
  '#999999',
] as const;

export const VERDICT_COLOURS = {
  effective: '#009E73',
  unstable: '#E69F00',
  ineffective: '#999999',
  harmful: '#D55E00',
} as const;

/** Shapes back the colours up, for print in black and white and for any colour vision. */
export const VERDICT_SHAPES = {
  effective: 'triangle-up',
  unstable: 'diamond',
  ineffective: 'circle',
  harmful: 'triangle-down',
} as const;

export const VERDICT_ORDER = ['effective', 'unstable', 'ineffective', 'harmful'] as const;

/** The arm a figure is about, and the baseline drawn beside it. */
export const ARM_COLOUR = OKABE_ITO[0];
export const BASELINE_COLOUR = OKABE_ITO[1];

/** Train / validation / test, wherever splits are compared. */
export const SPLIT_COLOURS = [OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]] as const;
