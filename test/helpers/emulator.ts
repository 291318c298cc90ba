import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

export interface TestEmulator {
  emulator: Emulator;
  /** The emulator's base URL: the relay's `graphUrl` (CAPI_RELAY_GRAPH_URL). */
  graphUrl: string;
}

/**
 * A Graph API emulator listening on a free port of 127.0.0.1. The caller closes it (`emulator.close()`).
 * Kept apart from helpers/relay.ts so process tests can use it without loading the relay in-process.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = createEmulator(options);
  return { emulator, graphUrl: await emulator.listen(0) };
}
