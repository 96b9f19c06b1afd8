// Runs chains of sequential steps side by side: a paged query is a chain (each page needs the previous page's skip
// token), and a collection is many chains. One step per chain is in flight at most, up to a concurrency that may
// change while the chains run; among waiting chains the highest priority goes next, ties first come first served.

export class ChainScheduler<T> {
  private readonly queue: { item: T; priority: number }[] = [];
  private running = 0;
  private started = false;
  private failure: { error: unknown } | undefined;
  private finish: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  /** Most steps in flight at one time. */
  maxInFlight = 0;

  /**
   * @param step runs one step of a chain; it continues the chain (or starts others) by calling `add`. A step that
   *   throws stops the scheduler: nothing new starts, and `run` rejects with that error once the steps in flight end.
   * @param concurrency steps allowed in flight, read each time one could start.
   */
  constructor(
    private readonly step: (item: T) => Promise<void>,
    private readonly concurrency: () => number,
  ) {}

  /** Queues a chain's next step; ignored once a step has failed. */
  add(item: T, priority: number): void {
    if (this.failure !== undefined) return;
    this.queue.push({ item, priority });
    this.pump();
  }

  /** True once a step has failed: work still in flight should hand nothing on. */
  get stopped(): boolean {
    return this.failure !== undefined;
  }

  /** Resolves when every chain has ended; rejects with the first step's error. */
  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.finish = { resolve, reject };
      this.started = true;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.started) return;
    while (this.failure === undefined && this.queue.length > 0 && this.running < Math.max(1, this.concurrency())) {
      const { item } = this.takeNext();
      this.running += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.running);
      this.step(item).then(
        () => this.ended(),
        (error: unknown) => {
          this.failure ??= { error };
          this.ended();
        },
      );
    }
    if (this.running > 0) return;
    if (this.failure !== undefined) this.finish?.reject(this.failure.error);
    else if (this.queue.length === 0) this.finish?.resolve();
  }

  private ended(): void {
    this.running -= 1;
    this.pump();
  }

  private takeNext(): { item: T; priority: number } {
    let best = 0;
    for (let index = 1; index < this.queue.length; index += 1) {
      if ((this.queue[index] as { priority: number }).priority > (this.queue[best] as { priority: number }).priority)
        best = index;
    }
    return this.queue.splice(best, 1)[0] as { item: T; priority: number };
  }
}
