import { test } from 'node:test';
import assert from 'node:assert/strict';
import { round, clampPercent, formatBytes, sum, average, median, parsePercent } from '../src/numbers';

test('round defaults to two decimal places', () => {
  assert.equal(round(3.14159), 3.14);
  assert.equal(round(2.5, 0), 3);
  assert.equal(round(1.25, 1), 1.3);
});

test('clampPercent keeps values within 0..100', () => {
  assert.equal(clampPercent(-5), 0);
  assert.equal(clampPercent(150), 100);
  assert.equal(clampPercent(42), 42);
});

test('formatBytes picks a human-readable unit', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(1048576), '1 MB');
  assert.equal(formatBytes(3 * 1073741824), '3 GB');
});

test('sum and average of a list of numbers', () => {
  assert.equal(sum([1, 2, 3]), 6);
  assert.equal(sum([]), 0);
  assert.equal(average([2, 4]), 3);
  assert.equal(average([]), 0);
});

test('median handles odd and even lengths', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), 0);
});

test('parsePercent strips the percent sign and clamps', () => {
  assert.equal(parsePercent('45%'), 45);
  assert.equal(parsePercent('120%'), 100);
  assert.equal(parsePercent('abc'), 0);
});
