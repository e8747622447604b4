// Array helpers. None of them mutate their input (or so the README claims).

export function chunk<T>(arr: T[], size: number): T[][] {
  if (size <= 0) throw new Error('size must be positive');
  const out: T[][] = [];
  for (let i = 0; i < arr.length; i += size) {
    out.push(arr.slice(i, i + size));
  }
  return out;
}

export function unique(arr: any[]): any[] {
  const out: any[] = [];
  for (const x of arr) {
    if (out.indexOf(x) == -1) out.push(x);
  }
  return out;
}

export function flatten<T>(arr: (T | T[])[]): T[] {
  const out: T[] = [];
  for (const x of arr) {
    if (Array.isArray(x)) out.push(...x);
    else out.push(x);
  }
  return out;
}

export function groupBy<T>(arr: T[], fn: (x: T) => string): Record<string, T[]> {
  const res: Record<string, T[]> = {};
  for (const x of arr) {
    const k = fn(x);
    if (!res[k]) res[k] = [];
    res[k].push(x);
  }
  return res;
}

export function partition<T>(arr: T[], pred: (x: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of arr) {
    if (pred(x)) yes.push(x);
    else no.push(x);
  }
  return [yes, no];
}

export function last<T>(arr: T[]): T | undefined {
  return arr.length > 0 ? arr[arr.length - 1] : undefined;
}

export function range(start: number, end: number, step = 1): number[] {
  const r = [];
  for (let i = start; i < end; i += step) r.push(i);
  return r;
}

export function zip(a: any[], b: any[]) {
  const n = Math.min(a.length, b.length);
  const out = [];
  for (let i = 0; i < n; i++) out.push([a[i], b[i]]);
  return out;
}

export function sortBy<T>(arr: T[], key: (x: T) => number): T[] {
  return arr.sort((x, y) => key(x) - key(y));
}
