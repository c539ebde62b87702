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
}
