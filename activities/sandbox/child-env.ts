/**
 * The environment of a repository command, by allow-list: what a build needs to find its tools and print
 * plainly, and the variables the worker's operator names (`flotilla worker --pass-env NAME`, FLOTILLA_PASS_ENV).
 * Nothing else of the worker's environment: a deny-list of secret-looking names always misses one
 * (DATABASE_URL with a password, AWS_ACCESS_KEY_ID, DEPLOY_KEY, MYSQL_PWD, SENTRY_DSN…), and socket paths
 * (SSH_AUTH_SOCK, DBUS_SESSION_BUS_ADDRESS) hand a command the worker's agents.
 */
const ALLOWED = new Set([
  ...['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'COLORTERM'],
  // Which certificate authorities to trust (paths to public certificates: an install behind a TLS-inspecting proxy needs them).
  ...['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'PIP_CERT'],
]);
const ALLOWED_PREFIX = /^LC_[A-Z]+$/;
/** Set for every command: CI-style, non-interactive, no colour codes in the logs. */
const FIXED: NodeJS.ProcessEnv = { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' };
/** Never passed, even when named: the model key's variables and Temporal's (a command could start workflows). */
const NEVER = /^(ANTHROPIC_|TEMPORAL_)/i;

let passed: string[] = [];

/** The names `--pass-env` adds (createFlotillaWorkers); FLOTILLA_PASS_ENV (comma- or space-separated) adds more. */
export function setPassedEnv(names: string[]): void {
  passed = [...names];
}

function passedNames(env: NodeJS.ProcessEnv): string[] {
  return [...passed, ...(env.FLOTILLA_PASS_ENV ?? '').split(/[\s,]+/)].filter(Boolean);
}

/** The environment a repository command gets from the worker's `env`; no value for which `holdsKey` (the model key). */
export function commandEnvFrom(
  env: NodeJS.ProcessEnv,
  holdsKey: (value: string) => boolean = () => false,
): NodeJS.ProcessEnv {
  const names = new Set(passedNames(env));
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NEVER.test(name)) continue;
    if (!ALLOWED.has(name) && !ALLOWED_PREFIX.test(name) && !names.has(name)) continue;
    if (holdsKey(value)) continue;
    out[name] = value;
  }
  return { ...out, ...FIXED };
}
