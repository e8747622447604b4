import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleGit } from 'simple-git';
import { projectRoot } from './temporal-cli';

const MARKER = 'flotilla-demo';

/**
 * Creates the demo repository at `dir` from examples/demo-repo: a small TypeScript library with its own
 * tests and a backlog of task files, committed on `main`. Its node_modules links to Flotilla's own
 * (the demo's tests only need tsx, which Flotilla ships). A previous demo at `dir` is replaced; any
 * other non-empty folder is refused.
 */
export async function createDemoRepo(dir: string): Promise<void> {
  const template = path.join(projectRoot(), 'examples', 'demo-repo');
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) {
    if (!fs.existsSync(path.join(dir, '.git', MARKER))) {
      throw new Error(`${dir} already exists and is not a Flotilla demo; pass --dir with a new folder.`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(template, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
  fs.symlinkSync(path.join(projectRoot(), 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const git = simpleGit({ baseDir: dir, config: ['user.name=Flotilla Demo', 'user.email=demo@flotilla.local'] });
  await git.init(['--initial-branch=main']);
  fs.writeFileSync(path.join(dir, '.git', MARKER), 'created by flotilla demo\n');
  await git.add('.');
  await git.commit('Initial commit: textkit library and its task backlog');
}
