/**
 * Text taken from an artifact (ids, reasons, platform fields, output values) before it reaches a
 * terminal or a CI log. A newline in a hostile manifest could start a line of its own, such as a
 * GitHub workflow command (`::error::…`, forging a failure or hiding one), and an escape sequence
 * could rewrite what the terminal shows. Control characters (C0, DEL, C1), line and paragraph
 * separators and bidirectional overrides become `\uXXXX`; a leading `::` is broken up.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(s: string): string {
  const out = s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return out.startsWith('::') ? `\\u003a${out.slice(1)}` : out;
}

/**
 * A copy of a parsed JSON value (a manifest) with every string, keys included, passed through
 * printable(): for renderers that interpolate many fields (Markdown summary, JUnit), so none is missed.
 */
export function printableDeep<T>(v: T): T {
  if (typeof v === 'string') return printable(v) as T;
  if (Array.isArray(v)) return v.map((x) => printableDeep(x)) as T;
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [printable(k), printableDeep(x)]),
    ) as T;
  return v;
}
