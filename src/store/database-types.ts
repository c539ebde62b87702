// Row types of every table, shared by both dialects. Timestamps are ISO-8601 UTC strings with
// milliseconds in both SQLite and PostgreSQL, so they sort and compare as text everywhere.
import type { Generated } from 'kysely';

export interface ConnectionTable {
  id: string;
  app: string;
  display_name: string;
  /** JSON text: non-secret settings validated by the connector's schema. */
  settings: string;
  /** Sealed JSON (AES-256-GCM envelope) or null when the connector has no secrets. */
  secrets: string | null;
  created_at: string;
  updated_at: string;
}

export interface TokenTable {
  id: string;
  /** The connection this token may reach; null for admin tokens. */
  connection_id: string | null;
  kind: 'scim' | 'admin';
  name: string;
  /** HMAC-SHA-256 of the token under a key derived from ROSTER_SECRET_KEY, hex. */
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ScimResourceTable {
  /** Insertion order: the stable default sort and the cursor key. */
  seq: Generated<number>;
  connection_id: string;
  id: string;
  resource_type: 'User' | 'Group';
  /** userName as sent (Users only). */
  user_name: string | null;
  /** lower(userName): unique per connection, case-insensitive (RFC 7643 §4.1 uniqueness server, caseExact false). */
  user_name_key: string | null;
  /** displayName as sent. */
  display_name: string | null;
  /** lower(displayName) for Groups: unique per connection. */
  display_name_key: string | null;
  external_id: string | null;
  active: number | null;
  /** The resource JSON without id, meta and (for Groups) members; jsonb on PostgreSQL, text on SQLite. */
  data: string;
  version: number;
  created_at: string;
  last_modified: string;
}

export interface GroupMemberTable {
  connection_id: string;
  group_id: string;
  member_id: string;
  member_type: 'User' | 'Group';
  added_at: string;
}

export interface Database {
  connections: ConnectionTable;
  tokens: TokenTable;
  scim_resources: ScimResourceTable;
  group_members: GroupMemberTable;
  syncs: SyncTable;
  sync_links: SyncLinkTable;
  sync_runs: SyncRunTable;
  sync_operations: SyncOperationTable;
  scheduled_work: ScheduledWorkTable;
  leases: LeaseTable;
  audit_events: AuditEventTable;
  tasks: TaskTable;
}

export interface SyncTable {
  id: string;
  source_connection_id: string;
  target_connection_id: string;
  /** The mapping file's text (YAML or JSON), or null for the built-in mapping. */
  mapping: string | null;
  /** A SCIM filter over the normalised person, or null for everyone. */
  scope: string | null;
  every_ms: number;
  full_every_ms: number;
  /** JSON: lifecycle policy, default time zone, guard settings. */
  settings: string;
  watermark: string | null;
  last_full_read_at: string | null;
  last_run_at: string | null;
  last_status: string | null;
  /** The hash of a plan a guard held, and why; null when nothing is held. */
  held_hash: string | null;
  held_reason: string | null;
  /** The plan hash an operator approved; valid only while a re-plan has the same hash. */
  approved_hash: string | null;
  /** The earliest future-dated change, so the scheduler wakes for it (survives restarts). */
  next_due_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SyncLinkTable {
  sync_id: string;
  account_id: string;
  /** The newest source id of the person (a rehire or entity move replaces it). */
  source_id: string;
  reason: string;
  /** 'active' | 'disabled' | 'pending' as last applied. */
  state: string;
  /** Digest of the desired attributes last applied. */
  applied_digest: string | null;
  linked_at: string;
  updated_at: string;
}

export interface SyncRunTable {
  id: string;
  sync_id: string;
  trigger: string;
  mode: string;
  /** 'running' | 'applied' | 'held' | 'failed' */
  status: string;
  plan_hash: string | null;
  /** JSON counts per operation kind. */
  counts: string;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface SyncOperationTable {
  id: string;
  sync_id: string;
  run_id: string;
  idempotency_key: string;
  kind: string;
  person_id: string | null;
  account_id: string | null;
  payload: string;
  /** 'pending' | 'applied' | 'failed' */
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ScheduledWorkTable {
  sync_id: string;
  person_id: string;
  kind: string;
  due_at: string;
  reason: string;
}

export interface LeaseTable {
  name: string;
  holder: string;
  acquired_at: string;
  expires_at: string;
}

export interface AuditEventTable {
  seq: Generated<number>;
  id: string;
  at: string;
  /** Who asked: `token:<id>`, `sync:<id>`, `cli`, `admin:<token id>`. */
  actor: string;
  action: string;
  outcome: string;
  connection_id: string | null;
  sync_id: string | null;
  person_id: string | null;
  account_id: string | null;
  /** JSON of what changed; may be erased (set to null) later, the digest stays. */
  content: string | null;
  content_digest: string;
  prev_hash: string;
  hash: string;
}

export interface TaskTable {
  id: string;
  connection_id: string;
  kind: string;
  /** 'open' | 'done' | 'cancelled' */
  state: string;
  title: string;
  /** JSON array of strings. */
  checklist: string;
  account_id: string | null;
  person_id: string | null;
  /** Identifies the work; unique among a connection's open tasks. */
  dedupe_key: string;
  due_at: string;
  assignee: string | null;
  /** JSON object of plain values; never secrets. */
  details: string;
  /** JSON `{ attribute, value }` a read-back must show before the task closes, or null. */
  expectation: string | null;
  completed_by: string | null;
  completed_at: string | null;
  note: string | null;
  cancel_reason: string | null;
  created_at: string;
  updated_at: string;
}
