import { freePort, startDevServer } from '../dev/temporal-server';

/** One real Temporal dev server (in memory, no UI) for every integration test; its address goes to the tests via env. */
export default async function globalSetup(): Promise<void> {
  const port = await freePort();
  const server = await startDevServer({ port, headless: true });
  process.env.FLOTILLA_TEST_TEMPORAL = server.address;
  (globalThis as Record<string, unknown>).__flotillaTemporal = server;
}
