// Validation of label keys (qualified names with an optional DNS-subdomain prefix) and label values,
// following the rules of Kubernetes' apimachinery validation package. Each function returns the
// problems found (empty when valid) so callers can phrase the final message.

const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
const DNS1123_SUBDOMAIN_MAX = 253;

const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const NAME_SHAPE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName', or 'my.name', or '123-abc')";

/** Problems with a label key such as `app` or `example.com/tier`; [] when valid. */
export function labelKeyProblems(key: string): string[] {
  const parts = key.split('/');
  let name: string;
  const problems: string[] = [];
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const [prefix, rest] = parts;
    name = rest;
    if (prefix.length === 0) {
      problems.push('prefix part must be non-empty');
    } else {
      if (prefix.length > DNS1123_SUBDOMAIN_MAX) {
        problems.push(`prefix part must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`);
      }
      if (!dns1123Subdomain.test(prefix)) {
        problems.push(
          "prefix part must be a lowercase RFC 1123 subdomain: lower case alphanumeric characters, '-' or '.', " +
            "starting and ending with an alphanumeric character (e.g. 'example.com')",
        );
      }
    }
  } else {
    return [`a qualified name ${NAME_SHAPE}, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) {
    problems.push('name part must be non-empty');
  } else if (name.length > QUALIFIED_NAME_MAX) {
    problems.push(`name part must be no more than ${QUALIFIED_NAME_MAX} characters`);
  }
  if (name.length > 0 && !qualifiedNamePart.test(name)) {
    problems.push(`name part ${NAME_SHAPE}`);
  }
  return problems;
}

/** Problems with a label value (may be empty); [] when valid. */
export function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > LABEL_VALUE_MAX) {
    problems.push(`must be no more than ${LABEL_VALUE_MAX} characters`);
  }
  if (!labelValueRe.test(value)) {
    problems.push(`a valid label value must be an empty string or ${NAME_SHAPE.replace('must consist', 'consist')}`);
  }
  return problems;
}
