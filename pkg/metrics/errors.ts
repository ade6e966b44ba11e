// Errors of the metrics API package: a kubelet that could not be scraped or answered nonsense.
export type MetricsErrorCode = 'scrape-failed' | 'bad-metrics';

export class MetricsError extends Error {
  constructor(
    readonly code: MetricsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MetricsError';
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
