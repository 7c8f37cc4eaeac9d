// oslo_messaging/_utils.py version_is_compatible, used by the RPC dispatcher
// (endpoint target version vs the message's "version") and for the envelope.

/** True when a server implementing `implemented` can serve a request for `requested`. */
export function versionIsCompatible(implemented: string | null, requested: string | null): boolean {
  if (implemented === null) return true;
  if (requested === null) return false;
  const req = requested.split('.');
  const imp = implemented.split('.');
  const num = (parts: string[], i: number): number => {
    const n = Number.parseInt(parts[i] ?? '0', 10);
    // Python's int() raises on garbage; the dispatcher then fails the request.
    if (Number.isNaN(n)) throw new TypeError(`invalid version ${parts.join('.')}`);
    return n;
  };
  if (num(req, 0) !== num(imp, 0)) return false;
  if (num(req, 1) > num(imp, 1)) return false;
  if (num(req, 1) === num(imp, 1) && num(req, 2) > num(imp, 2)) return false;
  return true;
}
