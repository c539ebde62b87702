// SCIM protocol errors (RFC 7644 §3.12, RFC 9865 §3): a status, an optional scimType from a closed
// set, and a detail that tells the client what to fix.
import { URN } from './schema.ts';

export const SCIM_TYPES = [
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
  'invalidCursor',
  'expiredCursor',
  'invalidCount',
] as const;
export type ScimType = (typeof SCIM_TYPES)[number];

/** An error a SCIM endpoint answers with; thrown inside the SCIM layer and rendered by the route handler. */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;

  constructor(status: number, detail: string, scimType?: ScimType, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }

  /** The RFC 7644 §3.12 error body; `status` is a string as the RFC's examples show. */
  toBody(): Record<string, unknown> {
    return {
      schemas: [URN.error],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.message,
    };
  }
}

export const badRequest = (scimType: ScimType, detail: string): ScimError =>
  new ScimError(400, detail, scimType);
export const notFound = (detail: string): ScimError => new ScimError(404, detail);
