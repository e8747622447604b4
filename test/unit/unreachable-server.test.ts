import { unreachableServer } from '../../client/connection';

describe('a Temporal server the CLI cannot reach', () => {
  const tonic =
    'tonic::transport::Error(Transport, ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused, message: "Connection refused" }))';

  it('says where the address came from and what to do, not the transport error', () => {
    expect(unreachableServer({ address: '127.0.0.1:1', source: 'TEMPORAL_ADDRESS' }, new Error(tonic)).message).toBe(
      'cannot reach the Temporal server at 127.0.0.1:1 (from TEMPORAL_ADDRESS): connection refused — start one, or unset TEMPORAL_ADDRESS to let `flotilla dev` start a dev server',
    );
  });

  it('names an unresolvable host; offers unsetting TEMPORAL_ADDRESS only when that is where the address came from', () => {
    const m = unreachableServer(
      { address: 'temporal.nowhere:7233', source: 'the command line' },
      new Error('dns error: failed to lookup address information: Name or service not known'),
    ).message;
    expect(m).toBe(
      'cannot reach the Temporal server at temporal.nowhere:7233 (from the command line): the host name does not resolve — start one',
    );
  });
});
