// Writes filter and PATCH-path trees back as text in one canonical form: lower-case operators,
// JSON strings, and only the parentheses the tree needs. parseFilter(printFilter(f)) equals f.
import type { AttributePath, Filter, FilterValue, PatchPath } from './filter-ast.ts';

/** `[uri ":"] attribute ["." subAttribute]`, names as written. */
export function printAttributePath(path: AttributePath): string {
  const qualified = path.uri === undefined ? path.attribute : `${path.uri}:${path.attribute}`;
  return path.subAttribute === undefined ? qualified : `${qualified}.${path.subAttribute}`;
}

/** A literal as JSON; numbers must be finite (the parser never yields others). */
export function printFilterValue(value: FilterValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  // String(-0) is "0"; keep the sign so the tree survives a round trip.
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  return String(value);
}

/**
 * Canonical text of a filter. Precedence is `not` > `and` > `or` and the parser folds chains to
 * the left, so parentheses appear only around an `or` under an `and`, and around a right operand
 * of the same operator (`a and (b and c)`), which is the tree the parser would not build unaided.
 */
export function printFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${printAttributePath(filter.path)} ${filter.op} ${printFilterValue(filter.value)}`;
    case 'present':
      return `${printAttributePath(filter.path)} pr`;
    case 'not':
      return `not (${printFilter(filter.filter)})`;
    case 'valuePath':
      return `${printAttributePath(filter.path)}[${printFilter(filter.filter)}]`;
    case 'and': {
      const left = printFilter(filter.left);
      const right = printFilter(filter.right);
      const wrapLeft = filter.left.kind === 'or';
      const wrapRight = filter.right.kind === 'or' || filter.right.kind === 'and';
      return `${wrapLeft ? `(${left})` : left} and ${wrapRight ? `(${right})` : right}`;
    }
    case 'or': {
      const right = printFilter(filter.right);
      return `${printFilter(filter.left)} or ${filter.right.kind === 'or' ? `(${right})` : right}`;
    }
  }
}

/** `attrPath`, `attrPath[filter]` or `attrPath[filter].subAttribute`. */
export function printPatchPath(path: PatchPath): string {
  const attribute = printAttributePath(path.path);
  if (path.filter === undefined) {
    // Outside the documented shape, but printing it keeps the sub-attribute rather than dropping it.
    return path.subAttribute === undefined ? attribute : `${attribute}.${path.subAttribute}`;
  }
  const selected = `${attribute}[${printFilter(path.filter)}]`;
  return path.subAttribute === undefined ? selected : `${selected}.${path.subAttribute}`;
}
