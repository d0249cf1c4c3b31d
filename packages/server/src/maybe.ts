/**
 * A value now (rooms in this process) or later (rooms shared through Redis).
 * Callers stay synchronous when the value is already there, so the embedded
 * server answers in the same turn of the event loop as before.
 */
export type Maybe<T> = T | Promise<T>;

/** Runs `then` at once when `value` is here, or when it arrives; a failure (of either) goes to `failed`. */
export function whenReady<T>(value: Maybe<T>, then: (value: T) => void, failed: (error: unknown) => void): void {
  if (!(value instanceof Promise)) {
    then(value);
    return;
  }
  value.then(then).catch(failed);
}
