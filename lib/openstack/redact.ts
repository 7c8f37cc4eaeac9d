// Redaction of everything an HTTP exchange may carry that is a secret: auth
// headers, sensitive JSON fields, and the literal values of secrets we know
// (resolved passwords, issued tokens). Every summary, error message and
// excerpt that leaves lib/openstack goes through a Redactor first, because
// Allure results and CI logs are read by people who must not see them.

export const REDACTED = '***';

/** Headers that carry credentials; compared case-insensitively. */
const SENSITIVE_HEADERS = new Set([
  'x-auth-token',
  'x-subject-token',
  'x-service-token',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
]);

// Field names whose value is a secret in OpenStack payloads: Keystone auth
// (password, token), Nova (adminPass), Trove (root_password, users[].password,
// the guest context's _context_auth_token), keys of any kind (private_key,
// encrypted_key, instance_rpc_encr_key, api_key, ...). "key" only counts at the
// end of the name so that key_name (a Nova keypair's name) and keystone stay.
const SENSITIVE_FIELD = /pass(word|wd|phrase)|^pass$|adminpass|secret|token|credential|key$/i;

// Known secrets shorter than this are replaced only where a whole string equals
// them: replacing a 2-character password inside every string would garble the
// summary and reveal the secret by its gaps.
const MIN_SUBSTRING_SECRET_LENGTH = 4;

export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADERS.has(name.toLowerCase());
}

export function isSensitiveField(name: string): boolean {
  return SENSITIVE_FIELD.test(name);
}

export type HeaderValue = string | string[] | number | undefined;

export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(knownSecrets: Iterable<string> = []) {
    for (const s of knownSecrets) this.addSecret(s);
  }

  /** Remember a secret value (a password, a token) so it never appears verbatim. */
  addSecret(value: string): void {
    if (value) this.secrets.add(value);
  }

  /** Replace known secret values inside free text (URLs, non-JSON bodies, messages). */
  redactText(text: string): string {
    let out = text;
    for (const s of this.secretsLongestFirst()) {
      if (out === s) return REDACTED;
      if (s.length >= MIN_SUBSTRING_SECRET_LENGTH) out = out.split(s).join(REDACTED);
    }
    return maskSensitiveJsonFragments(out);
  }

  redactHeaders(headers: Record<string, HeaderValue>): Record<string, HeaderValue> {
    const out: Record<string, HeaderValue> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (isSensitiveHeader(name)) out[name] = REDACTED;
      else if (typeof value === 'string') out[name] = this.redactText(value);
      else if (Array.isArray(value)) out[name] = value.map((v) => this.redactText(v));
      else out[name] = value;
    }
    return out;
  }

  /** A deep copy of a JSON value with sensitive fields and known secrets replaced. */
  redactJson(value: unknown): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (Array.isArray(value)) return value.map((v) => this.redactJson(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        // A sensitive name over an object (Keystone's {"token": {catalog...}},
        // {"password": {"user": ...}}) is a container, not a secret: recurse,
        // so nested secrets are still caught and the structure stays readable.
        const isSecretLeaf = typeof v === 'string' || typeof v === 'number';
        out[k] = isSecretLeaf && isSensitiveField(k) ? REDACTED : this.redactJson(v);
      }
      return out;
    }
    return value;
  }

  /**
   * Redact a body given as text: parsed and redacted as JSON when it is JSON,
   * otherwise treated as free text (which still masks "password": "..." pairs,
   * e.g. in a truncated JSON document that no longer parses).
   */
  redactBodyText(text: string): string {
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(this.redactJson(JSON.parse(text)));
      } catch {
        // not JSON after all: fall through to text redaction
      }
    }
    return this.redactText(text);
  }

  private secretsLongestFirst(): string[] {
    // Longest first so a secret that contains a shorter one is replaced whole.
    return [...this.secrets].sort((a, b) => b.length - a.length);
  }
}

// "name": "value" pairs with a sensitive name, in text that is not parseable
// JSON (an excerpt cut mid-document, a log line quoting a body). The closing
// quote is optional so that a value cut off at the end of the text is masked too;
// numbers count as well (a numeric PIN or key).
const JSON_PAIR = /("([A-Za-z0-9_.\-]+)"\s*:\s*)(?:"(?:[^"\\]|\\.)*(?:"|\\?$)|-?\d[\d.eE+-]*)/g;

function maskSensitiveJsonFragments(text: string): string {
  return text.replace(JSON_PAIR, (whole, prefix: string, name: string) =>
    isSensitiveField(name) ? `${prefix}"${REDACTED}"` : whole,
  );
}
