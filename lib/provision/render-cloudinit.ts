// The documents' cloud-init script (seed 000, 3.4.3, percona.cloudinit) for
// <cloudinit_location>/<manager>.cloudinit on the controllers: the guest finds
// its address on a trove-mgmt network and writes that network's VIP as the
// proxy host name (proxy.polex.io) into /etc/hosts, so its guest agent reaches
// RabbitMQ and Swift through the HAProxy VIP of its own management network.
//
// It is a cloud-config document with the script as a bootcmd, not a bare shell
// script: Trove 18 appends its own "#cloud-config" + write_files to this text,
// and a shell script in front would make cloud-init run the whole user_data as
// a script (see lab/steps/trove.ts, which found this out). Networks are matched
// by their CIDR (integer arithmetic) rather than the documents' 10.50.* prefix.
import { ConfigError } from '../env/errors.ts';
import type { Environment } from '../env/schema.ts';
import { provisionOf, vipAddress } from './desired.ts';
import { parseCidr } from './ipv4.ts';

export function proxyHostname(env: Environment): string {
  const names = new Set(provisionOf(env).managementNetworks.map((n) => env.vips[n.vip]!.hostname));
  const [name, ...others] = [...names];
  if (!name || others.length) throw new ConfigError(`vips of provision.managementNetworks: set the same hostname (the documents' proxy.polex.io) on every trove-mgmt VIP (have: ${[...names].map(String).join(', ')})`);
  return name;
}

export function renderCloudinit(env: Environment): string {
  const host = proxyHostname(env);
  const cases = provisionOf(env)
    .managementNetworks.map((n) => {
      const c = parseCidr(n.cidr);
      const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
      return `      # ${n.name} ${n.cidr}: VIP ${vipAddress(env, n.name)}\n      [ $(( n & ${mask} )) -eq ${c.network} ] && vip=${vipAddress(env, n.name)}`;
    })
    .join('\n');
  return `#cloud-config
# Trove cloud-init of ${env.name} (<cloudinit_location>/<manager>.cloudinit); written by trove-ha provision
# (lib/provision/render-cloudinit.ts): the documents' percona.cloudinit as a bootcmd. Trove appends its own
# cloud-config (write_files of the guest agent's files) to this text.
bootcmd:
  - - bash
    - -c
    - |
      ip2int(){ local IFS=.; set -- $1; echo $(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 )); }
      for ip in $(hostname -I); do
        case $ip in *:*) continue ;; esac
        n=$(ip2int $ip); vip=
${cases}
        if [ -n "$vip" ]; then
          grep -q '[[:space:]]${host.replace(/\./g, '\\.')}$' /etc/hosts || echo "$vip   ${host}" >> /etc/hosts
          exit 0
        fi
      done
`;
}
