// Each reliability file counts what it tried and prints one line at the end, which RELIABILITY.md quotes.
export class Figures {
  private readonly counts = new Map<string, number>();

  constructor(private readonly promise: string) {}

  add(name: string, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  print(): void {
    console.log(`[reliability] ${this.promise}: ${JSON.stringify(Object.fromEntries(this.counts))}`);
  }
}
