import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cache, memoize, createCache } from '../src/cache';

test('get returns a stored value and counts a hit', () => {
  const c = new Cache();
  c.set('a', 1);
  assert.equal(c.get('a'), 1);
  assert.equal(c.hits, 1);
});

test('get on a missing key returns undefined and counts a miss', () => {
  const c = new Cache();
  assert.equal(c.get('nope'), undefined);
  assert.equal(c.misses, 1);
});

test('entries expire once the ttl has passed', async () => {
  const c = new Cache(5);
  c.set('a', 1);
  await sleep(20);
  assert.equal(c.get('a'), undefined);
});

test('createCache returns a working Cache with the default ttl', () => {
  const c = createCache();
  assert.ok(c instanceof Cache);
  c.set('k', 'v');
  assert.equal(c.has('k'), true);
  assert.equal(c.has('other'), false);
  assert.equal(c.size(), 1);
});

test('memoize calls the wrapped function once per argument list', () => {
  let calls = 0;
  const square = memoize((n: number) => {
    calls++;
    return n * n;
  });
  assert.equal(square(4), 16);
  assert.equal(square(4), 16);
  assert.equal(calls, 1);
});
