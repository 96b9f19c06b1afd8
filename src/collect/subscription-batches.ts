// How subscriptions are cut into the batches of one request (Resource Graph takes 1,000 at most) and into the
// shares of a chain that is split to finish sooner.

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** `items` in `parts` consecutive runs whose lengths differ by one at most. */
export function partition<T>(items: T[], parts: number): T[][] {
  const runs: T[][] = [];
  for (let part = 0, start = 0; part < parts; part += 1) {
    const end = start + Math.floor(items.length / parts) + (part < items.length % parts ? 1 : 0);
    runs.push(items.slice(start, end));
    start = end;
  }
  return runs;
}
