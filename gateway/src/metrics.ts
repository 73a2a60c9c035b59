/**
 * A small metrics registry that renders the Prometheus text exposition format (version
 * 0.0.4: `# HELP`, `# TYPE`, `name{label="value"} number`). The HTTP API mounts render() at
 * /metrics; gauges that are cheap to read on demand are registered as collect callbacks.
 */
type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  values: Map<string, { labels: Labels; value: number }>;
  collect?: () => { labels?: Labels; value: number }[];
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const f = this.family(name, help, "counter");
    return (labels = {}, by = 1) => {
      const k = key(labels);
      const cur = f.values.get(k);
      if (cur) cur.value += by;
      else f.values.set(k, { labels, value: by });
    };
  }

  gauge(name: string, help: string): (value: number, labels?: Labels) => void {
    const f = this.family(name, help, "gauge");
    return (value, labels = {}) => f.values.set(key(labels), { labels, value });
  }

  /** A gauge computed when scraped (disk use, queue depth...). */
  collect(name: string, help: string, fn: () => { labels?: Labels; value: number }[]): void {
    this.family(name, help, "gauge").collect = fn;
  }

  value(name: string, labels: Labels = {}): number | undefined {
    const f = this.families.get(name);
    if (!f) return undefined;
    if (f.collect) return f.collect().find((v) => key(v.labels ?? {}) === key(labels))?.value;
    return f.values.get(key(labels))?.value;
  }

  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
      out.push(`# TYPE ${f.name} ${f.type}`);
      let rows: { labels?: Labels; value: number }[] = [...f.values.values()];
      if (f.collect) {
        try {
          rows = f.collect();
        } catch {
          rows = [];
        }
      }
      for (const r of rows) out.push(`${f.name}${fmtLabels(r.labels ?? {})} ${fmtNum(r.value)}`);
    }
    return out.join("\n") + "\n";
  }

  private family(name: string, help: string, type: Family["type"]): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { name, help, type, values: new Map() }));
    return f;
  }
}

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => k + "=" + labels[k])
    .join(",");
}

function fmtLabels(labels: Labels): string {
  const ks = Object.keys(labels).sort();
  if (ks.length === 0) return "";
  return "{" + ks.map((k) => `${k}="${labels[k].replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",") + "}";
}

function fmtNum(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
