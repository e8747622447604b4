// Building commands of a Go module at a version through the Go module proxy (`go install pkg@version`), cached
// in a folder of .flotilla/tools that a build.json marks complete (a build stopped halfway is done again).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Processes } from './processes';

/** The go command: GO, else `go` on PATH, else /usr/local/go/bin/go. */
export function goCommand(): string {
  const candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      execFileSync(c, ['version'], { stdio: 'ignore' });
      return c;
    } catch {
      /* next */
    }
  }
  throw new Error(
    'Go is needed to build the Temporal server from its module (go.temporal.io/server): install Go (go.dev/dl), put it on PATH or set GO to the go binary',
  );
}

export function goOutput(go: string, args: string[]): string {
  return execFileSync(go, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Where the module's source is (`go mod download` fetches it through the proxy when the module cache lacks it). */
export function moduleDir(go: string, module: string, version: string): string {
  const info = JSON.parse(goOutput(go, ['mod', 'download', '-json', `${module}@v${version}`])) as {
    Dir?: string;
    Error?: string;
  };
  if (!info.Dir) throw new Error(`go mod download ${module}@v${version}: ${info.Error ?? 'no source folder'}`);
  return info.Dir;
}

/** A copy of a folder of the module's source (read-only in the module cache) that can be deleted again. */
export function copyFromModule(go: string, module: string, version: string, rel: string, dest: string): void {
  fs.cpSync(path.join(moduleDir(go, module, version), rel), dest, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', dest]);
}

export interface GoBuild {
  dir: string;
  goVersion: string;
  /** Seconds the build took, or null when the cached build was used. */
  buildSeconds: number | null;
}

/**
 * `dir` holds `bin/<name>` for each package (named as `binaries` says) once build.json is written. Else it is
 * built: `go install <flags> <package>@v<version>…` (CGO off unless CGO_ENABLED says otherwise), then `extra(go)`
 * adds what else belongs in the folder. `log` gets a line every 30 s while Go works.
 */
export async function ensureGoBuild(o: {
  procs: Processes;
  dir: string;
  module: string;
  version: string;
  /** package path → the binary's name in bin/. */
  binaries: Record<string, string>;
  flags?: string[];
  extra?: (go: string) => void;
  log: (line: string) => void;
}): Promise<GoBuild> {
  const stamp = path.join(o.dir, 'build.json');
  const bins = Object.values(o.binaries).map((b) => path.join(o.dir, 'bin', b));
  if (fs.existsSync(stamp) && bins.every((b) => fs.existsSync(b))) {
    const { goVersion } = JSON.parse(fs.readFileSync(stamp, 'utf8')) as { goVersion: string };
    return { dir: o.dir, goVersion, buildSeconds: null };
  }
  const go = goCommand();
  const goVersion = goOutput(go, ['env', 'GOVERSION']);
  fs.rmSync(o.dir, { recursive: true, force: true });
  const staging = path.join(o.dir, 'staging');
  fs.mkdirSync(staging, { recursive: true });
  const packages = Object.keys(o.binaries).map((p) => `${p}@v${o.version}`);
  const logName = `go-build-${path.basename(o.dir)}`;
  o.log(
    `  go install ${[...(o.flags ?? []), ...packages].join(' ')} with ${goVersion} (log: ${o.procs.logFile(logName)})`,
  );
  const started = Date.now();
  const ticker = setInterval(() => o.log(`  still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    await o.procs.run(logName, go, ['install', ...(o.flags ?? []), ...packages], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
    });
  } finally {
    clearInterval(ticker);
  }
  fs.mkdirSync(path.join(o.dir, 'bin'), { recursive: true });
  // go install names a binary after the package's last element (cmd/server → server).
  for (const [pkg, name] of Object.entries(o.binaries))
    fs.renameSync(path.join(staging, path.basename(pkg)), path.join(o.dir, 'bin', name));
  fs.rmSync(staging, { recursive: true, force: true });
  o.extra?.(go);
  const buildSeconds = Math.round((Date.now() - started) / 1000);
  fs.writeFileSync(
    stamp,
    JSON.stringify(
      {
        module: o.module,
        version: o.version,
        packages,
        flags: o.flags ?? [],
        goVersion,
        buildSeconds,
        builtAt: new Date().toISOString(),
      },
      null,
      2,
    ) + '\n',
  );
  return { dir: o.dir, goVersion, buildSeconds };
}
