import * as path from 'node:path';

/**
 * Normalises a path named in a task to a repo-relative POSIX path, or returns null
 * when it points outside the repository (absolute, or climbing out with "..").
 */
export function repoRelative(p: string): string | null {
  const trimmed = p.trim().replace(/\\/g, '/');
  if (!trimmed || path.posix.isAbsolute(trimmed)) return null;
  const norm = path.posix.normalize(trimmed);
  if (norm === '..' || norm.startsWith('../') || norm === '.') return null;
  return norm.replace(/\/$/, '');
}

/** The module a file belongs to: its top two folders under a source root (src/parser), else its top folder. */
export function moduleOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return '.';
  if (['src', 'lib', 'packages', 'apps'].includes(parts[0]) && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  if (['src', 'lib'].includes(parts[0])) return `${parts[0]}/${parts[1].replace(/\.[^.]+$/, '')}`;
  return parts[0];
}
