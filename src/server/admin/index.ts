// The admin API: its routes and the request and response bodies clients (the console) use.
export { ADMIN_BODY_LIMIT_BYTES, adminRoutes } from './routes.ts';
export type { AdminRoutesOptions } from './routes.ts';
export type {
  AdminErrorBody,
  AuditEntryBody,
  AuditPageBody,
  CancelTaskRequest,
  CompleteTaskRequest,
  ConnectionBody,
  ConnectionListBody,
  SyncListBody,
  SyncRunSummaryBody,
  SyncSummaryBody,
  TaskBody,
  TaskPageBody,
} from './types.ts';
