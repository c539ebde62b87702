// The mapping of a sync's public surface: the expression language, mapping files, the built-in
// Personio mapping, applying a mapping to a person, and the person's field names.
export type {
  Expression,
  ExpressionError,
  ExpressionResult,
  ListItem,
  Literal,
  Value,
} from './expression-ast.ts';
export {
  DEFAULT_EXPRESSION_MAX_DEPTH,
  DEFAULT_EXPRESSION_MAX_LENGTH,
  parseExpression,
} from './expression-parser.ts';
export type { ExpressionParseOptions } from './expression-parser.ts';
export { printExpression } from './expression-printer.ts';
export { compileExpression } from './expression-compiler.ts';
export type { CompiledExpression } from './expression-compiler.ts';
export { FUNCTION_NAMES, MAX_LIST_LENGTH, MAX_TEXT_LENGTH } from './expression-functions.ts';
export { evaluateExpression, evaluateExpressionSync } from './expression-evaluator.ts';
export type { EvaluationContext, EvaluationResult, IsFree } from './expression-evaluator.ts';
export { DIACRITIC_REPLACEMENTS, normalizeDiacritics } from './diacritics.ts';
export {
  APPLY_ON,
  BUILT_IN_MAPPINGS,
  MAX_MAPPING_FILE_LENGTH,
  builtInMapping,
  formatMappingFileError,
  parseMappingFile,
  parseMappingObject,
} from './mapping-file.ts';
export type {
  ApplyOn,
  BuiltInMappingName,
  MappedAttribute,
  Mapping,
  MappingFileError,
  MappingFileResult,
} from './mapping-file.ts';
export { PERSONIO_DEFAULT_MAPPING_SOURCE } from './personio-default-mapping.ts';
export { resolveTargetPath } from './target-path.ts';
export type { ElementMatch, TargetPath } from './target-path.ts';
export type { ScimValue } from './target-value.ts';
export { TARGET_VALUE_STATES, applyMapping, resolveReferences } from './apply-mapping.ts';
export type {
  MappingContext,
  MappingError,
  MappingOutcome,
  PersonReference,
  TargetValue,
  TargetValueState,
} from './apply-mapping.ts';
export {
  PERSON_FIELDS,
  PERSON_FIELD_KINDS,
  PERSON_FIELD_NAMES,
  describeKnownFields,
  rawCustomAttribute,
  rawPersonField,
  readPersonField,
  resolvePersonField,
} from './person-fields.ts';
export type { PersonFieldKind, PersonFieldRef } from './person-fields.ts';
