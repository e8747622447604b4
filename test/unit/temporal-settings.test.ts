import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { temporalSettings } from '../../client/connection';

/** temporalSettings reads Temporal's environment configuration; each case passes its own env (no HOME, so no default file). */
describe('temporalSettings (envconfig: TOML profile, TEMPORAL_* variables, overrides)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-envconfig-'));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n');
  const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n');
  const toml = file(
    'temporal.toml',
    [
      '[profile.default]',
      'address = "localhost:7999"',
      '',
      '[profile.custom]',
      'address = "temporal.internal:7233"',
      'namespace = "flotilla"',
      '',
      '[profile.cloud]',
      'address = "eu-west-1.aws.api.temporal.io:7233"',
      'namespace = "flotilla.a1b2c"',
      'api_key = "secret-key"',
      '',
      '[profile.mtls]',
      'address = "flotilla.a1b2c.tmprl.cloud:7233"',
      'namespace = "flotilla.a1b2c"',
      '[profile.mtls.tls]',
      `client_cert_path = "${cert}"`,
      `client_key_path = "${key}"`,
      'server_name = "flotilla.a1b2c.tmprl.cloud"',
      '[profile.mtls.grpc_meta]',
      'x-team = "platform"',
      '',
    ].join('\n'),
  );

  it('defaults to localhost:7233 and "default", and says the address was not configured', () => {
    const s = temporalSettings(undefined, {});
    expect(s).toMatchObject({
      address: 'localhost:7233',
      namespace: 'default',
      addressConfigured: false,
      connectionOptions: { address: 'localhost:7233' },
    });
    expect(s.connectionOptions.tls).toBeUndefined();
    expect(s.connectionOptions.apiKey).toBeUndefined();
  });

  it('takes address and namespace from the profile TEMPORAL_PROFILE names in TEMPORAL_CONFIG_FILE', () => {
    const s = temporalSettings(undefined, { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'custom' });
    expect(s).toMatchObject({ address: 'temporal.internal:7233', namespace: 'flotilla', addressConfigured: true });
    expect(s.source).toContain('profile "custom"');
    expect(temporalSettings(undefined, { TEMPORAL_CONFIG_FILE: toml }).address).toBe('localhost:7999');
  });

  it('lets TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE override the profile, but not when empty', () => {
    const s = temporalSettings(undefined, {
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'custom',
      TEMPORAL_ADDRESS: 'other:7233',
      TEMPORAL_NAMESPACE: 'ns2',
    });
    expect(s).toMatchObject({ address: 'other:7233', namespace: 'ns2', source: 'TEMPORAL_ADDRESS' });
    expect(
      temporalSettings(undefined, { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'custom', TEMPORAL_ADDRESS: '' })
        .address,
    ).toBe('temporal.internal:7233');
  });

  it('an API key turns TLS on (Temporal Cloud)', () => {
    const s = temporalSettings(undefined, { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(s.connectionOptions).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'secret-key',
      tls: true,
    });
    expect(s.source).not.toContain('secret-key');
    const fromEnv = temporalSettings(undefined, {
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'x.y',
      TEMPORAL_API_KEY: 'k',
    });
    expect(fromEnv.connectionOptions).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      apiKey: 'k',
      tls: true,
    });
  });

  it('mTLS: the client certificate and key, the server name and headers reach the connection options', () => {
    const s = temporalSettings(undefined, {
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'mtls',
      TEMPORAL_GRPC_META_X_EXTRA: 'yes',
    });
    // envconfig gives Uint8Arrays; both Connection and NativeConnection take them through Buffer.from.
    const tls = s.connectionOptions.tls as {
      clientCertPair: { crt: Uint8Array; key: Uint8Array };
      serverNameOverride: string;
    };
    expect(Buffer.from(tls.clientCertPair.crt).toString()).toContain('CERT');
    expect(Buffer.from(tls.clientCertPair.key).toString()).toContain('KEY');
    expect(tls.serverNameOverride).toBe('flotilla.a1b2c.tmprl.cloud');
    expect(s.connectionOptions.metadata).toEqual({ 'x-team': 'platform', 'x-extra': 'yes' });
    // The same through TEMPORAL_TLS_* variables alone.
    const env = temporalSettings(undefined, {
      TEMPORAL_ADDRESS: 'h:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    });
    expect(
      Buffer.from((env.connectionOptions.tls as { clientCertPair: { crt: Uint8Array } }).clientCertPair.crt).toString(),
    ).toContain('CERT');
  });

  it('an override object wins over both; a string override is an address', () => {
    const env = { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'custom' };
    expect(temporalSettings({ profile: 'cloud' }, env)).toMatchObject({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      namespace: 'flotilla.a1b2c',
    });
    expect(temporalSettings({ address: 'a:1', namespace: 'n' }, env)).toMatchObject({
      address: 'a:1',
      namespace: 'n',
      source: 'the command line',
      connectionOptions: { address: 'a:1' },
    });
    expect(temporalSettings('b:2', env)).toMatchObject({
      address: 'b:2',
      namespace: 'flotilla',
      addressConfigured: true,
    });
  });

  it('says which configuration it could not read', () => {
    expect(() => temporalSettings(undefined, { TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' })).toThrow(
      /Cannot read the Temporal configuration \(TEMPORAL_CONFIG_FILE=.*\): Profile 'nope' not found/,
    );
  });
});
