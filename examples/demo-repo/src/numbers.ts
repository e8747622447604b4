// Number helpers: rounding, formatting and simple statistics.

export function round(value: number, decimals = 2): number {
  const factor = Math.pow(10, decimals);
  return Math.round(value * factor) / factor;
}

export function clampPercent(p: number): number {
  if (p < 0) return 0;
  if (p > 100) return 100;
  return p;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return bytes + ' B';
  if (bytes < 1048576) return round(bytes / 1024, 1) + ' KB';
  if (bytes < 1073741824) return round(bytes / 1048576, 1) + ' MB';
  return round(bytes / 1073741824, 1) + ' GB';
}

export function sum(values: any[]): number {
  var total = 0;
  for (var i = 0; i < values.length; i++) {
    total += values[i];
  }
  return total;
}

export function average(values: number[]): number {
  if (values.length == 0) return 0;
  return sum(values) / values.length;
}

export function median(values: number[]): number {
  if (values.length < 1) return 0;
  const s = values.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 == 0 ? (s[m - 1] + s[m]) / 2 : s[m];
}

export function isEven(n: number) {
  return n % 2 == 0;
}

export function inRange(n: number, lo: number, hi: number): boolean {
  return n >= lo && n <= hi;
}

export function parsePercent(text: string): number {
  const n = parseFloat(text.replace('%', ''));
  if (isNaN(n)) return 0;
  return clampPercent(n);
}
