/**
 * Tests and benches must listen on 127.0.0.1, port 0 only: the production defaults
 * (0.0.0.0:1883 for the broker, 0.0.0.0:8080 for HTTP, for the farm LAN's nodes and phones)
 * would expose a test to the network and collide between parallel runs on the shared machine.
 * Throws, naming the section, when a config would listen anywhere else.
 */
export function assertLocalListeners(cfg: unknown, where: string): void {
  const c = (cfg ?? {}) as { http?: { host?: unknown; port?: unknown }; mqtt?: { external?: unknown; listen?: { host?: unknown; port?: unknown } } };
  const bad: string[] = [];
  const check = (name: string, l: { host?: unknown; port?: unknown } | undefined) => {
    if (!l || l.host !== "127.0.0.1" || l.port !== 0) bad.push(`${name} is ${JSON.stringify(l ?? "missing (default 0.0.0.0 and a fixed port)")}`);
  };
  check("http", c.http);
  if (!c.mqtt?.external) check("mqtt.listen", c.mqtt?.listen);
  if (bad.length > 0) throw new Error(`${where}: a test gateway must listen on {host: "127.0.0.1", port: 0}: ${bad.join("; ")}`);
}
