// Issue 22: what a repository command can do inside the real sandbox (the bwrap `npm install` shipped, or the
// system's): no power as root, no secret from the worker's environment, no socket, no hidden folder through a
// node_modules link. Each case fails without its defence (see SECURITY.md).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bwrapAvailability, inRunSandbox, withSandboxPolicy } from '../../activities/sandbox';
import { setPassedEnv } from '../../activities/sandbox/child-env';
import { runShell } from '../../activities/test-runs/run-shell';
import { bwrapArgs, flotillaModules } from '../../activities/sandbox/wrap';
import { spawnSync } from 'node:child_process';

const bwrap = bwrapAvailability();
if (!bwrap.ok)
  console.warn(`sandbox-isolation.test.ts: bubblewrap is not available (${bwrap.reason}); run npm install`);
// Not skipped without bubblewrap: `npm install` ships it, so its absence is a failure here.

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-isolation-')));
const sh = async (command: string, cwd: string) => {
  const log = path.join(root, 'logs', `${Math.random().toString(36).slice(2)}.log`);
  const r = await withSandboxPolicy({ mode: 'required', network: false, hide: [path.join(root, 'worktrees')] }, () =>
    runShell(command, cwd, log),
  );
  return { ...r, out: fs.readFileSync(log, 'utf8') };
};

describe('the sandbox, for real (issue 22)', () => {
  const wt = path.join(root, 'worktrees', 'run-1', 'TASK-1');
  beforeAll(() => fs.mkdirSync(wt, { recursive: true }));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is there: npm install shipped a working bwrap', () => {
    expect(bwrap).toMatchObject({ ok: true });
  });

  it('gives a root worker no power inside: nobody, no capability, mount and umount refused, no nested user namespace', async () => {
    const r = await sh(
      'id -u; grep CapEff /proc/self/status; cat /proc/self/uid_map; ' +
        'mount -t tmpfs none /mnt && echo MOUNTED; umount -l /tmp && echo UNMOUNTED; mount -o remount,rw,bind / && echo REMOUNTED; ' +
        '(unshare -U -r true 2>/dev/null || unshare --user --map-root-user true 2>/dev/null) && echo NESTED; true',
      wt,
    );
    const shadow = await sh('cat /etc/shadow /etc/gshadow 2>&1 | head -c 200; echo; echo END', wt);
    expect(shadow.out).not.toMatch(/^root:/m);
    if (process.getuid?.() !== 0)
      console.warn('the worker is not root here: the test still checks that the sandbox has no capability');
    expect(r.out).toMatch(/^65534$/m);
    expect(r.out).toMatch(/^CapEff:\s+0+$/m);
    expect(r.out).not.toMatch(/^(MOUNTED|UNMOUNTED|REMOUNTED|NESTED)$/m);
  });

  it('works the same for an unprivileged worker: read-only root, its own PID namespace, every namespace unshared', () => {
    if (process.getuid?.() !== 0) return; // already unprivileged: the tests above are that case
    const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-nobody-')));
    fs.chmodSync(cwd, 0o777);
    try {
      // The worker here would be nobody, with its own PATH (root's names toolchains under /root that nobody cannot read).
      const savedPath = process.env.PATH;
      process.env.PATH = '/usr/local/bin:/usr/bin:/bin';
      const args = bwrapArgs({
        command:
          'id -u; echo PID $$; grep CapEff /proc/self/status; touch /usr/x 2>/dev/null || echo RO-ROOT; touch ok && echo WT-WRITABLE; ls /proc | grep -c "^[0-9]"',
        cwd,
        network: false,
      });
      process.env.PATH = savedPath;
      const r = spawnSync(
        'setpriv',
        ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--', (bwrap as { path: string }).path, ...args],
        { encoding: 'utf8', cwd: '/' },
      );
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^65534\nPID [12]\nCapEff:\s+0+\nRO-ROOT\nWT-WRITABLE\n[1-5]\n$/);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('hands down no secret and no socket from the worker environment; --pass-env names what it should', async () => {
    const secrets: Record<string, string> = {
      DATABASE_URL: 'postgres://app:hunter2-db@db.internal:5432/app',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE22ISSUE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-issue-22',
      DEPLOY_KEY: 'deploy-key-issue-22',
      SSH_PRIVATE_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----issue22',
      MYSQL_PWD: 'mysql-pwd-issue-22',
      SENTRY_DSN: 'https://public-issue22@sentry.example/1',
      SSH_AUTH_SOCK: '/run/user/0/ssh-agent.sock',
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/0/bus',
      ANTHROPIC_API_KEY: 'sk-ant-api03-issue22issue22issue22issue22',
      NPM_CONFIG_REGISTRY: 'https://registry.example/',
      // Named with --pass-env, but its value holds a key: still not handed down.
      MY_TOOL_CONFIG: 'key=sk-ant-api03-namedbutkeyshapedissue22xx',
      LC_ALL: 'C.UTF-8',
    };
    const before = { ...process.env };
    Object.assign(process.env, secrets);
    setPassedEnv(['NPM_CONFIG_REGISTRY', 'ANTHROPIC_API_KEY', 'MY_TOOL_CONFIG']);
    try {
      const r = await sh('env; echo "RUN:"; ls -A /run | wc -l', wt);
      for (const [name, value] of Object.entries(secrets).filter(
        ([n]) => !['NPM_CONFIG_REGISTRY', 'LC_ALL'].includes(n),
      )) {
        expect({ name, handedDown: r.out.includes(value) || new RegExp(`^${name}=`, 'm').test(r.out) }).toEqual({
          name,
          handedDown: false,
        });
      }
      // Named with --pass-env (the model key never, even when named); the allow-list's locale and CI variables.
      expect(r.out).toContain('NPM_CONFIG_REGISTRY=https://registry.example/');
      expect(r.out).toMatch(/^LC_ALL=C\.UTF-8$/m);
      expect(r.out).toMatch(/^PATH=/m);
      expect(r.out).toMatch(/^CI=true$/m);
      // /run (the agents' sockets) is an empty folder inside.
      expect(r.out).toMatch(/RUN:\n0\n/);
    } finally {
      setPassedEnv([]);
      for (const k of Object.keys(secrets))
        if (before[k] === undefined) delete process.env[k];
        else process.env[k] = before[k];
    }
  });
});

describe('node_modules links cannot add a mount (issue 22)', () => {
  const worktreeRoot = path.join(root, 'wts');
  const repo = path.join(root, 'repo');
  const runId = 'run-links';
  const integration = path.join(worktreeRoot, runId, '_integration');
  const task = path.join(worktreeRoot, runId, 'TASK-1');
  const otherRun = path.join(worktreeRoot, 'other-run', 'TASK-9');
  const home = fs.mkdtempSync(path.join(os.homedir(), '.flotilla-isolation-home-'));
  const run = (command: string, cwd = task) =>
    inRunSandbox({ repoPath: repo, runId }, worktreeRoot, () =>
      runShell(command, cwd, path.join(root, 'logs', `${Math.random().toString(36).slice(2)}.log`)),
    ).then((r) => ({
      ...r,
      out: fs.readFileSync(r.logPath, 'utf8'),
    }));
  beforeAll(() => {
    for (const d of [repo, path.join(integration, 'node_modules', 'dep'), task, otherRun])
      fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(integration, 'node_modules', 'dep', 'index.js'), 'SHARED-DEPENDENCY\n');
    fs.writeFileSync(path.join(otherRun, 'secret.txt'), 'OTHER-RUN-SECRET\n');
    fs.writeFileSync(path.join(home, 'secret.txt'), 'HOME-SECRET\n');
    // A record asking for required: the sandbox must be there.
    fs.mkdirSync(path.join(repo, '.flotilla', 'runs', runId), { recursive: true });
    fs.writeFileSync(
      path.join(repo, '.flotilla', 'runs', runId, 'sandbox.json'),
      JSON.stringify({ mode: 'required', network: false, sandboxed: true, detail: '' }),
    );
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('mounts the dependencies Flotilla chose; a command that repoints the link reads nothing through it next time', async () => {
    expect((await run('cat node_modules/dep/index.js')).out).toContain('SHARED-DEPENDENCY');
    for (const target of [home, otherRun]) {
      await run(`rm -rf node_modules; ln -s ${target} node_modules; ls node_modules`);
      const r = await run('cat node_modules/secret.txt; cat node_modules/dep/index.js');
      expect(r.out).not.toMatch(/HOME-SECRET|OTHER-RUN-SECRET/);
      expect(r.out).toContain('SHARED-DEPENDENCY');
      expect(fs.readlinkSync(path.join(task, 'node_modules'))).toBe(
        fs.realpathSync(path.join(integration, 'node_modules')),
      );
    }
  });

  it('a committed node_modules link (to another run, to $HOME) is replaced before the first command', async () => {
    for (const target of [otherRun, home]) {
      fs.rmSync(path.join(task, 'node_modules'), { recursive: true, force: true });
      fs.symlinkSync(target, path.join(task, 'node_modules'));
      const r = await run('cat node_modules/secret.txt; cat node_modules/dep/index.js');
      expect(r.out).not.toMatch(/HOME-SECRET|OTHER-RUN-SECRET/);
      expect(r.out).toContain('SHARED-DEPENDENCY');
    }
  });

  it('the run worktree whose install made node_modules a link to a hidden folder gives no task that folder', async () => {
    const real = path.join(integration, 'node_modules');
    const kept = path.join(integration, 'kept');
    fs.renameSync(real, kept);
    fs.symlinkSync(home, real);
    // The task's link as worktrees.ts makes it: to the run worktree's node_modules.
    fs.rmSync(path.join(task, 'node_modules'), { recursive: true, force: true });
    fs.symlinkSync(real, path.join(task, 'node_modules'));
    try {
      const r = await run('cat node_modules/secret.txt; echo done');
      expect(r.out).toContain('done');
      expect(r.out).not.toMatch(/HOME-SECRET|OTHER-RUN-SECRET/);
    } finally {
      fs.rmSync(real);
      fs.renameSync(kept, real);
    }
  });

  it("the repository's own node_modules link (the demo's, to Flotilla's) is used, mounted even from a hidden folder; one to anything else is not", async () => {
    const tool = path.join(home, 'flotilla', 'node_modules', 'tsx');
    fs.mkdirSync(tool, { recursive: true });
    fs.writeFileSync(path.join(tool, 'index.js'), 'FLOTILLA-OWN-DEPENDENCY\n');
    fs.symlinkSync(path.dirname(tool), path.join(repo, 'node_modules'));
    try {
      const r = await run('cat node_modules/tsx/index.js; cat node_modules/secret.txt; echo done');
      expect(r.out).toContain('FLOTILLA-OWN-DEPENDENCY');
      fs.rmSync(path.join(repo, 'node_modules'));
      fs.symlinkSync(home, path.join(repo, 'node_modules'));
      const r2 = await run('cat node_modules/secret.txt; cat node_modules/dep/index.js; echo done');
      expect(r2.out).not.toContain('HOME-SECRET');
      expect(r2.out).toContain('SHARED-DEPENDENCY');
    } finally {
      fs.rmSync(path.join(repo, 'node_modules'), { force: true });
    }
  });
});

describe('toolchains in a hidden folder (pyenv, nvm, cargo under $HOME)', () => {
  const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-home-')));
  const wt = path.join(root, 'worktrees', 'run-2', 'TASK-1');
  const savedPath = process.env.PATH;
  beforeAll(() => {
    fs.mkdirSync(wt, { recursive: true });
    // A pyenv-like toolchain: a shim that runs a program elsewhere in its own dot-folder.
    fs.mkdirSync(path.join(home, '.faketool', 'shims'), { recursive: true });
    fs.mkdirSync(path.join(home, '.faketool', 'libexec'), { recursive: true });
    fs.writeFileSync(path.join(home, '.faketool', 'libexec', 'real'), '#!/bin/sh\necho TOOL-RAN\n', { mode: 0o755 });
    fs.writeFileSync(
      path.join(home, '.faketool', 'shims', 'faketool'),
      `#!/bin/sh\nexec ${path.join(home, '.faketool', 'libexec', 'real')}\n`,
      { mode: 0o755 },
    );
    fs.mkdirSync(path.join(home, '.ssh', 'bin'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'PRIVATE-KEY');
    fs.writeFileSync(path.join(home, 'notes.txt'), 'HOME-SECRET');
    process.env.PATH = [path.join(home, '.faketool', 'shims'), path.join(home, '.ssh', 'bin'), home, savedPath].join(
      path.delimiter,
    );
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('a tool on PATH under a hidden home runs, read-only; the rest of that home stays hidden', async () => {
    const r = await withSandboxPolicy(
      { mode: 'required', network: false, hide: [path.join(root, 'worktrees'), home] },
      async () => {
        const log = path.join(root, 'logs', 'toolchain.log');
        await runShell(
          `faketool; cat ${home}/.ssh/id_ed25519 ${home}/notes.txt 2>/dev/null; touch ${home}/.faketool/x 2>/dev/null && echo WROTE; true`,
          wt,
          log,
        );
        return fs.readFileSync(log, 'utf8');
      },
    );
    expect(r).toMatch(/TOOL-RAN/);
    expect(r).not.toMatch(/^(PRIVATE-KEY|HOME-SECRET|WROTE)$/m);
  });
});

describe("Flotilla's own dependencies in a hidden folder (a checkout under a home or /tmp)", () => {
  it('are mounted read-only, so the check tool finds typescript and a linked repository its runner', () => {
    const own = flotillaModules()!;
    const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-own-')));
    try {
      const args = bwrapArgs({ command: 'true', cwd, network: false, hide: [path.dirname(own)] });
      const at = args.findIndex((a, i) => a === '--ro-bind' && args[i + 1] === own && args[i + 2] === own);
      expect(at).toBeGreaterThan(args.indexOf('--tmpfs'));
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
