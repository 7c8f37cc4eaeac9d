// guestSwiftProbe: what a Trove guest sees of Swift through a management VIP:
// a bash loop on a node of that network sends curl HEAD to the Swift URL by
// the VIP's hostname (as the guest's backup agent would), one attempt per
// interval. Success is an HTTP answer below 400.
import { shellQuote } from '../remote/shell-quote.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { remoteLoopProbe, type RemoteLoopProbe } from './remote-loop-probe.ts';

export interface GuestSwiftProbeOptions {
  node: string;
  /** e.g. http://proxy.polex.io:8080/healthcheck */
  url: string;
  intervalMs?: number;
  /** curl --max-time per attempt. */
  attemptTimeoutMs?: number;
  maxDurationMs: number;
}

// EPOCHREALTIME (bash 5) gives time without forking date per attempt; its
// decimal separator follows the locale, so keep digits only (microseconds).
export const SWIFT_PROBE_SCRIPT = `
pidfile=$1 url=$2 interval_ms=$3 duration_ms=$4 max_time=$5
echo $$ > "$pidfile"
stop=0
trap 'stop=1' TERM
trap ': > "$pidfile"' EXIT
now() { local t=$EPOCHREALTIME; t=\${t//[!0-9]/}; now_ms=$((10#$t / 1000)); }
now; echo "S $now_ms $now_ms"; end=$((now_ms + duration_ms))
while [ $stop = 0 ]; do
  now; [ $now_ms -ge $end ] && break
  t0=$now_ms
  code=$(curl -s -o /dev/null -I -w '%{http_code}' --max-time "$max_time" "$url" </dev/null); rc=$?
  now; lat=$((now_ms - t0))
  case $rc in
    0) if [ "$code" -ge 200 ] && [ "$code" -lt 400 ]; then ok=1; else ok=0; fi; detail="HTTP-$code" ;;
    6) ok=0 detail=resolve-failed ;; 7) ok=0 detail=connect-failed ;; 28) ok=0 detail=timeout ;;
    52) ok=0 detail=empty-reply ;; 56) ok=0 detail=connection-reset ;; *) ok=0 detail=curl-exit-$rc ;;
  esac
  echo "A $t0 $ok $lat $detail"
  left=$((interval_ms - lat)); now; [ $((now_ms + left)) -gt $end ] && left=$((end - now_ms))
  if [ $left -gt 0 ] && [ $stop = 0 ]; then sleep "$((left / 1000)).$(printf %03d $((left % 1000)))"; fi
done
now; if [ $stop = 1 ]; then echo "E $now_ms stopped"; else echo "E $now_ms deadline"; fi
`;

export function guestSwiftProbe(remote: RemoteExecutor, o: GuestSwiftProbeOptions): RemoteLoopProbe {
  if (!/^https?:\/\/[^\s'"]+$/.test(o.url)) throw new Error(`guestSwiftProbe: "${o.url}" is not an http(s) URL`);
  const maxTime = ((o.attemptTimeoutMs ?? 1000) / 1000).toFixed(3);
  return remoteLoopProbe(remote, {
    name: `guest Swift ${o.url} from ${o.node}`,
    node: o.node,
    op: `HEAD ${o.url}`,
    maxDurationMs: o.maxDurationMs,
    command: (pidFile) => ['bash', '-c', SWIFT_PROBE_SCRIPT, 'swift-probe', pidFile, o.url, String(o.intervalMs ?? 200), String(o.maxDurationMs), maxTime].map(shellQuote).join(' '),
  });
}
