import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadClientConnectConfig } from '@temporalio/envconfig';

export const DEFAULT_ADDRESS = 'localhost:7233';

export interface TemporalSettings {
  address: string;
  namespace: string;
}

/** What a command line may override on top of Temporal's environment configuration (--address, --namespace, --profile). */
export interface TemporalOverrides {
  address?: string;
  namespace?: string;
  /** A profile of the TOML config file (else TEMPORAL_PROFILE, else "default"). */
  profile?: string;
}

/**
 * Options for both `Connection.connect` (clients) and `NativeConnection.connect` (workers): the server's
 * address, TLS (a server CA, a server name, an mTLS client certificate and key; `true` for system roots),
 * an API key (sent as a bearer token; it turns TLS on), and gRPC headers.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string | Buffer>;
}

export interface TemporalConnectionSettings extends TemporalSettings {
  /** True when the address came from an override, TEMPORAL_ADDRESS or a profile; false for the default. */
  addressConfigured: boolean;
  /** Where the address came from, for messages (never holds a secret). */
  source: string;
  connectionOptions: TemporalConnectionOptions;
}

/**
 * The connection settings from Temporal's environment configuration (@temporalio/envconfig): the TOML
 * profile (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml; TEMPORAL_PROFILE, else
 * "default"), then the TEMPORAL_* variables over it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS*, TEMPORAL_GRPC_META_*), then the override. A string override is an address.
 * The same settings serve clients and workers.
 */
export function temporalSettings(
  override?: string | TemporalOverrides,
  env: NodeJS.ProcessEnv = process.env,
): TemporalConnectionSettings {
  const o: TemporalOverrides = typeof override === 'string' ? { address: override } : (override ?? {});
  // An empty TEMPORAL_X counts as unset (envconfig would let an empty TEMPORAL_ADDRESS hide the profile's);
  // an empty TEMPORAL_GRPC_META_X keeps its meaning: remove that header.
  const vars = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && (e[1] !== '' || !e[0].startsWith('TEMPORAL_') || e[0].startsWith('TEMPORAL_GRPC_META_')),
    ),
  );
  let config: ReturnType<typeof loadClientConnectConfig>;
  try {
    config = loadClientConnectConfig({ profile: o.profile, overrideEnvVars: vars });
  } catch (err) {
    const file = vars.TEMPORAL_CONFIG_FILE ? ` (TEMPORAL_CONFIG_FILE=${vars.TEMPORAL_CONFIG_FILE})` : '';
    throw new Error(`Cannot read the Temporal configuration${file}: ${(err as Error).message}`);
  }
  const c = config.connectionOptions;
  const configured = o.address || c.address || undefined;
  const address = configured ?? DEFAULT_ADDRESS;
  const source = o.address
    ? 'the command line'
    : vars.TEMPORAL_ADDRESS
      ? 'TEMPORAL_ADDRESS'
      : c.address
        ? `profile "${o.profile ?? vars.TEMPORAL_PROFILE ?? 'default'}" of ${vars.TEMPORAL_CONFIG_FILE ?? 'the Temporal config file'}`
        : 'the default';
  const connectionOptions: TemporalConnectionOptions = { address };
  if (c.tls !== undefined && c.tls !== null) connectionOptions.tls = c.tls;
  if (c.apiKey) connectionOptions.apiKey = c.apiKey;
  if (c.metadata && Object.keys(c.metadata).length) connectionOptions.metadata = { ...c.metadata };
  return {
    address,
    namespace: o.namespace || config.namespace || 'default',
    addressConfigured: configured !== undefined,
    source,
    connectionOptions,
  };
}

/** Settings for a local dev server this process started: plain gRPC, no credentials. */
export function localServerSettings(address: string, namespace: string): TemporalConnectionSettings {
  return {
    address,
    namespace,
    addressConfigured: false,
    source: 'the local dev server',
    connectionOptions: { address },
  };
}

function isSettings(x: unknown): x is TemporalConnectionSettings {
  return typeof x === 'object' && x !== null && 'connectionOptions' in x;
}

/**
 * Why a configured Temporal server cannot be reached, in words a person can act on (the SDK's own message is a
 * raw transport error such as `tonic::transport::Error(Transport, ConnectError(… ConnectionRefused …))`).
 */
export function unreachableServer(s: Pick<TemporalConnectionSettings, 'address' | 'source'>, err: unknown): Error {
  const raw = err instanceof Error ? err.message : String(err);
  const why = /refused/i.test(raw)
    ? 'connection refused'
    : /dns|resolve|not known|ENOTFOUND/i.test(raw)
      ? 'the host name does not resolve'
      : /timed? ?out|deadline/i.test(raw)
        ? 'no answer in time'
        : raw.split('\n')[0];
  const unset =
    s.source === 'TEMPORAL_ADDRESS' ? ', or unset TEMPORAL_ADDRESS to let `flotilla dev` start a dev server' : '';
  return new Error(`cannot reach the Temporal server at ${s.address} (from ${s.source}): ${why} — start one${unset}`);
}

/** A client, or an error that says how to start a server. Takes an address, overrides, or settings already made. */
export async function connectClient(
  override?: string | TemporalOverrides | TemporalConnectionSettings,
): Promise<{ client: Client; connection: Connection; settings: TemporalSettings }> {
  const s = isSettings(override) ? override : temporalSettings(override);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...s.connectionOptions, connectTimeout: '5 seconds' });
  } catch (err) {
    throw new Error(
      `Cannot reach the Temporal server at ${s.address} (from ${s.source}; ${(err as Error).message.split('\n')[0]}).\n` +
        `Start one with \`npx flotilla dev\` (local dev server, Web UI and worker), or point --address, TEMPORAL_ADDRESS or a profile (--profile, TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) at your cluster.`,
    );
  }
  return {
    client: new Client({ connection, namespace: s.namespace }),
    connection,
    settings: { address: s.address, namespace: s.namespace },
  };
}

export function webUiUrl(uiBase: string | null, namespace: string, workflowId: string): string | null {
  if (!uiBase) return null;
  return `${uiBase}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The Web UI of a local dev server (its gRPC port + 1000), FLOTILLA_UI_URL, or null for a remote cluster. */
export function uiBaseFor(address: string): string | null {
  if (process.env.FLOTILLA_UI_URL) return process.env.FLOTILLA_UI_URL;
  const m = /^(localhost|127\.0\.0\.1|\[::1\]):(\d+)$/.exec(address);
  return m ? `http://localhost:${Number(m[2]) + 1000}` : null;
}

/** The CLI's connection flags. */
export type ConnectionOptions = TemporalOverrides;
