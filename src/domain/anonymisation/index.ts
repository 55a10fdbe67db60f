// The anonymisation guard's public surface.

export type {
  Finding,
  FindingKind,
  IdentifierKind,
  Identifiers,
  PatternKind,
  ScannedDocument,
  Severity,
} from './types.ts';
export { scanForIdentifiers } from './scan.ts';
export { isValidNhsNumber } from './nhs-numbers.ts';
