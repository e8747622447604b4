import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as textkit from '../src/index';

test('the barrel re-exports the string, number and date helpers', () => {
  assert.equal(textkit.capitalize('abc'), 'Abc');
  assert.equal(textkit.round(1.234, 1), 1.2);
  assert.equal(textkit.isLeapYear(2024), true);
});

test('the barrel re-exports the array, parser and validation helpers', () => {
  assert.deepEqual(textkit.chunk([1, 2, 3], 2), [[1, 2], [3]]);
  assert.deepEqual(textkit.parseList('a,b'), ['a', 'b']);
  assert.equal(textkit.isEmail('ada@example.com'), true);
});

test('the barrel exposes the Cache class and memoize', () => {
  const c = new textkit.Cache();
  c.set('x', 1);
  assert.equal(c.get('x'), 1);
  assert.equal(textkit.memoize((n: number) => n + 1)(1), 2);
});

test('VERSION is a semantic version string', () => {
  assert.match(textkit.VERSION, /^\d+\.\d+\.\d+$/);
});
