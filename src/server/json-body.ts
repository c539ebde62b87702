// The one JSON body parser for application/json and application/scim+json: Fastify's secure parse
// (prototype-poisoning keys are an error) behind a nesting-depth cap checked before parsing.
import type { FastifyInstance } from 'fastify';

/** Deeper bodies answer 400; SCIM resources and Bulk requests need well under a dozen levels. */
export const MAX_JSON_DEPTH = 64;

export const JSON_CONTENT_TYPES = ['application/json', 'application/scim+json'] as const;

/** A 400 the error handlers render like Fastify's own body errors. */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'ROSTER_JSON_TOO_DEEP';

  constructor() {
    super(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * Depth of the deepest array or object, found by one pass over the text without parsing it, so
 * a hostile `[[[[…` costs a scan and not a parse. Brackets inside strings do not count. Stops as
 * soon as `limit` is exceeded and returns `limit + 1`.
 */
export function jsonDepth(text: string, limit: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** Replaces the JSON parser of `app` (and its children) with the hardened one. */
export function registerJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    [...JSON_CONTENT_TYPES],
    { parseAs: 'string', bodyLimit },
    (request, body, done) => {
      const text = body as string;
      if (jsonDepth(text) > MAX_JSON_DEPTH) {
        done(new JsonTooDeepError(), undefined);
        return;
      }
      void secureParse(request, text, done);
    },
  );
}
