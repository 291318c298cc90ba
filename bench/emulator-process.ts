/**
 * The emulator in its own process, so the relay's RSS and CPU in the benchmark are the relay's alone.
 * Prints its base URL as one JSON line; controlled through its /_emulator/* API.
 */
import { createEmulator } from '../src/emulator/index.js';

// Keep memory bounded under a 1M-event backlog; counts come from accepted_total, not the list.
const emulator = createEmulator({ allowAnyPixel: true, maxEvents: 120_000 });
const url = await emulator.listen(0);
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0));
});
