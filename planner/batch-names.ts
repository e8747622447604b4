/** Batch letters: A..Z, then AA, AB, ... */
export function batchLetter(index: number): string {
  let s = '';
  let n = index;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

const PHASE_NAMES: Record<string, string> = {
  low: 'Foundation Tasks',
  medium: 'Core Improvements',
  high: 'High-Risk Changes',
};

export function phaseName(risk: string, isFirstOfRisk: boolean): string {
  const name = PHASE_NAMES[risk] ?? 'Tasks';
  return isFirstOfRisk ? name : `${name} (continued)`;
}

/** Describes a batch by what it does: "docs, types in src/parser, src/lexer". */
export function batchLabel(categories: string[], modules: string[]): string {
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const cats = uniq(categories);
  const mods = uniq(modules);
  const modText = mods.length > 3 ? `${mods.slice(0, 3).join(', ')} and ${mods.length - 3} more` : mods.join(', ');
  return `${cats.join(', ')} in ${modText}`;
}
