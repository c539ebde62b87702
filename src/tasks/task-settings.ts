// The per-connection task settings, read from a connection's settings object (`provisioning.*`):
// how long a task may stay open (the SLA) and whom it is assigned to by default.

export interface TaskSettings {
  /** Hours from opening until a task is due; wall-clock hours, not business hours. */
  readonly slaHours: number;
  readonly defaultAssignee: string | null;
}

export const DEFAULT_TASK_SLA_HOURS = 24;
// A year: a larger SLA is almost certainly a unit mistake (minutes or seconds given as hours).
export const MAX_TASK_SLA_HOURS = 24 * 366;

/**
 * Reads `provisioning.taskSlaHours` and `provisioning.defaultAssignee` from a connection's settings.
 * Missing or unusable values fall back to the defaults: the connector's schema validates settings
 * when they are stored, so here a bad value is one that schema does not know about, and a task
 * must still open.
 */
export function readTaskSettings(
  settings: Readonly<Record<string, unknown>> | null | undefined,
): TaskSettings {
  const provisioning = settings?.['provisioning'];
  const section =
    typeof provisioning === 'object' && provisioning !== null && !Array.isArray(provisioning)
      ? (provisioning as Record<string, unknown>)
      : {};
  const sla = section['taskSlaHours'];
  const assignee = section['defaultAssignee'];
  return {
    slaHours:
      typeof sla === 'number' && Number.isFinite(sla) && sla > 0 && sla <= MAX_TASK_SLA_HOURS
        ? sla
        : DEFAULT_TASK_SLA_HOURS,
    defaultAssignee: typeof assignee === 'string' && assignee.trim() !== '' ? assignee : null,
  };
}
