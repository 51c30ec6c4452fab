/**
 * The value shapes a device can declare for its writable records (`schemas` in the gateway's
 * configuration): a small JSON Schema subset, checked when the configuration loads and against
 * every value written to the record.
 */
/**
 * The shape a command must have (a small JSON Schema subset): `type` (`object`, `number`,
 * `integer`, `boolean`, `string`, `array`, `null`), `properties`, `required`,
 * `additionalProperties: false`, `minimum`/`maximum`, `maxLength`, `maxItems`, `items`, `enum`.
 */
export interface ValueSchema {
  type?: 'object' | 'number' | 'integer' | 'boolean' | 'string' | 'array' | 'null';
  properties?: { [k: string]: ValueSchema };
  required?: string[];
  additionalProperties?: boolean;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  items?: ValueSchema;
  enum?: Array<string | number | boolean | null>;
}

const SCHEMA_TYPES = ['object', 'number', 'integer', 'boolean', 'string', 'array', 'null'];
const SCHEMA_KEYS = ['type', 'properties', 'required', 'additionalProperties', 'minimum', 'maximum', 'maxLength', 'maxItems', 'items', 'enum', 'description'];

/** Why `v` is not a schema of the supported subset, or `undefined`. */
export function schemaProblem(v: unknown, depth = 0): string | undefined {
  if (depth > 8) return 'schema nested deeper than 8 levels';
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expected a schema mapping';
  const o = v as { [k: string]: unknown };
  for (const k of Object.keys(o)) if (!SCHEMA_KEYS.includes(k)) return `unsupported schema keyword '${k}' (supported: ${SCHEMA_KEYS.join(', ')})`;
  if (o.type !== undefined && !SCHEMA_TYPES.includes(o.type as string)) return `unknown type '${String(o.type)}'`;
  if (o.properties !== undefined) {
    if (!o.properties || typeof o.properties !== 'object' || Array.isArray(o.properties)) return 'properties: expected a mapping';
    for (const [k, p] of Object.entries(o.properties)) {
      const m = schemaProblem(p, depth + 1);
      if (m) return `properties.${k}: ${m}`;
    }
  }
  if (o.items !== undefined) {
    const m = schemaProblem(o.items, depth + 1);
    if (m) return 'items: ' + m;
  }
  if (o.required !== undefined && (!Array.isArray(o.required) || o.required.some((x) => typeof x !== 'string'))) return 'required: expected a list of names';
  for (const k of ['minimum', 'maximum', 'maxLength', 'maxItems']) if (o[k] !== undefined && typeof o[k] !== 'number') return `${k}: expected a number`;
  if (o.enum !== undefined && !Array.isArray(o.enum)) return 'enum: expected a list';
  return undefined;
}

/**
 * Checks `value` against a schema (the subset of {@link ValueSchema}); returns the first mismatch
 * (`open: expected boolean, got string`) or `undefined` when it matches.
 */
export function valueMismatch(schema: ValueSchema, value: unknown, path = 'value'): string | undefined {
  const t = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (schema.enum && !schema.enum.some((e) => e === value)) return `${path}: expected one of ${JSON.stringify(schema.enum)}`;
  if (schema.type) {
    const ok = schema.type === 'integer' ? typeof value === 'number' && Number.isInteger(value) : schema.type === t;
    if (!ok) return `${path}: expected ${schema.type}, got ${t}`;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `${path}: not a finite number`;
    if (schema.minimum !== undefined && value < schema.minimum) return `${path}: below the minimum ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `${path}: above the maximum ${schema.maximum}`;
  }
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength) return `${path}: longer than ${schema.maxLength}`;
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return `${path}: more than ${schema.maxItems} items`;
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const m = valueMismatch(schema.items, value[i], `${path}[${i}]`);
        if (m) return m;
      }
    }
  }
  if (t === 'object') {
    const o = value as { [k: string]: unknown };
    for (const r of schema.required ?? []) if (!Object.prototype.hasOwnProperty.call(o, r)) return `${path}.${r}: required`;
    const props = schema.properties ?? {};
    for (const k of Object.keys(o)) {
      if (Object.prototype.hasOwnProperty.call(props, k)) {
        const m = valueMismatch(props[k], o[k], `${path}.${k}`);
        if (m) return m;
      } else if (schema.additionalProperties === false) return `${path}.${k}: not allowed`;
    }
  }
  return undefined;
}

