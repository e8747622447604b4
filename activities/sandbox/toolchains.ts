import * as fs from 'node:fs';
import * as path from 'node:path';

/** Folders under a home that hold credentials or a user's private data: never mounted back, whatever PATH says. */
const PRIVATE = new Set([
  '.ssh',
  '.aws',
  '.gnupg',
  '.config',
  '.docker',
  '.kube',
  '.azure',
  '.gcloud',
  '.netrc',
  '.password-store',
  '.npmrc',
  '.pypirc',
]);

/** Toolchains that need a sibling folder to run (cargo's binaries are rustup's proxies). */
const COMPANIONS: Record<string, string[]> = { '.cargo': ['.rustup'] };

const realDir = (p: string): string | null => {
  try {
    const r = fs.realpathSync(p);
    return fs.statSync(r).isDirectory() ? r : null;
  } catch {
    return null;
  }
};

/**
 * The toolchains on PATH that live in a folder the sandbox hides (a home): pyenv's shims, nvm's node, cargo, a
 * user's ~/bin. A repository's tests need them (`python3` is a pyenv shim on many machines), so they come back
 * read-only: for a PATH entry inside a dot-folder of the hidden folder (`~/.pyenv/shims`), that whole dot-folder
 * (pyenv's shims run ~/.pyenv/libexec and read ~/.pyenv/versions) and its companions (`~/.rustup` for `~/.cargo`);
 * for any other entry (`~/bin`, `~/.local/bin`), the entry alone. Folders that hold credentials (`.ssh`, `.aws`,
 * `.config`, …) never come back, nor does a hidden folder itself (`PATH=$HOME` mounts nothing).
 */
export function hiddenToolchains(pathVar: string | undefined, hiddenRoot: (p: string) => string | undefined): string[] {
  const out = new Set<string>();
  for (const entry of (pathVar ?? '').split(path.delimiter)) {
    if (!path.isAbsolute(entry)) continue;
    const dir = realDir(entry);
    if (!dir) continue;
    const root = hiddenRoot(dir);
    if (!root || dir === root) continue;
    const parts = path.relative(root, dir).split(path.sep);
    if (parts.some((p) => PRIVATE.has(p))) continue;
    const top = parts[0];
    if (top.startsWith('.') && top !== '.local' && parts.length > 1) {
      out.add(path.join(root, top));
      for (const c of COMPANIONS[top] ?? []) {
        const companion = realDir(path.join(root, c));
        if (companion) out.add(companion);
      }
    } else out.add(dir);
  }
  return [...out];
}
