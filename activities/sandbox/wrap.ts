import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ISOLATION_ARGS } from './bwrap-path';
import { hiddenToolchains } from './toolchains';

/** The node_modules folder Flotilla's own dependencies are in (found through typescript, one of them). */
export function flotillaModules(): string | null {
  try {
    return real(path.dirname(path.dirname(require.resolve('typescript/package.json'))));
  } catch {
    return null;
  }
}

/** Is `p` the folder `dir` or inside it? */
const within = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

const real = (p: string): string | null => {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
};

/** Password hashes and the host's SSH private keys (files, not links), where they exist. */
function machineSecretFiles(): string[] {
  const candidates = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-'];
  try {
    for (const f of fs.readdirSync('/etc/ssh'))
      if (/^ssh_host_.*_key$/.test(f)) candidates.push(path.join('/etc/ssh', f));
  } catch {
    /* no /etc/ssh */
  }
  return candidates.filter((f) => {
    try {
      return fs.lstatSync(f).isFile();
    } catch {
      return false;
    }
  });
}

/** The repository's git folder that a worktree (or a plain checkout) at `cwd` uses: its common dir. */
export function gitCommonDir(cwd: string): string | null {
  const dotGit = path.join(cwd, '.git');
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dotGit);
  } catch {
    return null;
  }
  if (st.isDirectory()) return real(dotGit);
  if (!st.isFile()) return null;
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(dotGit, 'utf8').slice(0, 4096));
  if (!m) return null;
  const gitdir = path.resolve(cwd, m[1]);
  let common = gitdir;
  try {
    common = path.resolve(gitdir, fs.readFileSync(path.join(gitdir, 'commondir'), 'utf8').trim());
  } catch {
    /* not a linked worktree: the gitdir is the common dir */
  }
  return real(common);
}

/**
 * The bubblewrap arguments that run `sh -c command` in `cwd`:
 * - the whole filesystem read-only; /tmp, /var/tmp, /home, /root, /run (sockets: ssh-agent, D-Bus, docker),
 *   $HOME and `hide` (the worktree folders) replaced by empty private tmpfs, so other worktrees, home
 *   directories and their credentials are not there;
 * - `cwd` (the task's worktree) writable, but its `.git` pointer and the repository's git folder read-only
 *   (git works; no test can point the worktree at a crafted git folder or change the repository's config);
 * - the toolchains on PATH that live in a hidden folder (toolchains.ts: ~/.pyenv, ~/.nvm, ~/.cargo), read-only;
 * - `dependencies` (the run's shared node_modules, resolved by Flotilla: see dependencies-link.ts) read-only,
 *   and node itself;
 * - the run folders (`<repo>/.flotilla`: logs, transcripts, reports) hidden;
 * - its own user, PID, IPC, UTS, cgroup and network namespaces (no network unless `network`), as nobody with
 *   no capability and no further user namespace (ISOLATION_ARGS: root outside is powerless inside), a fresh /proc
 *   (no other process, the worker's environ included, is visible), a new session, killed with its parent.
 */
export function bwrapArgs(o: {
  command: string;
  cwd: string;
  network: boolean;
  hide?: string[];
  writable?: string[];
  readOnly?: string[];
  dependencies?: string;
  sockets?: string[];
}): string[] {
  const cwd = real(o.cwd) ?? path.resolve(o.cwd);
  const hidden: string[] = [];
  const candidates = [
    '/tmp',
    '/var/tmp',
    '/home',
    '/root',
    '/run',
    os.homedir(),
    process.env.HOME,
    os.tmpdir(),
    ...(o.hide ?? []),
    path.dirname(cwd),
  ];
  for (const c of candidates) {
    if (!c) continue;
    const r = real(c);
    if (!r || r === '/' || !fs.statSync(r).isDirectory()) continue;
    if (within(cwd, r) && r === cwd) continue;
    if (!hidden.includes(r)) hidden.push(r);
  }
  // Parents first; a folder inside one already hidden needs no mount of its own.
  hidden.sort((a, b) => a.length - b.length);
  const roots = hidden.filter((h, i) => !hidden.slice(0, i).some((p) => within(h, p)));
  const isHidden = (p: string) => roots.some((r) => within(p, r));

  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const r of roots) args.push('--tmpfs', r);
  // Toolchains on PATH inside a hidden folder (pyenv's shims, nvm, cargo), read-only; never one that holds a hidden
  // folder (the worktrees) or the worktree itself.
  const innermostHidden = (p: string) => hidden.filter((h) => within(p, h)).sort((a, b) => b.length - a.length)[0];
  for (const t of hiddenToolchains(process.env.PATH, innermostHidden)) {
    if (hidden.some((h) => within(h, t)) || within(cwd, t)) continue;
    args.push('--ro-bind', t, t);
  }
  args.push('--bind', cwd, cwd);
  const dotGit = path.join(cwd, '.git');
  if (fs.existsSync(dotGit)) args.push('--ro-bind', dotGit, dotGit);
  const common = gitCommonDir(cwd);
  if (common && !within(common, dotGit)) args.push('--ro-bind', common, common);
  // The run's dependencies (the folder Flotilla chose and resolved, never what a link in the worktree says now),
  // read-only, where the worktree's node_modules link (reset before each command) points.
  if (o.dependencies && isHidden(o.dependencies)) args.push('--ro-bind', o.dependencies, o.dependencies);
  // A resolv.conf that lives in the hidden /run (systemd-resolved's) comes back, for commands with the network.
  const resolv = real('/etc/resolv.conf');
  if (resolv && isHidden(resolv)) args.push('--ro-bind', resolv, resolv);
  // node (and npx, npm) when installed in a hidden folder, e.g. ~/.nvm.
  const nodePrefix = path.dirname(path.dirname(real(process.execPath) ?? process.execPath));
  if (isHidden(nodePrefix)) args.push('--ro-bind', nodePrefix, nodePrefix);
  // Flotilla's own dependencies (typescript for the check tool; what a repository links to, as the demo does),
  // read-only, when Flotilla lives in a hidden folder (a checkout or install under a home, or /tmp).
  const own = flotillaModules();
  if (own && isHidden(own) && !within(cwd, own)) args.push('--ro-bind', own, own);
  // The run folders of the repository (logs, transcripts, reports) stay out of sight.
  if (common && path.basename(common) === '.git') {
    const state = path.join(path.dirname(common), '.flotilla');
    if (fs.existsSync(state) && !isHidden(state)) args.push('--tmpfs', state);
  }
  // Folders this one command may write besides its worktree (its test report), mounted over anything hidden.
  for (const w of o.writable ?? []) {
    const r = real(w);
    if (r) args.push('--bind', r, r);
  }
  // Folders this command may read though they are hidden (the worker's Go module cache: build-caches.ts).
  for (const ro of o.readOnly ?? []) {
    const r = real(ro);
    if (r && isHidden(r)) args.push('--ro-bind', r, r);
  }
  // The machine's own secrets that are readable by their owner only: a root worker's commands are uid 0 outside
  // their user namespace (owner of root's files, though with no capability), so these are replaced by empty files.
  for (const f of machineSecretFiles()) args.push('--ro-bind', '/dev/null', f);
  // Unix sockets this command may dial (an install's proxy), at their own path.
  for (const sock of o.sockets ?? []) args.push('--bind', sock, sock);
  args.push(...ISOLATION_ARGS);
  if (o.network) args.push('--share-net');
  args.push('--die-with-parent', '--new-session', '--chdir', cwd, '--', 'sh', '-c', o.command);
  return args;
}
