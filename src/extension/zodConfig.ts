/**
 * Imported first by activate.ts. zod decides whether to compile fast parsers by probing for
 * `eval`, and that probe reads `globalThis.navigator`, which VS Code's extension host answers
 * with "PendingMigrationError: navigator is now a global in nodejs" in the developer console on
 * every activation. Schemas are built at module load, so this must run before any of them.
 */
import { z } from 'zod';

z.config({ jitless: true });
