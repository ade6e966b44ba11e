// pkg/cel: the Common Expression Language as Kubernetes uses it (admission policies, CRD
// x-kubernetes-validations), on the npm library @bufbuild/cel.
//
//   const env = new CelEnvironment(['self', 'oldSelf']);   // variable names, all `dyn`
//   const rule = env.compile('self.replicas <= 5');          // throws CelCompileError
//   rule.evaluateBool({ self: obj, oldSelf: old });          // JSON in; throws CelEvalError
//   const act = new CelActivation({ self: obj });            // convert once, evaluate many rules
//
// All variables are `dyn` (no type checking at compile time). JSON whole numbers become CEL ints
// and other numbers doubles, so `int + double` fails as in CEL (comparisons across the two work).
// Upstream types `type: number` schema fields as double; here a whole value in such a field is an
// int, so arithmetic mixing it with doubles needs double(x). Absent fields fail with "no such key" unless guarded with has(); the optional-field
// syntax (`a.?b`) is not supported by the parser. Functions: CEL's standard library (timestamps,
// durations, matches…), the strings extension, and the Kubernetes list/regex/url/quantity
// libraries (see kubernetes-library.ts for the deviations). Object literals such as
// `Object{spec: …}` compile after rewriteObjectLiterals(). The `authorizer` variable takes a
// CelAuthorizer and is answered by evaluateAsync (see cel-authorizer.ts).
export { CelActivation, CelEnvironment, type CelProgram, type CelVariables } from './cel-program';
export { CelCompileError, CelEvalError } from './errors';
export { CelAuthorizer, type CelAuthorize, type CelAuthorizerCheck, type CelAuthorizerUser, type CelAuthorizerVerdict, type CelRequestResource } from './cel-authorizer';
export { fromCel, toCel } from './cel-values';
export { rewriteObjectLiterals } from './object-literals';
