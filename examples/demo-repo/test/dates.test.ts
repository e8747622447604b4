import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays,
  isLeapYear,
  daysInMonth,
  diffInDays,
  formatISODate,
  parseISODate,
  isWeekend,
  startOfDay,
} from '../src/dates';

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

test('addDays moves the date forward across a month boundary', () => {
  assert.equal(formatISODate(addDays(utc(2024, 1, 30), 3)), '2024-02-02');
  assert.equal(formatISODate(addDays(utc(2024, 3, 1), -1)), '2024-02-29');
});

test('isLeapYear follows the Gregorian rules', () => {
  assert.equal(isLeapYear(2024), true);
  assert.equal(isLeapYear(2023), false);
  assert.equal(isLeapYear(1900), false);
  assert.equal(isLeapYear(2000), true);
});

test('daysInMonth accounts for leap years', () => {
  assert.equal(daysInMonth(2024, 2), 29);
  assert.equal(daysInMonth(2023, 2), 28);
  assert.equal(daysInMonth(2023, 4), 30);
  assert.equal(daysInMonth(2023, 12), 31);
});

test('diffInDays counts whole days between two dates', () => {
  assert.equal(diffInDays(utc(2024, 1, 1), utc(2024, 3, 1)), 60);
  assert.equal(diffInDays(utc(2024, 3, 1), utc(2024, 1, 1)), -60);
});

test('parseISODate round-trips valid dates and returns null for garbage', () => {
  const d = parseISODate('2024-05-06');
  assert.ok(d);
  assert.equal(formatISODate(d), '2024-05-06');
  assert.equal(parseISODate('not a date'), null);
  assert.equal(parseISODate('2024-5-6'), null);
});

test('isWeekend detects Saturday and Sunday', () => {
  assert.equal(isWeekend(utc(2024, 6, 1)), true);
  assert.equal(isWeekend(utc(2024, 6, 2)), true);
  assert.equal(isWeekend(utc(2024, 6, 3)), false);
});

test('startOfDay truncates a timestamp to midnight UTC', () => {
  assert.equal(startOfDay('2024-06-01T15:30:00Z').toISOString(), '2024-06-01T00:00:00.000Z');
  assert.equal(startOfDay(utc(2024, 6, 1)).toISOString(), '2024-06-01T00:00:00.000Z');
});
