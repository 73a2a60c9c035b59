import type { CommandResult, StatusMessage } from "@manure-edge/protocol";
import type { CommittedBatch } from "./store/types";

/**
 * The typed in-process event bus between features (zigbee2mqtt's eventBus idea): features
 * never call each other, they emit and listen here, so each can be started, stopped and
 * tested alone.
 */
export interface BusEvents {
  /** A group-commit transaction has committed (readings, transitions, ledger now durable). */
  committed: CommittedBatch;
  /** A node's status message was received and validated (queued for the store). */
  nodeStatus: { node: string; status: StatusMessage };
  /** A node answered a command (…/cmd/res), validated. */
  commandResult: { node: string; result: CommandResult };
  /** The store could not commit (disk full, I/O error) or recovered (reason null). */
  storeHealth: { ok: boolean; reason: string | null };
  /** A message was rejected (already counted and stored). */
  rejected: { node: string | null; topic: string; reason: string };
}

type Handler<T> = (payload: T) => void;

export class EventBus {
  private readonly handlers = new Map<keyof BusEvents, Set<Handler<never>>>();

  on<K extends keyof BusEvents>(event: K, handler: Handler<BusEvents[K]>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => set.delete(handler as Handler<never>);
  }

  emit<K extends keyof BusEvents>(event: K, payload: BusEvents[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    // A failing listener must not break the emitter (the store, mostly): isolate each one.
    for (const h of [...set]) {
      try {
        (h as Handler<BusEvents[K]>)(payload);
      } catch {
        /* listeners log their own errors */
      }
    }
  }
}
