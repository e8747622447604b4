import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  capitalize,
  truncate,
  slugify,
  camelCase,
  kebabCase,
  wordCount,
  padLeft,
  reverse,
  countOccurrences,
} from '../src/strings';

test('capitalize uppercases the first letter and leaves the rest alone', () => {
  assert.equal(capitalize('hello world'), 'Hello world');
  assert.equal(capitalize(''), '');
});

test('truncate returns the text unchanged when it fits exactly', () => {
  assert.equal(truncate('hello', 5), 'hello');
  assert.equal(truncate('hi', 5), 'hi');
});

test('truncate shortens long text and appends the suffix within the limit', () => {
  assert.equal(truncate('hello world', 8), 'hello...');
  assert.equal(truncate('hello world', 6, '~'), 'hello~');
});

test('slugify lowercases and joins words with single dashes', () => {
  assert.equal(slugify('  Hello, World! '), 'hello-world');
  assert.equal(slugify('snake_case  and--dashes'), 'snake-case-and-dashes');
});

test('camelCase and kebabCase convert between word styles', () => {
  assert.equal(camelCase('foo bar_baz'), 'fooBarBaz');
  assert.equal(camelCase('Hello-WORLD'), 'helloWorld');
  assert.equal(kebabCase('Foo Bar_baz'), 'foo-bar-baz');
});

test('wordCount counts whitespace-separated words and treats blank text as zero', () => {
  assert.equal(wordCount('  one two   three '), 3);
  assert.equal(wordCount('   '), 0);
});

test('padLeft pads to the requested width and reverse handles unicode', () => {
  assert.equal(padLeft('7', 3, '0'), '007');
  assert.equal(padLeft('long', 2), 'long');
  assert.equal(reverse('abc'), 'cba');
  assert.equal(reverse('a😀b'), 'b😀a');
});

test('countOccurrences counts non-overlapping matches', () => {
  assert.equal(countOccurrences('aaaa', 'aa'), 2);
  assert.equal(countOccurrences('the cat and the hat', 'the'), 2);
  assert.equal(countOccurrences('abc', ''), 0);
});
