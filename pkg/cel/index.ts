// pkg/cel: the Common Expression Language as Kubernetes uses it (admission policies, CRD
// x-kubernetes-validations), on the npm library @bufbuild/cel.
//
//   const env = new CelEnvironment(['self', 'oldSelf']);   // variable names, all `dyn`
//   const rule = env.compile('self.replicas <= 5');          // throws CelCompileError
//   rule.evaluateBool({ self: obj, oldSelf: old });          // JSON in; throws CelEvalError
//
// JSON whole numbers are CEL ints, other numbers doubles; absent fields fail with "no such key"
// unless guarded with has(). Functions: CEL's standard library, the strings extension, and the
// Kubernetes list/regex/url/quantity libraries (see kubernetes-library.ts for the deviations).
export { CelEnvironment, type CelProgram } from './cel-program';
export { CelCompileError, CelEvalError } from './errors';
export { fromCel, toCel } from './cel-values';
