/**
 * Issue 12: the sparkline of a service row, as the path and tooltip the SVG is drawn from.
 */
import { IMonitorSample } from '../api/types';
import { sparklinePath, sparklineTitle } from '../sparkline';

function sample(changes: Partial<IMonitorSample> = {}): IMonitorSample {
  return {
    time: 1000,
    requestRate: 1,
    p50Ms: 2,
    p99Ms: 9.5,
    errorRate: 0,
    ...changes
  };
}

describe('sparklinePath', () => {
  it('is empty without values', () => {
    expect(sparklinePath([])).toBe('');
  });

  it('spreads the values over the width, the largest at the top and zero at the bottom', () => {
    expect(sparklinePath([0, 5, 10], 80, 20)).toBe('M0,20 L40,10 L80,0');
  });

  it('draws one value as a flat line across the box', () => {
    expect(sparklinePath([3], 80, 20)).toBe('M0,0 L80,0');
  });

  it('keeps a series of zeros on the bottom edge', () => {
    expect(sparklinePath([0, 0], 10, 20)).toBe('M0,20 L10,20');
  });

  it('treats negative and non-finite values as zero', () => {
    expect(sparklinePath([NaN, -1, 4, Infinity], 30, 10)).toBe(
      'M0,10 L10,10 L20,0 L30,10'
    );
  });

  it('rounds coordinates to two decimals', () => {
    expect(sparklinePath([1, 2, 3, 1], 10, 10)).toBe(
      'M0,6.67 L3.33,3.33 L6.67,0 L10,6.67'
    );
  });
});

describe('sparklineTitle', () => {
  it('says the latest rate, p99 latency and error rate', () => {
    const title = sparklineTitle([
      sample({ requestRate: 99 }),
      sample({ requestRate: 4.5, p99Ms: 12.34, errorRate: 0.25 })
    ]);
    expect(title).toBe('4.50 req/s · p99 12.3 ms · 25% errors');
  });

  it('shows a dash when no request came in between two polls', () => {
    expect(sparklineTitle([sample({ requestRate: 0, p99Ms: null })])).toBe(
      '0.00 req/s · p99 – · 0% errors'
    );
  });

  it('says there is nothing yet without samples', () => {
    expect(sparklineTitle([])).toBe('No traffic measured yet');
  });
});
