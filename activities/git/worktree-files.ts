import * as fs from 'node:fs';
import * as path from 'node:path';
import { globToRegExp } from '../glob';

/** Folders no agent tool looks into. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/**
 * The repo-relative paths (with `/`) of the regular files under `root`, in a stable order, skipping
 * .git and node_modules. Symlinks are never followed, so nothing outside `root` is listed. Stops after `limit`.
 */
export function listFiles(root: string, limit = 20_000): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= limit) return;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) walk(child);
      } else if (e.isFile()) {
        out.push(child);
      }
    }
  };
  walk('');
  return out;
}

/**
 * A search pattern as a RegExp over repo-relative paths: `*` and `?` stay inside one folder, `**` crosses
 * folders. A pattern without `/` matches the file name at any depth (`*.ts`, `README*`).
 */
export function pathPattern(pattern: string): RegExp {
  const p = pattern.trim().replace(/^\.\//, '').replace(/^\/+/, '');
  return globToRegExp(p.includes('/') ? p : `**/${p}`);
}
