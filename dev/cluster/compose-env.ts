// The environment docker-compose.yml gives a service, read from the file itself (anchors and `<<` merges, `${VAR}`
// interpolation), so the processes of `npm run cluster:smoke` get what the containers would, and a change to the
// compose file reaches them. Only what a container network changes (service names, ports, mounted paths) is
// replaced by the caller.
import * as fs from 'node:fs';
import { parse } from 'yaml';

type Env = Record<string, string | number | boolean | null> | string[];

/**
 * Compose's interpolation: `$$`, `${NAME}`, `$NAME`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`,
 * `${NAME?error}` (with `:` an empty value counts as unset), from `vars` only.
 */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^}])*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (m, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (m === '$$') return '$';
      if (bare) return vars[bare] ?? '';
      const value = vars[name!];
      const unset = value === undefined || (colon === ':' && value === '');
      if (!op) return value ?? '';
      if (!unset) return value!;
      if (op === '-') return interpolate(arg ?? '', vars);
      throw new Error(`\${${name}${colon}?…}: ${arg || `${name} is required`}`);
    },
  );
}

/**
 * The environment of `service` as Compose would pass it, from `vars` (the smoke's own, never this shell's). An
 * entry without a value (`KEY:` or `- KEY`) takes `vars[KEY]`, and is left out when that is unset, as Compose does.
 */
export function composeEnvironment(
  composeFile: string,
  service: string,
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const compose = parse(fs.readFileSync(composeFile, 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Env }>;
  };
  const s = compose.services[service];
  if (!s) throw new Error(`${composeFile} has no service ${service}`);
  const entries: [string, string | null][] = Array.isArray(s.environment)
    ? s.environment.map((e) =>
        e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null],
      )
    : Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? null : String(v)]);
  const env: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (value === null) {
      if (vars[key] !== undefined) env[key] = vars[key]!;
    } else env[key] = interpolate(value, vars);
  }
  return env;
}
