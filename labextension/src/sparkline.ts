/**
 * Issue 12: the small request-rate sparkline of a service row, as plain functions (no React) so the path is
 * tested without rendering. Hand-written rather than a charting library: one polyline of at most 60 points
 * in a 80×20 box does not justify a dependency in the extension bundle.
 */
import { IMonitorSample } from './api/types';

export const SPARKLINE_WIDTH = 80;
export const SPARKLINE_HEIGHT = 20;

/**
 * The SVG path (`M x,y L x,y …`) of `values` spread evenly over `width`, the largest at the top and 0 at the
 * bottom (a flat line of zeros sits on the bottom edge); '' for no values. One value is a flat line.
 */
export function sparklinePath(
  values: number[],
  width: number = SPARKLINE_WIDTH,
  height: number = SPARKLINE_HEIGHT
): string {
  const finite = values.map(value =>
    Number.isFinite(value) && value > 0 ? value : 0
  );
  if (finite.length === 0) {
    return '';
  }
  const points = finite.length === 1 ? [finite[0], finite[0]] : finite;
  const top = Math.max(...points);
  const step = width / (points.length - 1);
  const round = (n: number) => Math.round(n * 100) / 100;
  return points
    .map((value, index) => {
      const x = round(index * step);
      const y = round(top > 0 ? height - (value / top) * height : height);
      return `${index === 0 ? 'M' : 'L'}${x},${y}`;
    })
    .join(' ');
}

/** The tooltip of a sparkline: the latest rate, p99 latency and error rate, or why there is nothing. */
export function sparklineTitle(samples: IMonitorSample[]): string {
  const last = samples[samples.length - 1];
  if (!last) {
    return 'No traffic measured yet';
  }
  const p99 = last.p99Ms === null ? '–' : `${last.p99Ms.toFixed(1)} ms`;
  const errors = `${(last.errorRate * 100).toFixed(0)}% errors`;
  return `${last.requestRate.toFixed(2)} req/s · p99 ${p99} · ${errors}`;
}
