/**
 * A small typed event emitter for the browser session: `on(name, handler)`
 * returns the function that removes the handler. A handler that throws does
 * not stop the others (its error goes to `error` listeners, or the console
 * when there are none).
 */
export type Handler<T> = (event: T) => void;

export interface Emitter<E extends object> {
  on<K extends keyof E>(name: K, handler: Handler<E[K]>): () => void;
  emit<K extends keyof E>(name: K, event: E[K]): void;
  clear(): void;
}

export function createEmitter<E extends object>(onHandlerError: (err: unknown, name: keyof E) => void): Emitter<E> {
  const handlers = new Map<keyof E, Set<Handler<never>>>();
  return {
    on(name, handler) {
      let set = handlers.get(name);
      if (!set) handlers.set(name, (set = new Set()));
      set.add(handler as Handler<never>);
      return () => {
        set.delete(handler as Handler<never>);
      };
    },
    emit(name, event) {
      for (const h of [...(handlers.get(name) ?? [])]) {
        try {
          (h as Handler<typeof event>)(event);
        } catch (err) {
          onHandlerError(err, name);
        }
      }
    },
    clear() {
      handlers.clear();
    },
  };
}
