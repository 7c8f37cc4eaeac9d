// OpenSSH's sshd allows MaxSessions (default 10) channels per connection and
// refuses more; concurrent commands beyond our limit wait here for a free one
// instead of failing with "Channel open failure".

export class ChannelLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter, so "active" never over-counts.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    };
  }
}
