import { execFileSync } from 'node:child_process';

/** git in `cwd`, its output as text (throws on failure). */
export const git = (cwd: string, ...a: string[]): string =>
  execFileSync('git', a, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Makes `dir` a repository on `main` with everything in it committed, as `who` <who@localhost>. */
export function commitAll(dir: string, who: string, message: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', `${who.toLowerCase()}@localhost`);
  git(dir, 'config', 'user.name', who);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}
