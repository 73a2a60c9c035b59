import type { Node, NodeAPI } from "../red";

/** The `manure-gateway` configuration node: a farm gateway's address and a county API token (a credential, never in the flow file). */
export interface GatewayNode extends Node {
  url: string;
  token: string | undefined;
}

export function registerGateway(RED: NodeAPI): void {
  RED.nodes.registerType(
    "manure-gateway",
    function (this: Node, config: { url?: string }) {
      RED.nodes.createNode(this, config);
      const self = this as GatewayNode;
      self.url = (config.url ?? "").trim();
      self.token = this.credentials?.token;
    },
    { credentials: { token: { type: "password" } } },
  );
}
