// Errors of the CEL package: an expression that does not compile, and one that fails at run time.
// Both carry upstream-like messages that admission and CRD validation put into their Status texts.

/** The expression could not be parsed or planned. */
export class CelCompileError extends Error {
  constructor(readonly expression: string, message: string) {
    super(`compilation failed: ${message}`);
    this.name = 'CelCompileError';
  }
}

/** Evaluating a compiled expression failed (no such key, no matching overload, wrong result type…). */
export class CelEvalError extends Error {
  constructor(readonly expression: string, message: string) {
    super(message);
    this.name = 'CelEvalError';
  }
}
