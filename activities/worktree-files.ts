import * as fs from 'node:fs';
import * as path from 'node:path';

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
 * A glob-ish pattern as a RegExp over repo-relative paths: `*` and `?` stay inside one folder, `**`
 * crosses folders. A pattern without `/` matches the file name at any depth (`*.ts`, `README*`).
 */
export function globToRegExp(pattern: string): RegExp {
  let p = pattern.trim().replace(/^\.\//, '').replace(/^\/+/, '');
  if (!p.includes('/')) p = `**/${p}`;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      const slash = p[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
