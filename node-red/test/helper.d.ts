/** The part of node-red-node-test-helper 0.3 these tests use (it ships no types). */
declare module "node-red-node-test-helper" {
  interface FlowNode {
    id: string;
    on(event: string, fn: (x: unknown) => void): void;
    receive(msg: Record<string, unknown>): void;
    context(): { get(key: string): unknown; set(key: string, value: unknown): void };
  }
  interface Helper {
    init(runtimePath: string, userSettings?: Record<string, unknown>): void;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    load(module: unknown, flow: object[], credentials?: Record<string, Record<string, string>>): Promise<void>;
    setFlows(flow: object[], type: "full" | "nodes" | "flows", credentials?: Record<string, Record<string, string>>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): FlowNode;
    /** The spy on the runtime's log: args[i][0] is {level (20 error, 30 warn, 40 info), id, type, msg}. */
    log(): { args: unknown[][] };
  }
  const helper: Helper;
  export default helper;
}
