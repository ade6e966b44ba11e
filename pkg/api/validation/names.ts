// String formats of Kubernetes names and keys. Each check returns the list of problems (empty when
// valid) so callers can attach them to a field path.

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const DNS1035_LABEL_MAX = 63;
export const LABEL_VALUE_MAX = 63;
export const QUALIFIED_NAME_MAX = 63;

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const CONFIG_KEY = '[-._a-zA-Z0-9]+';
const C_IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN}$`);
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL}$`);
const qualifiedNameRe = new RegExp(`^${QUALIFIED_NAME}$`);
const configKeyRe = new RegExp(`^${CONFIG_KEY}$`);
const cIdentifierRe = new RegExp(`^${C_IDENTIFIER}$`);

export function maxLengthMessage(n: number): string {
  return `must be no more than ${n} characters`;
}

function formatMessage(what: string, regex: string, examples: readonly string[]): string {
  const eg = examples.map((e) => `'${e}'`).join(' or ');
  return `${what} (e.g. ${eg}, regex used for validation is '${regex}')`;
}

/** RFC 1123 label: namespaces, container and port names, most `name` fields of lists. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(maxLengthMessage(DNS1123_LABEL_MAX));
  if (!dns1123LabelRe.test(value)) {
    errs.push(
      formatMessage(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL,
        ['my-name', '123-abc'],
      ),
    );
  }
  return errs;
}

/** RFC 1123 subdomain: the name format of most objects. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLengthMessage(DNS1123_SUBDOMAIN_MAX));
  if (!dns1123SubdomainRe.test(value)) {
    errs.push(
      formatMessage(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        ['example.com'],
      ),
    );
  }
  return errs;
}

/** RFC 1035 label (starts with a letter): Service names. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1035_LABEL_MAX) errs.push(maxLengthMessage(DNS1035_LABEL_MAX));
  if (!dns1035LabelRe.test(value)) {
    errs.push(
      formatMessage(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL,
        ['my-name', 'abc-123'],
      ),
    );
  }
  return errs;
}

const nameTextRule = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** `[prefix/]name` as label keys, annotation keys and finalizers use. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${formatMessage(nameTextRule, QUALIFIED_NAME, ['MyName', 'my.name', '123-abc'])} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > QUALIFIED_NAME_MAX) errs.push(`name part ${maxLengthMessage(QUALIFIED_NAME_MAX)}`);
  if (!qualifiedNameRe.test(name)) errs.push(`name part ${formatMessage(nameTextRule, QUALIFIED_NAME, ['MyName', 'my.name', '123-abc'])}`);
  return errs;
}

/** Label values: empty, or a qualified-name-like token of at most 63 characters. */
export function isLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX) errs.push(maxLengthMessage(LABEL_VALUE_MAX));
  if (value !== '' && !qualifiedNameRe.test(value)) {
    errs.push(
      formatMessage(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        `(${QUALIFIED_NAME})?`,
        ['MyValue', 'my_value', '12345'],
      ),
    );
  }
  return errs;
}

/** Keys of ConfigMap/Secret data and of key-to-path projections. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLengthMessage(DNS1123_SUBDOMAIN_MAX));
  if (!configKeyRe.test(value)) {
    errs.push(formatMessage("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY, ['key.name', 'KEY_NAME', 'key-name']));
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** IANA service name as used for named ports: ≤ 15 chars, [-a-z0-9], one letter, no '--', no edge '-'. */
export function isValidPortName(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 15) errs.push(maxLengthMessage(15));
  if (!/^[-a-z0-9]+$/.test(value)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (value.startsWith('-') || value.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** Environment variable names (1.34+: any printable ASCII except '='). */
export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0 || ![...value].every((c) => c >= ' ' && c <= '~' && c !== '=')) {
    errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
  }
  return errs;
}

export function isCIdentifier(value: string): string[] {
  return cIdentifierRe.test(value)
    ? []
    : [formatMessage("a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'", C_IDENTIFIER, ['my_name', 'MY_NAME', 'MyName'])];
}

/** `[0-9]+%` */
export function isValidPercent(value: string): string[] {
  return /^[0-9]+%$/.test(value) ? [] : [formatMessage("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', ['1%', '93%'])];
}

/**
 * Validates an object name (or, with `prefix`, a generateName prefix whose trailing '-' is
 * ignored). Each resource picks one of these as upstream does.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];

function prefixed(check: (v: string) => string[]): NameValidator {
  return (name, prefix) => check(prefix ? maskTrailingDash(name) : name);
}

function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = prefixed(isDNS1123Subdomain);
export const nameIsDNSLabel: NameValidator = prefixed(isDNS1123Label);
export const nameIsDNS1035Label: NameValidator = prefixed(isDNS1035Label);

/** Names that only need to be usable as one URL path segment (legacy Events). */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  const errs: string[] = [];
  if (!prefix && (name === '.' || name === '..')) errs.push(`may not be '${name}'`);
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};
