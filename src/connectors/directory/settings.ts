// A directory connection's settings (validated at the boundary). It has no secrets: the repository is
// the host's, handed over when the connection is opened.
import { z } from 'zod';

export const directorySettingsSchema = z
  .object({
    /** Accounts, groups and members per page of a listing. */
    pageSize: z.number().int().min(1).max(1000).default(100),
  })
  .strict();

export type DirectorySettings = z.output<typeof directorySettingsSchema>;
export type DirectorySettingsInput = z.input<typeof directorySettingsSchema>;

export const directorySecretsSchema = z.object({}).strict();

export type DirectorySecrets = z.output<typeof directorySecretsSchema>;
