// Partition rules: DROP in INPUT and OUTPUT for each peer address, every rule
// carrying a comment tag unique to one fault, so the inverse deletes exactly
// the rules that fault added and nothing an operator or a firewall set up
// (never `iptables -F`).

export const TAG_PREFIX = 'trove-ha:';

export function partitionTag(faultId: string): string {
  const tag = `${TAG_PREFIX}${faultId}`;
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(tag)) throw new Error(`"${faultId}" cannot be an iptables comment tag`);
  return tag;
}

/**
 * Inserts (at the top, ahead of any ACCEPT) DROP rules both ways for every
 * address; with `tcpPorts`, only TCP packets to or from those ports (one
 * cluster's traffic, the node's other services untouched).
 */
export function insertDropRules(tag: string, addresses: string[], tcpPorts: number[] = []): string {
  for (const p of tcpPorts) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`${p} is not a TCP port`);
  const ports = tcpPorts.length ? `-p tcp -m multiport --ports ${tcpPorts.join(',')} ` : '';
  const comment = `-m comment --comment ${tag}`;
  return addresses
    .flatMap((a) => [`iptables -w -I INPUT -s ${a}/32 ${ports}${comment} -j DROP`, `iptables -w -I OUTPUT -d ${a}/32 ${ports}${comment} -j DROP`])
    .join(' && ');
}

/**
 * Deletes every rule tagged `tag` in INPUT and OUTPUT, then verifies none is
 * left (exit 1 otherwise). `iptables -S` prints a rule as its `-A` spec, with
 * the comment in double quotes (`--comment "trove-ha:x"`); the same spec with
 * `-D` and the quotes dropped (no shell strips them on this path) deletes that
 * very rule. The match accepts the comment quoted or not, and requires it to
 * end there, so tag "x:1" never matches "x:12".
 */
export function deleteTaggedRules(tag: string): string {
  const re = `--comment "?${tag.replace(/\./g, '\\.')}"?( |$)`;
  return [
    'set -f',
    `re='${re}'`,
    `for chain in INPUT OUTPUT; do iptables -w -S "$chain" | grep -E -e "$re" | sed 's/^-A /-D /; s/"//g' | while read -r rule; do iptables -w $rule; done; done`,
    `if iptables -w -S | grep -q -E -e "$re"; then echo 'iptables rules tagged ${tag} are still present' >&2; exit 1; fi`,
  ].join('; ');
}
