/**
 * The part of Node-RED's runtime API these nodes use (Node-RED 4; "Creating Nodes" in its
 * documentation). Declared here instead of depending on @types/node-red, which lags the
 * runtime and pulls in express and its types.
 */
export interface NodeMessage {
  payload?: unknown;
  topic?: string;
  _msgid?: string;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

export interface NodeContext {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export interface Node {
  id: string;
  credentials?: Record<string, string | undefined>;
  on(event: "input", fn: (msg: NodeMessage, send: (msg: NodeMessage | NodeMessage[] | (NodeMessage | NodeMessage[] | null)[]) => void, done: (err?: Error) => void) => void): void;
  on(event: "close", fn: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | NodeMessage[] | (NodeMessage | NodeMessage[] | null)[]): void;
  status(s: NodeStatus): void;
  error(err: string | Error, msg?: NodeMessage): void;
  warn(text: string): void;
  log(text: string): void;
  context(): NodeContext;
}

export interface NodeAPI {
  nodes: {
    createNode(node: Node, config: object): void;
    registerType(type: string, ctor: (this: Node, config: never) => void, opts?: { credentials?: Record<string, { type: "text" | "password" }> }): void;
    getNode(id: string): Node | null;
  };
}
