import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What a sandboxed command gets for its build caches: variables, folders it may write, folders it may read. */
export interface BuildCaches {
  env: Record<string, string>;
  writable: string[];
  readOnly: string[];
}

/**
 * Build caches for sandboxed commands. The sandbox hides the worker's home (and its caches) and gives each command an
 * empty one, so without this every `go test` compiled the standard library again from nothing (minutes on a small
 * machine, per command). Go's build cache is one folder per run (`dir`, in the run's records), written by the run's
 * commands and kept across them; the worker's module cache (GOMODCACHE, else $GOPATH/pkg/mod, else ~/go/pkg/mod) is
 * mounted read-only, since commands have no network to fill their own. The run's commands share the build cache (one
 * repository, one run); no other run's command sees it.
 */
export function buildCaches(dir: string | undefined): BuildCaches {
  const out: BuildCaches = { env: {}, writable: [], readOnly: [] };
  if (dir) {
    const goBuild = path.join(dir, 'go-build');
    fs.mkdirSync(goBuild, { recursive: true });
    out.env.GOCACHE = goBuild;
    out.writable.push(goBuild);
  }
  const gopath = process.env.GOPATH?.split(path.delimiter)[0] || path.join(os.homedir(), 'go');
  const modules = process.env.GOMODCACHE || path.join(gopath, 'pkg', 'mod');
  if (fs.existsSync(modules)) {
    out.env.GOMODCACHE = fs.realpathSync(modules);
    out.readOnly.push(out.env.GOMODCACHE);
  }
  return out;
}
