/** One sentence naming each bad field of a zod error (type-only zod import: free to load). */
import type { z } from 'zod';

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
