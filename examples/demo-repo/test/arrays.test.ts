import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunk, unique, flatten, groupBy, partition, range, zip, sortBy } from '../src/arrays';

test('chunk splits an array into fixed-size groups and rejects a zero size', () => {
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.throws(() => chunk([1], 0), /size must be positive/);
});

test('unique removes duplicates and keeps first-seen order', () => {
  assert.deepEqual(unique([3, 1, 3, 2, 1]), [3, 1, 2]);
  assert.deepEqual(unique(['a', 'b', 'a']), ['a', 'b']);
});

test('flatten flattens exactly one level of nesting', () => {
  assert.deepEqual(flatten([1, [2, 3], 4]), [1, 2, 3, 4]);
});

test('groupBy buckets items by the computed key', () => {
  const groups = groupBy(['apple', 'avocado', 'banana'], (s) => s[0]);
  assert.deepEqual(groups, { a: ['apple', 'avocado'], b: ['banana'] });
});

test('partition splits items by a predicate', () => {
  assert.deepEqual(partition([1, 2, 3, 4], (n) => n % 2 === 0), [[2, 4], [1, 3]]);
});

test('range produces a half-open sequence with an optional step', () => {
  assert.deepEqual(range(0, 5), [0, 1, 2, 3, 4]);
  assert.deepEqual(range(0, 10, 3), [0, 3, 6, 9]);
});

test('zip pairs elements up to the shorter array', () => {
  assert.deepEqual(zip([1, 2, 3], ['a', 'b']), [
    [1, 'a'],
    [2, 'b'],
  ]);
});

test('sortBy orders items by a numeric key', () => {
  const people = [{ age: 40 }, { age: 20 }, { age: 30 }];
  assert.deepEqual(
    sortBy(people, (p) => p.age).map((p) => p.age),
    [20, 30, 40],
  );
});
