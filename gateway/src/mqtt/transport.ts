/** What the ingest needs from MQTT, whichever broker carries it (embedded aedes or external). */
export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface MqttTransport {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Subscribes the gateway itself (QoS 1) to a topic filter. */
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
  publish(topic: string, payload: string | Buffer, opts: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  /**
   * Closes a node's connection so that it reconnects and resends from its oldest unacked
   * message (after the gateway had to refuse messages). No-op where the gateway is not the broker.
   */
  kick(node: string): boolean;
  /** Connected node clients (embedded broker) or null when unknown. */
  connectedNodes(): string[] | null;
}
