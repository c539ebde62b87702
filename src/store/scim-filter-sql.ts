// Compiles a validated SCIM filter (RFC 7644 §3.4.2.2) and sortBy into SQL over `scim_resources`,
// for SQLite (json_extract/json_each) and PostgreSQL (jsonb #>/jsonb_array_elements) alike, so a
// list request never loads a whole table to filter it. Indexed columns serve the lookups IdPs send.
import { sql, type RawBuilder } from 'kysely';
import {
  resolveAttributePath,
  resolveSubAttribute,
  type ResourceSchema,
  type ResolvedAttribute,
} from '../scim/attribute-resolver.ts';
import { badRequest } from '../scim/errors.ts';
import type { AttributePath, CompareOperator, Filter, FilterValue } from '../scim/filter-ast.ts';
import type { AttributeDefinition } from '../scim/schema.ts';

export type SqlDialect = 'sqlite' | 'postgres';

type Sql = RawBuilder<unknown>;

/**
 * Where a scalar lives: a real column, a JSON path inside `data` (or inside an array element), or
 * a derived text expression (`meta.location`, `meta.version`).
 */
type Operand =
  | {
      readonly kind: 'column';
      readonly expr: Sql;
      readonly type: AttributeDefinition['type'];
      readonly caseExact: boolean;
      readonly folded?: boolean;
    }
  | {
      readonly kind: 'json';
      readonly base: Sql;
      readonly path: readonly string[];
      readonly type: AttributeDefinition['type'];
      readonly caseExact: boolean;
    }
  | {
      readonly kind: 'element';
      readonly alias: string;
      readonly path: readonly string[];
      readonly type: AttributeDefinition['type'];
      readonly caseExact: boolean;
    };

export interface CompileContext {
  readonly dialect: SqlDialect;
  readonly schema: ResourceSchema;
  /** Table alias of the resource row. */
  readonly alias: string;
  /** External base URL for `meta.location` comparisons, e.g. `http://h/scim/v2/c/Users/`. */
  readonly locationPrefix: string;
}

const FALSE = sql`(1 = 0)`;
const TRUE = sql`(1 = 1)`;

/**
 * Compiles a filter to a boolean SQL expression. Comparisons stay bare (NULL when the attribute is
 * absent) so indexes serve them: `user_name_key = ?` uses the unique index, `coalesce(…)` would not.
 * In a WHERE clause NULL acts as false through `and` and `or`; only `not` needs a two-valued operand,
 * so it alone collapses NULL to false first.
 */
export function compileFilter(filter: Filter, ctx: CompileContext): Sql {
  return compileNode(filter, ctx);
}

function compileNode(filter: Filter, ctx: CompileContext): Sql {
  switch (filter.kind) {
    case 'and':
      return sql`(${compileNode(filter.left, ctx)} and ${compileNode(filter.right, ctx)})`;
    case 'or':
      return sql`(${compileNode(filter.left, ctx)} or ${compileNode(filter.right, ctx)})`;
    case 'not':
      return sql`(not coalesce(${compileNode(filter.filter, ctx)}, ${FALSE}))`;
    case 'present':
      return compilePresent(filter.path, ctx);
    case 'compare':
      return compileCompare(filter.path, filter.op, filter.value, ctx);
    case 'valuePath':
      return compileValuePath(filter.path, filter.filter, ctx);
  }
}

function resolve(path: AttributePath, ctx: CompileContext): ResolvedAttribute {
  const resolved = resolveAttributePath(ctx.schema, path);
  if (!resolved) throw badRequest('invalidFilter', `unknown attribute '${printPath(path)}'`);
  return resolved;
}

function printPath(path: AttributePath): string {
  return `${path.uri ? `${path.uri}:` : ''}${path.attribute}${path.subAttribute ? `.${path.subAttribute}` : ''}`;
}

const col = (ctx: CompileContext, name: string): Sql => sql.ref(`${ctx.alias}.${name}`);

/** The JSON path segments of a top-level attribute inside `data`. */
function dataPath(resolved: ResolvedAttribute): string[] {
  return resolved.isExtension ? [resolved.schemaUri, resolved.attribute.name] : [resolved.attribute.name];
}

/** Relationship attributes kept in `group_members`, not in `data`. */
function isMembership(resolved: ResolvedAttribute, ctx: CompileContext): 'members' | 'groups' | undefined {
  if (resolved.isExtension) return undefined;
  const name = resolved.attribute.name;
  if (ctx.schema.resourceType.name === 'Group' && name === 'members') return 'members';
  if (ctx.schema.resourceType.name === 'User' && name === 'groups') return 'groups';
  return undefined;
}

/** Operand for a single-valued attribute or a sub-attribute of a single-valued complex one. */
function scalarOperand(resolved: ResolvedAttribute, ctx: CompileContext): Operand {
  const attr = resolved.attribute;
  const leaf = resolved.subAttribute ?? attr;
  const type = resourceTypeName(ctx);
  if (!resolved.isExtension && !resolved.subAttribute) {
    switch (attr.name) {
      case 'id':
        return { kind: 'column', expr: col(ctx, 'id'), type: 'string', caseExact: true };
      case 'externalId':
        return { kind: 'column', expr: col(ctx, 'external_id'), type: 'string', caseExact: true };
      case 'userName':
        if (type === 'User')
          return {
            kind: 'column',
            expr: col(ctx, 'user_name_key'),
            type: 'string',
            caseExact: false,
            folded: true,
          };
        break;
      case 'displayName':
        if (type === 'Group')
          return {
            kind: 'column',
            expr: col(ctx, 'display_name_key'),
            type: 'string',
            caseExact: false,
            folded: true,
          };
        break;
      case 'active':
        if (type === 'User')
          return { kind: 'column', expr: col(ctx, 'active'), type: 'boolean', caseExact: true };
        break;
    }
  }
  if (!resolved.isExtension && attr.name === 'meta' && resolved.subAttribute) {
    switch (resolved.subAttribute.name) {
      case 'created':
        return { kind: 'column', expr: col(ctx, 'created_at'), type: 'dateTime', caseExact: true };
      case 'lastModified':
        return { kind: 'column', expr: col(ctx, 'last_modified'), type: 'dateTime', caseExact: true };
      case 'resourceType':
        return { kind: 'column', expr: col(ctx, 'resource_type'), type: 'string', caseExact: false };
      case 'version':
        return {
          kind: 'column',
          expr: sql`('W/"' || ${col(ctx, 'version')} || '"')`,
          type: 'string',
          caseExact: true,
        };
      case 'location':
        return {
          kind: 'column',
          expr: sql`(${ctx.locationPrefix} || ${col(ctx, 'id')})`,
          type: 'reference',
          caseExact: true,
        };
    }
  }
  const path = dataPath(resolved);
  if (resolved.subAttribute) path.push(resolved.subAttribute.name);
  return { kind: 'json', base: col(ctx, 'data'), path, type: leaf.type, caseExact: leaf.caseExact };
}

function resourceTypeName(ctx: CompileContext): string {
  return ctx.schema.resourceType.name;
}

/** SQL text value of an operand (NULL when absent). */
function textOf(op: Operand, dialect: SqlDialect): Sql {
  if (op.kind === 'column') return op.expr;
  if (op.kind === 'element') {
    // json_each yields SQL values for scalars and JSON text for objects; jsonb_array_elements yields jsonb.
    if (dialect === 'sqlite')
      return op.path.length === 0
        ? sql.ref(`${op.alias}.value`)
        : sql`json_extract(${sql.ref(`${op.alias}.value`)}, ${jsonPathSqlite(op.path)})`;
    return sql`(${sql.ref(`${op.alias}.v`)} #>> ${toPgPath(op.path)})`;
  }
  if (dialect === 'sqlite') return sql`json_extract(${op.base}, ${jsonPathSqlite(op.path)})`;
  return sql`(${op.base} #>> ${toPgPath(op.path)})`;
}

function jsonPathSqlite(path: readonly string[]): string {
  return '$' + path.map((p) => `."${p.replaceAll('"', '""')}"`).join('');
}

function toPgPath(path: readonly string[]): Sql {
  return sql`${`{${path.map((p) => `"${p.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`}::text[]`;
}

function fold(expr: Sql, dialect: SqlDialect): Sql {
  return dialect === 'sqlite' ? sql`roster_fold(${expr})` : sql`lower(${expr})`;
}

function compileScalarCompare(
  op: Operand,
  operator: CompareOperator,
  value: FilterValue,
  ctx: CompileContext,
): Sql {
  const { dialect } = ctx;
  if (value === null) {
    // `attr eq null` means "not present"; `ne null` means present (RFC 7644 §3.4.2.2 treats null as unassigned).
    const present = sql`(${textOf(op, dialect)} is not null)`;
    if (operator === 'eq') return sql`(not ${present})`;
    if (operator === 'ne') return present;
    throw badRequest('invalidFilter', `operator '${operator}' cannot compare with null`);
  }
  switch (op.type) {
    case 'boolean':
      return compileBoolean(op, operator, value, ctx);
    case 'integer':
    case 'decimal':
      return compileNumber(op, operator, value, ctx);
    case 'dateTime':
      return compileDateTime(op, operator, value, ctx);
    case 'binary':
      if (
        operator !== 'eq' &&
        operator !== 'ne' &&
        operator !== 'co' &&
        operator !== 'sw' &&
        operator !== 'ew'
      )
        throw badRequest('invalidFilter', `operator '${operator}' does not apply to binary attributes`);
      return compileString(op, operator, String(value), ctx);
    case 'complex':
      throw badRequest('invalidFilter', 'a complex attribute cannot be compared; name a sub-attribute');
    case 'string':
    case 'reference':
      return compileString(op, operator, String(value), ctx);
  }
}

function compileString(op: Operand, operator: CompareOperator, value: string, ctx: CompileContext): Sql {
  const raw = textOf(op, ctx.dialect);
  const folded = !op.caseExact;
  // Indexed key columns already hold the folded value: fold only the literal so the index is used.
  const left = folded && !(op.kind === 'column' && op.folded) ? fold(raw, ctx.dialect) : raw;
  const v = folded ? value.toLowerCase() : value;
  const cmp = (sqlOp: string): Sql => sql`(${left} ${sql.raw(sqlOp)} ${v})`;
  switch (operator) {
    case 'eq':
      return cmp('=');
    case 'ne':
      return sql`(not coalesce(${left} = ${v}, ${FALSE}))`;
    case 'gt':
      return cmp('>');
    case 'ge':
      return cmp('>=');
    case 'lt':
      return cmp('<');
    case 'le':
      return cmp('<=');
    case 'co':
    case 'sw':
    case 'ew':
      return substring(left, operator, v, ctx.dialect);
  }
}

/**
 * co/sw/ew without LIKE: SQLite's LIKE folds ASCII case even for case-exact attributes, and
 * wildcards in user input would need escaping. Both sides are already folded when the attribute is
 * not case-exact.
 */
function substring(left: Sql, operator: 'co' | 'sw' | 'ew', v: string, dialect: SqlDialect): Sql {
  if (v === '') return sql`(${left} is not null)`;
  const find = dialect === 'sqlite' ? sql`instr(${left}, ${v})` : sql`strpos(${left}, ${v})`;
  switch (operator) {
    case 'co':
      return sql`(${find} > 0)`;
    case 'sw':
      return sql`(substr(${left}, 1, ${[...v].length}) = ${v})`;
    case 'ew':
      return dialect === 'sqlite'
        ? sql`(substr(${left}, ${-[...v].length}) = ${v})`
        : sql`(right(${left}, ${[...v].length}) = ${v})`;
  }
}

function compileBoolean(
  op: Operand,
  operator: CompareOperator,
  value: FilterValue,
  ctx: CompileContext,
): Sql {
  const b = typeof value === 'boolean' ? value : String(value).toLowerCase() === 'true';
  if (operator !== 'eq' && operator !== 'ne')
    throw badRequest('invalidFilter', `operator '${operator}' does not apply to boolean attributes`);
  let expr: Sql;
  if (op.kind === 'column') expr = sql`${op.expr} = ${b ? 1 : 0}`;
  else if (ctx.dialect === 'sqlite') expr = sql`${textOf(op, 'sqlite')} = ${b ? 1 : 0}`;
  else expr = sql`(${jsonbOf(op)}) = ${JSON.stringify(b)}::jsonb`;
  return operator === 'eq' ? sql`(${expr})` : sql`(not coalesce(${expr}, ${FALSE}))`;
}

/** PostgreSQL: the jsonb value of a JSON or element operand. */
function jsonbOf(op: Exclude<Operand, { kind: 'column' }>): Sql {
  const base = op.kind === 'element' ? sql.ref(`${op.alias}.v`) : op.base;
  return sql`(${base} #> ${toPgPath(op.path)})`;
}

function numericOf(op: Operand, ctx: CompileContext): Sql {
  if (op.kind === 'column') return op.expr;
  if (ctx.dialect === 'sqlite') return textOf(op, 'sqlite');
  return sql`(case when jsonb_typeof(${jsonbOf(op)}) = 'number' then (${textOf(op, 'postgres')})::numeric end)`;
}

function compileNumber(op: Operand, operator: CompareOperator, value: FilterValue, ctx: CompileContext): Sql {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n))
    throw badRequest('invalidFilter', 'a numeric attribute needs a number to compare with');
  const left = numericOf(op, ctx);
  const ops: Partial<Record<CompareOperator, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };
  if (operator === 'ne') return sql`(not coalesce(${left} = ${n}, ${FALSE}))`;
  const sqlOp = ops[operator];
  if (!sqlOp) throw badRequest('invalidFilter', `operator '${operator}' does not apply to numbers`);
  return sql`(${left} ${sql.raw(sqlOp)} ${n})`;
}

function compileDateTime(
  op: Operand,
  operator: CompareOperator,
  value: FilterValue,
  ctx: CompileContext,
): Sql {
  const instant = parseDateTime(value);
  const ops: Partial<Record<CompareOperator, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };
  let left: Sql;
  let right: Sql;
  if (op.kind === 'column') {
    // Our own timestamps are ISO-8601 UTC with milliseconds: they compare correctly as text.
    left = op.expr;
    right = sql`${instant}`;
  } else if (ctx.dialect === 'sqlite') {
    left = sql`julianday(${textOf(op, 'sqlite')})`;
    right = sql`julianday(${instant})`;
  } else {
    left = sql`(${textOf(op, 'postgres')})::timestamptz`;
    right = sql`${instant}::timestamptz`;
  }
  if (operator === 'ne') return sql`(not coalesce(${left} = ${right}, ${FALSE}))`;
  const sqlOp = ops[operator];
  if (!sqlOp) {
    // co/sw/ew on a dateTime compare the text as stored.
    return compileString({ ...op, type: 'string', caseExact: true }, operator, String(value), ctx);
  }
  return sql`(${left} ${sql.raw(sqlOp)} ${right})`;
}

function parseDateTime(value: FilterValue): string {
  if (typeof value !== 'string')
    throw badRequest('invalidFilter', 'a dateTime attribute needs a quoted timestamp');
  // Up to 7 fractional digits arrive from Microsoft's clients; JavaScript keeps milliseconds.
  const normalised = value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(normalised);
  if (Number.isNaN(ms))
    throw badRequest('invalidFilter', `'${value.slice(0, 40)}' is not an ISO-8601 dateTime`);
  return new Date(ms).toISOString();
}

function compileCompare(
  path: AttributePath,
  operator: CompareOperator,
  value: FilterValue,
  ctx: CompileContext,
): Sql {
  const resolved = resolve(path, ctx);
  const membership = isMembership(resolved, ctx);
  if (membership) return compileMembership(membership, resolved, { kind: 'compare', operator, value }, ctx);
  if (resolved.attribute.multiValued) {
    // A multi-valued attribute matches when any element matches; a complex one without a
    // sub-attribute compares its `value` (RFC 7644 §3.4.2.2: `emails co "example.com"`).
    // `ne` is the negation of `eq` over all values, and `eq null` means no value is assigned, as
    // in the in-memory evaluator (scim/filter-evaluate.ts).
    const sub = resolved.subAttribute ?? defaultValueSub(resolved.attribute);
    const any = (op: CompareOperator, v: FilterValue): Sql =>
      existsElement(resolved, ctx, (element) => {
        const operand = elementOperand(element, resolved.attribute, sub);
        return v === null
          ? sql`(${textOf(operand, ctx.dialect)} is not null)`
          : compileScalarCompare(operand, op, v, ctx);
      });
    if (value === null) {
      if (operator !== 'eq' && operator !== 'ne')
        throw badRequest('invalidFilter', `operator '${operator}' cannot compare with null`);
      return operator === 'eq' ? sql`(not ${any('eq', null)})` : any('eq', null);
    }
    return operator === 'ne' ? sql`(not ${any('eq', value)})` : any(operator, value);
  }
  if (resolved.attribute.type === 'complex' && !resolved.subAttribute) {
    // A complex attribute compared as a whole compares its `value` (`manager eq "id"`).
    const value_ = defaultValueSub(resolved.attribute);
    if (!value_)
      throw badRequest('invalidFilter', `'${printPath(path)}' is complex: compare one of its sub-attributes`);
    return compileScalarCompare(
      scalarOperand({ ...resolved, subAttribute: value_ }, ctx),
      operator,
      value,
      ctx,
    );
  }
  return compileScalarCompare(scalarOperand(resolved, ctx), operator, value, ctx);
}

function defaultValueSub(attr: AttributeDefinition): AttributeDefinition | undefined {
  if (attr.type !== 'complex') return undefined;
  const value = resolveSubAttribute(attr, 'value');
  if (!value) throw badRequest('invalidFilter', `'${attr.name}' has no 'value' sub-attribute; name one`);
  return value;
}

function compilePresent(path: AttributePath, ctx: CompileContext): Sql {
  const resolved = resolve(path, ctx);
  const membership = isMembership(resolved, ctx);
  if (membership) return compileMembership(membership, resolved, { kind: 'present' }, ctx);
  if (resolved.attribute.multiValued) {
    if (!resolved.subAttribute) return existsElement(resolved, ctx, () => TRUE);
    const sub = resolved.subAttribute;
    return existsElement(resolved, ctx, (element) => {
      const operand = elementOperand(element, resolved.attribute, sub);
      return sql`(${textOf(operand, ctx.dialect)} is not null)`;
    });
  }
  const operand = scalarOperand(resolved, ctx);
  // Stored resources never hold null, "" or [] (they are normalised away on write), so presence is existence.
  return sql`(${textOf(operand, ctx.dialect)} is not null)`;
}

/** A reference to one array element inside an EXISTS subquery. */
interface ElementRef {
  readonly alias: string;
}

let aliasCounter = 0;
function nextAlias(): string {
  aliasCounter = (aliasCounter + 1) % 1_000_000;
  return `e${aliasCounter}`;
}

function existsElement(
  resolved: ResolvedAttribute,
  ctx: CompileContext,
  predicate: (element: ElementRef) => Sql,
): Sql {
  const alias = nextAlias();
  const path = dataPath(resolved);
  const element = { alias };
  if (ctx.dialect === 'sqlite') {
    return sql`exists (select 1 from json_each(${col(ctx, 'data')}, ${jsonPathSqlite(path)}) as ${sql.ref(alias)} where ${predicate(element)})`;
  }
  return sql`exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${col(ctx, 'data')} #> ${toPgPath(path)}) = 'array' then ${col(ctx, 'data')} #> ${toPgPath(path)} else '[]'::jsonb end) as ${sql.ref(alias)}(v) where ${predicate(element)})`;
}

function elementOperand(
  element: ElementRef,
  attr: AttributeDefinition,
  sub: AttributeDefinition | undefined,
): Operand {
  const leaf = sub ?? attr;
  return {
    kind: 'element',
    alias: element.alias,
    path: sub ? [sub.name] : [],
    type: leaf.type,
    caseExact: leaf.caseExact,
  };
}

function compileValuePath(path: AttributePath, inner: Filter, ctx: CompileContext): Sql {
  const resolved = resolve(path, ctx);
  if (resolved.attribute.type !== 'complex' || resolved.subAttribute)
    throw badRequest('invalidFilter', `'${printPath(path)}[…]' needs a complex attribute before the bracket`);
  const membership = isMembership(resolved, ctx);
  if (membership) return compileMembership(membership, resolved, { kind: 'filter', filter: inner }, ctx);
  const compileInner = (element: ElementRef, f: Filter): Sql => {
    switch (f.kind) {
      case 'and':
        return sql`(${compileInner(element, f.left)} and ${compileInner(element, f.right)})`;
      case 'or':
        return sql`(${compileInner(element, f.left)} or ${compileInner(element, f.right)})`;
      case 'not':
        return sql`(not coalesce(${compileInner(element, f.filter)}, ${FALSE}))`;
      case 'valuePath':
        throw badRequest('invalidFilter', 'value paths cannot be nested');
      case 'present':
      case 'compare': {
        if (f.path.uri || f.path.subAttribute)
          throw badRequest(
            'invalidFilter',
            `inside '${resolved.attribute.name}[…]' name a sub-attribute only`,
          );
        const sub = resolveSubAttribute(resolved.attribute, f.path.attribute);
        if (!sub)
          throw badRequest(
            'invalidFilter',
            `'${resolved.attribute.name}' has no sub-attribute '${f.path.attribute}'`,
          );
        const operand = elementOperand(element, resolved.attribute, sub);
        if (f.kind === 'present') return sql`(${textOf(operand, ctx.dialect)} is not null)`;
        return compileScalarCompare(operand, f.op, f.value, ctx);
      }
    }
  };
  if (!resolved.attribute.multiValued) {
    // A single-valued complex attribute (`name[givenName eq "x"]`): the element is the object itself.
    return compileSingleComplex(resolved, inner, ctx);
  }
  return existsElement(resolved, ctx, (element) => compileInner(element, inner));
}

function compileSingleComplex(resolved: ResolvedAttribute, inner: Filter, ctx: CompileContext): Sql {
  const rewrite = (f: Filter): Filter => {
    switch (f.kind) {
      case 'and':
      case 'or':
        return { kind: f.kind, left: rewrite(f.left), right: rewrite(f.right) };
      case 'not':
        return { kind: 'not', filter: rewrite(f.filter) };
      case 'valuePath':
        throw badRequest('invalidFilter', 'value paths cannot be nested');
      case 'present':
      case 'compare':
        return {
          ...f,
          path: {
            ...(resolved.isExtension ? { uri: resolved.schemaUri } : {}),
            attribute: resolved.attribute.name,
            subAttribute: f.path.attribute,
          },
        };
    }
  };
  return compileNode(rewrite(inner), ctx);
}

type MembershipTest =
  | { readonly kind: 'compare'; readonly operator: CompareOperator; readonly value: FilterValue }
  | { readonly kind: 'present' }
  | { readonly kind: 'filter'; readonly filter: Filter };

/**
 * `members` of a Group and `groups` of a User live in `group_members`: compile to EXISTS over it.
 * Sub-attributes: value (the other side's id), type, display (the other side's display name).
 */
function compileMembership(
  which: 'members' | 'groups',
  resolved: ResolvedAttribute,
  test: MembershipTest,
  ctx: CompileContext,
): Sql {
  const m = nextAlias();
  const o = nextAlias();
  const self = which === 'members' ? 'group_id' : 'member_id';
  const other = which === 'members' ? 'member_id' : 'group_id';
  const subOperand = (name: string): Operand => {
    switch (name) {
      case 'value':
        return { kind: 'column', expr: sql.ref(`${m}.${other}`), type: 'string', caseExact: true };
      case 'type':
        return which === 'members'
          ? { kind: 'column', expr: sql.ref(`${m}.member_type`), type: 'string', caseExact: false }
          : { kind: 'column', expr: sql`'direct'`, type: 'string', caseExact: false };
      case 'display':
        return {
          kind: 'column',
          expr: sql`coalesce(${sql.ref(`${o}.display_name`)}, ${sql.ref(`${o}.user_name`)})`,
          type: 'string',
          caseExact: false,
        };
      case '$ref':
        return {
          kind: 'column',
          expr: sql.ref(`${m}.${other}`),
          type: 'reference',
          caseExact: true,
        };
      default:
        throw badRequest('invalidFilter', `'${resolved.attribute.name}.${name}' cannot be filtered`);
    }
  };
  const leafTest = (name: string, t: MembershipTest): Sql => {
    if (t.kind === 'present') return sql`(${textOf(subOperand(name), ctx.dialect)} is not null)`;
    if (t.kind === 'compare') return compileScalarCompare(subOperand(name), t.operator, t.value, ctx);
    throw new Error('unreachable');
  };
  const inner = (f: Filter): Sql => {
    switch (f.kind) {
      case 'and':
        return sql`(${inner(f.left)} and ${inner(f.right)})`;
      case 'or':
        return sql`(${inner(f.left)} or ${inner(f.right)})`;
      case 'not':
        return sql`(not coalesce(${inner(f.filter)}, ${FALSE}))`;
      case 'valuePath':
        throw badRequest('invalidFilter', 'value paths cannot be nested');
      case 'present':
        return leafTest(f.path.attribute.toLowerCase() === '$ref' ? '$ref' : f.path.attribute.toLowerCase(), {
          kind: 'present',
        });
      case 'compare':
        return leafTest(f.path.attribute === '$ref' ? '$ref' : f.path.attribute.toLowerCase(), {
          kind: 'compare',
          operator: f.op,
          value: f.value,
        });
    }
  };
  let predicate: Sql;
  let negate = false;
  if (test.kind === 'filter') predicate = inner(test.filter);
  else if (test.kind === 'compare' && (test.operator === 'ne' || test.value === null)) {
    // Same rule as for other multi-valued attributes: `ne` negates `eq` over all members.
    negate = test.operator === 'ne' ? test.value !== null : true;
    predicate =
      test.value === null
        ? leafTest(resolved.subAttribute?.name ?? 'value', { kind: 'present' })
        : leafTest(resolved.subAttribute?.name ?? 'value', {
            kind: 'compare',
            operator: 'eq',
            value: test.value,
          });
  } else predicate = leafTest(resolved.subAttribute?.name ?? 'value', test);
  const exists = sql`exists (select 1 from group_members as ${sql.ref(m)} left join scim_resources as ${sql.ref(o)} on ${sql.ref(`${o}.id`)} = ${sql.ref(`${m}.${other}`)} where ${sql.ref(`${m}.${self}`)} = ${col(ctx, 'id')} and ${predicate})`;
  return negate ? sql`(not ${exists})` : exists;
}

/** The SQL expression to order by for `sortBy` (RFC 7644 §3.4.2.3), or undefined for the default order. */
export function compileSortKey(path: AttributePath, ctx: CompileContext): Sql {
  const resolved = resolve(path, ctx);
  if (isMembership(resolved, ctx)) throw badRequest('invalidValue', `cannot sort by '${printPath(path)}'`);
  if (resolved.attribute.multiValued) {
    // Sort by the primary value, else the first (RFC 7644 §3.4.2.3).
    const sub = resolved.subAttribute ?? defaultValueSub(resolved.attribute);
    const alias = nextAlias();
    const p = dataPath(resolved);
    const element = { alias };
    const operand = elementOperand(element, resolved.attribute, sub);
    const text = textOf(operand, ctx.dialect);
    const key = operand.caseExact ? text : fold(text, ctx.dialect);
    if (ctx.dialect === 'sqlite')
      return sql`(select ${key} from json_each(${col(ctx, 'data')}, ${jsonPathSqlite(p)}) as ${sql.ref(alias)} order by coalesce(json_extract(${sql.ref(`${alias}.value`)}, '$.primary'), 0) desc, ${sql.ref(`${alias}.key`)} limit 1)`;
    return sql`(select ${key} from jsonb_array_elements(case when jsonb_typeof(${col(ctx, 'data')} #> ${toPgPath(p)}) = 'array' then ${col(ctx, 'data')} #> ${toPgPath(p)} else '[]'::jsonb end) with ordinality as ${sql.ref(alias)}(v, n) order by coalesce((${sql.ref(`${alias}.v`)} ->> 'primary')::boolean, false) desc, ${sql.ref(`${alias}.n`)} limit 1)`;
  }
  if (resolved.attribute.type === 'complex' && !resolved.subAttribute)
    throw badRequest('invalidValue', `cannot sort by complex '${printPath(path)}'; name a sub-attribute`);
  const operand = scalarOperand(resolved, ctx);
  if (operand.type === 'integer' || operand.type === 'decimal') return numericOf(operand, ctx);
  if (operand.type === 'boolean')
    return operand.kind === 'column' ? operand.expr : textOf(operand, ctx.dialect);
  const text = textOf(operand, ctx.dialect);
  if (operand.caseExact || (operand.kind === 'column' && operand.folded)) return text;
  return fold(text, ctx.dialect);
}
