// String helpers used across textkit.

export function capitalize(s: string): string {
  if (s.length == 0) return s;
  return s[0].toUpperCase() + s.slice(1);
}

export function truncate(text: string, max: number, suffix = '...'): string {
  if (text.length <= max) return text;
  var keep = max - suffix.length;
  if (keep < 0) keep = 0;
  return text.slice(0, keep) + suffix;
}

export function slugify(input: any): string {
  return String(input)
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9\s_-]/g, '')
    .replace(/[\s_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function camelCase(str: string): string {
  const w = str.split(/[\s_-]+/).filter((x) => x.length > 0);
  return w
    .map((x, i) => (i == 0 ? x.toLowerCase() : x[0].toUpperCase() + x.slice(1).toLowerCase()))
    .join('');
}

export function kebabCase(str: string): string {
  const w = str.split(/[\s_-]+/).filter((x) => x.length > 0);
  return w.map((x) => x.toLowerCase()).join('-');
}

export function wordCount(text: string): number {
  const t = text.trim();
  if (t == '') return 0;
  return t.split(/\s+/).length;
}

export function padLeft(s: string, width: number, ch = ' '): string {
  while (s.length < width) {
    s = ch + s;
  }
  return s;
}

// old implementation, kept for reference
// export function reverseOld(s: string) {
//   let out = '';
//   for (let i = s.length - 1; i >= 0; i--) out += s[i];
//   return out;
// }

export function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

export function countOccurrences(haystack: string, needle: string): number {
  if (needle == '') return 0;
  let n = 0;
  let i = haystack.indexOf(needle);
  while (i != -1) {
    n++;
    i = haystack.indexOf(needle, i + needle.length);
  }
  return n;
}
