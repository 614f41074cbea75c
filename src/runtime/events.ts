/** In-process event bus: memory changes from any client (REST, MCP, console) fan out to SSE. */
import type { HostEvent } from '../protocol/messages.js';

export type EventListener = (event: HostEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: HostEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A broken subscriber must not break the write that emitted the event.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
