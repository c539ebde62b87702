// The admin API's request and response bodies, the only server types the console imports. Every
// response is JSON; every error is `{ error: { code, message, details? } }`.
import type { ConnectionApp } from '../../core/connection.ts';
import type { Task } from '../../tasks/task.ts';

export interface AdminErrorBody {
  readonly error: {
    /** A stable code from docs/errors.md. */
    readonly code: string;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** A task with whether it is past its due time at the moment of the response. */
export type TaskBody = Task & { readonly isOverdue: boolean };

export interface TaskPageBody {
  readonly tasks: readonly TaskBody[];
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

export interface CompleteTaskRequest {
  readonly note: string;
}

export interface CancelTaskRequest {
  readonly reason: string;
}

/** A connection without its secrets (only whether it has any). */
export interface ConnectionBody {
  readonly id: string;
  readonly app: ConnectionApp;
  readonly displayName: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly hasSecrets: boolean;
  readonly scimBaseUrl: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ConnectionListBody {
  readonly connections: readonly ConnectionBody[];
}

export interface SyncRunSummaryBody {
  readonly id: string;
  readonly trigger: string;
  readonly mode: string;
  readonly status: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly error: string | null;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

export interface SyncSummaryBody {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly scope: string | null;
  readonly everyMs: number;
  readonly fullEveryMs: number;
  readonly lastRunAt: string | null;
  readonly lastStatus: string | null;
  /** Why a guard holds the current plan; null when nothing is held. */
  readonly heldReason: string | null;
  readonly nextDueAt: string | null;
  readonly lastRun: SyncRunSummaryBody | null;
}

export interface SyncListBody {
  readonly syncs: readonly SyncSummaryBody[];
}

export interface AuditEntryBody {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly outcome: string;
  readonly connectionId: string | null;
  readonly syncId: string | null;
  readonly personId: string | null;
  readonly accountId: string | null;
  readonly content: unknown;
  readonly isErased: boolean;
  readonly hash: string;
}

export interface AuditPageBody {
  readonly entries: readonly AuditEntryBody[];
  /** Pass as `after` for the next page; null when this page was not full. */
  readonly nextAfter: number | null;
}
