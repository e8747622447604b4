import type { DevServer } from '../dev/temporal-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__flotillaTemporal as DevServer | undefined;
  await server?.stop();
}
