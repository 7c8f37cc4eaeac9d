// Progress lines for long steps: elapsed time first, so an operator watching a
// nightly log sees where the time goes.
export function progressPrinter(prefix = ''): (line: string) => void {
  const start = Date.now();
  return (line: string) => {
    const s = ((Date.now() - start) / 1000).toFixed(1).padStart(6);
    process.stdout.write(`[${s}s] ${prefix}${line}\n`);
  };
}
