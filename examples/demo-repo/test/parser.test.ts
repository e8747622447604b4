import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeyValue, parseQuery, parseCSVLine, parseBoolean, parseList, parseDuration } from '../src/parser';

test('parseKeyValue reads key=value pairs and skips comments and blank lines', () => {
  const text = '# settings\nname = textkit\n\nport=8080\nbroken line\n';
  assert.deepEqual(parseKeyValue(text), { name: 'textkit', port: '8080' });
});

test('parseKeyValue keeps "=" characters inside values', () => {
  assert.deepEqual(parseKeyValue('url=https://x.test/?a=b'), { url: 'https://x.test/?a=b' });
});

test('parseQuery decodes percent-encoded keys and values', () => {
  assert.deepEqual(parseQuery('?name=J%20Doe&x=1&empty'), { name: 'J Doe', x: '1', empty: '' });
  assert.deepEqual(parseQuery(''), {});
});

test('parseCSVLine handles quoted fields, embedded commas and escaped quotes', () => {
  assert.deepEqual(parseCSVLine('a,"b,c","say ""hi""",'), ['a', 'b,c', 'say "hi"', '']);
  assert.deepEqual(parseCSVLine('one'), ['one']);
});

test('parseBoolean accepts the common truthy spellings only', () => {
  assert.equal(parseBoolean('true'), true);
  assert.equal(parseBoolean('yes'), true);
  assert.equal(parseBoolean('1'), true);
  assert.equal(parseBoolean(true), true);
  assert.equal(parseBoolean('no'), false);
  assert.equal(parseBoolean('false'), false);
});

test('parseList splits, trims and drops empty entries', () => {
  assert.deepEqual(parseList('a, b,,c '), ['a', 'b', 'c']);
  assert.deepEqual(parseList('x | y', '|'), ['x', 'y']);
});

test('parseDuration converts units to milliseconds and rejects unknown formats', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('3m'), 180000);
  assert.equal(parseDuration('1h'), 3600000);
  assert.throws(() => parseDuration('5 days'), /bad duration/);
});
