/** A tiny argv parser: positionals, "--flag", "--key value" and "--key=value". */
export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: string[], valued: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (eq > 0) options.set(key, a.slice(eq + 1));
    else if (valued.includes(key)) {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--${key} needs a value`);
      options.set(key, v);
    } else options.set(key, true);
  }
  return { positional, options };
}
