/**
 * How long a layer's bar is. Sizes in one image span from 0 bytes (ENV, LABEL) to hundreds of MB,
 * so bars follow the square root of the size: a 1 MB layer next to a 400 MB one is still seen
 * (5% rather than 0.25%), and every layer, even an empty one, gets a sliver.
 */
export const MIN_BAR_PERCENT = 1.5;

export function barPercent(size: number, largest: number): number {
  if (!(largest > 0) || !(size > 0)) return MIN_BAR_PERCENT;
  const percent = (Math.sqrt(Math.min(size, largest)) / Math.sqrt(largest)) * 100;
  return Math.max(MIN_BAR_PERCENT, Math.min(100, percent));
}

export const SCALE_NOTE = 'Bar lengths follow the square root of each layer’s size, so small layers stay visible; empty layers show as a sliver.';

/** Share of the whole image, for "adds 12%": rounded, but never a misleading 0% for something that is there. */
export function sharePercent(size: number, total: number): string {
  if (!(total > 0) || size <= 0) return '0%';
  const share = (size / total) * 100;
  return share < 1 ? '<1%' : `${Math.round(share)}%`;
}
