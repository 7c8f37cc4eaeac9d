// Loads test/fixtures/guest/oslo-vectors.json (made by make-vectors.py with the
// real Trove 18 / oslo.messaging 14 code) and turns Python floats back into
// PyFloat, which JSON.parse alone cannot tell from ints.
import { readFileSync } from 'node:fs';
import { pyFloat } from '../../lab/guest/oslo/py-json.ts';

export interface Vectors {
  key: string;
  json_dumps: Array<{ value: unknown; float: boolean; dumps: string }>;
  encrypt_fixed_iv: Array<{ value: unknown; float: boolean; json: string; iv_hex: string; b64: string }>;
  encrypt_random_iv: Array<{ json: string; b64: string }>;
  encrypt_other_key: { key: string; json: string; b64: string };
  secure_serializer: { entity: { value: unknown; wire: string }; context: { value: Record<string, unknown>; wire: { context: string } } };
  conductor_guest_serializer: { guest_id: string; entity: { value: unknown; wire: string }; context: { value: Record<string, unknown>; wire: Record<string, string> } };
  remote_exceptions: Record<string, { class: string; module: string; message: string; args: unknown[]; kwargs: Record<string, unknown> }>;
  version_is_compatible: Array<{ implemented: string | null; requested: string; compatible: boolean }>;
  mariadb_manager_signatures: Record<string, { required: string[]; optional: string[]; var_kwargs: boolean }>;
}

export const vectors = JSON.parse(readFileSync(new URL('../fixtures/guest/oslo-vectors.json', import.meta.url), 'utf8')) as Vectors;

export const asPython = (value: unknown, isFloat: boolean): unknown => (isFloat ? pyFloat(value as number) : value);
