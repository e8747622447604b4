import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

export interface TemporalSettings {
  address: string;
  namespace: string;
}

/** What a command line can say about the connection (--address, --namespace, --profile); each overrides envconfig. */
export interface ConnectionOptions {
  address?: string;
  namespace?: string;
  profile?: string;
}

/**
 * Connection settings from @temporalio/envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_PROFILE,
 * the profile's TLS and API key from temporal.toml), with the command line's options on top.
 */
export function temporalSettings(o: ConnectionOptions = {}): TemporalSettings & { connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'] } {
  const config = loadClientConnectConfig({ profile: o.profile });
  const address = o.address ?? config.connectionOptions.address ?? 'localhost:7233';
  const namespace = o.namespace ?? config.namespace ?? 'default';
  return { address, namespace, connectionOptions: { ...config.connectionOptions, address } };
}

/** A client, or an error that says how to start a server. */
export async function connectClient(o: ConnectionOptions = {}): Promise<{ client: Client; connection: Connection; settings: TemporalSettings }> {
  const s = temporalSettings(o);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...s.connectionOptions, connectTimeout: '5 seconds' });
  } catch (err) {
    throw new Error(
      `Cannot reach the Temporal server at ${s.address} (${(err as Error).message.split('\n')[0]}).\n` +
        `Start one with \`npx flotilla dev\` (local dev server, Web UI and worker), or point --address or TEMPORAL_ADDRESS at your cluster.`,
    );
  }
  return { client: new Client({ connection, namespace: s.namespace }), connection, settings: { address: s.address, namespace: s.namespace } };
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
