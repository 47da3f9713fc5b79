/** A small Prometheus text-format (0.0.4) registry: counters, gauges, histograms with labels. */

type Labels = Record<string, string>;

interface Sample {
  labels: Labels;
  value: number;
}

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private readonly samples = new Map<string, Sample>();

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  inc(labels: Labels = {}, amount = 1): void {
    const key = labelKey(labels);
    const sample = this.samples.get(key);
    if (sample) sample.value += amount;
    else this.samples.set(key, { labels, value: amount });
  }

  render(): string[] {
    return header(this.name, this.help, "counter").concat(
      [...this.samples.values()].map((sample) => line(this.name, sample.labels, sample.value)),
    );
  }
}

/** Read at scrape time, so the value is never stale and nothing has to push it. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly collect: () => number | Sample[],
    private readonly type: "gauge" | "counter" = "gauge",
  ) {}

  render(): string[] {
    const value = this.collect();
    const samples = typeof value === "number" ? [{ labels: {}, value }] : value;
    return header(this.name, this.help, this.type).concat(
      samples.map((sample) => line(this.name, sample.labels, sample.value)),
    );
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number }>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, counts: new Array(this.buckets.length + 1).fill(0), sum: 0 };
      this.series.set(key, entry);
    }
    const index = this.buckets.findIndex((bound) => value <= bound);
    const slot = index < 0 ? this.buckets.length : index;
    entry.counts[slot] = (entry.counts[slot] ?? 0) + 1;
    entry.sum += value;
  }

  render(): string[] {
    const lines = header(this.name, this.help, "histogram");
    for (const { labels, counts, sum } of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += counts[i] ?? 0;
        lines.push(line(`${this.name}_bucket`, { ...labels, le: formatNumber(bound) }, cumulative));
      });
      cumulative += counts[this.buckets.length] ?? 0;
      lines.push(line(`${this.name}_bucket`, { ...labels, le: "+Inf" }, cumulative));
      lines.push(line(`${this.name}_sum`, labels, sum));
      lines.push(line(`${this.name}_count`, labels, cumulative));
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return `${this.metrics.flatMap((metric) => metric.render()).join("\n")}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function header(name: string, help: string, type: string): string[] {
  return [
    `# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`,
    `# TYPE ${name} ${type}`,
  ];
}

function line(name: string, labels: Labels, value: number): string {
  const entries = Object.entries(labels);
  const rendered =
    entries.length === 0
      ? ""
      : `{${entries.map(([key, val]) => `${key}="${escapeLabel(val)}"`).join(",")}}`;
  return `${name}${rendered} ${formatNumber(value)}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}
