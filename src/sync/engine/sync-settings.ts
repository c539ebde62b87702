// A sync's settings (stored as JSON on the sync): lifecycle policy, what leaving scope does, and how
// long a run may wait on a rate-limited target. Validated at the boundary, defaults documented.
import { z } from 'zod';

export const syncSettingsSchema = z
  .object({
    /** Calendar days before the hire date on which a joiner's (disabled) account is created. */
    createDaysBeforeStart: z.number().int().min(0).max(90).default(7),
    /** What status `leave` does: keep the account active (default) or disable it. */
    onLeave: z.enum(['keep_active', 'disable']).default('keep_active'),
    /** What leaving the scope does to a managed account. Deleting is never the default. */
    leftScope: z.enum(['disable', 'delete']).default('disable'),
    /** The zone for a person whose own zone is unusable (a typo in the office map). */
    fallbackTimeZone: z.string().min(1).default('UTC'),
    /** Longest wait on one rate-limited or unavailable operation before it is counted as failed. */
    maxRetryWaitMs: z.number().int().min(0).max(300_000).default(30_000),
    /** Attempts per operation for retryable errors (rate limited, unavailable). */
    maxAttempts: z.number().int().min(1).max(10).default(3),
  })
  .strict();

export type SyncSettings = z.output<typeof syncSettingsSchema>;

export function parseSyncSettings(raw: unknown): SyncSettings {
  return syncSettingsSchema.parse(raw ?? {});
}
