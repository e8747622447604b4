import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isEmail,
  isURL,
  isStrongPassword,
  isUsername,
  isPort,
  validateUser,
  isHexColor,
  isBlank,
} from '../src/validate';

test('isEmail accepts simple addresses and rejects malformed ones', () => {
  assert.equal(isEmail('ada@example.com'), true);
  assert.equal(isEmail('ada@example'), false);
  assert.equal(isEmail('ada example.com'), false);
});

test('isURL accepts absolute URLs only', () => {
  assert.equal(isURL('https://example.com/path'), true);
  assert.equal(isURL('/relative/path'), false);
});

test('isStrongPassword requires length, upper case, lower case and a digit', () => {
  assert.equal(isStrongPassword('Abcdefg1'), true);
  assert.equal(isStrongPassword('Abc1'), false);
  assert.equal(isStrongPassword('abcdefg1'), false);
  assert.equal(isStrongPassword('ABCDEFGH1'), false);
});

test('isUsername enforces 3-20 word characters', () => {
  assert.equal(isUsername('ada_99'), true);
  assert.equal(isUsername('ab'), false);
  assert.equal(isUsername('a'.repeat(21)), false);
  assert.equal(isUsername('no spaces'), false);
});

test('isPort accepts integers from 1 to 65535', () => {
  assert.equal(isPort(80), true);
  assert.equal(isPort('8080'), true);
  assert.equal(isPort(0), false);
  assert.equal(isPort(70000), false);
  assert.equal(isPort('abc'), false);
});

test('validateUser collects every validation error', () => {
  assert.deepEqual(validateUser({ name: 'x', email: 'bad' }), ['invalid name', 'invalid email']);
  assert.deepEqual(validateUser({ name: 'ada', email: 'ada@example.com', password: 'short' }), ['weak password']);
  assert.deepEqual(validateUser({ name: 'ada', email: 'ada@example.com', password: 'Abcdefg1' }), []);
});

test('isHexColor and isBlank recognise their inputs', () => {
  assert.equal(isHexColor('#fff'), true);
  assert.equal(isHexColor('#A0b1C2'), true);
  assert.equal(isHexColor('fff'), false);
  assert.equal(isBlank('   '), true);
  assert.equal(isBlank(undefined), true);
  assert.equal(isBlank(' x '), false);
});
