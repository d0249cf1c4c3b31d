import type { ErrorCode } from '@parley/protocol';

/** Why something failed, as a stable code an app can switch on. */
export type ParleyErrorCode =
  | ErrorCode
  | 'signaling-unreachable'
  | 'signaling-closed'
  | 'timeout'
  | 'media-permission-denied'
  | 'media-not-found'
  | 'media-in-use'
  | 'media-failed'
  | 'invalid-state'
  /** The browser kept refusing a change of how a stream is sent (its size, rate, a keyframe). */
  | 'sender-update-failed'
  | 'aborted';

export class ParleyError extends Error {
  override readonly name = 'ParleyError';

  constructor(
    readonly code: ParleyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The server refused a request; its code and words are kept as they came. */
  static refused(code: ErrorCode, message: string): ParleyError {
    return new ParleyError(code, message);
  }

  static timeout(what: string, ms: number): ParleyError {
    return new ParleyError('timeout', `${what} got no answer within ${ms} ms`);
  }

  static signalingClosed(reason: string): ParleyError {
    return new ParleyError('signaling-closed', `signaling connection closed: ${reason}`);
  }

  /** The caller gave up (its AbortSignal fired). */
  static aborted(): ParleyError {
    return new ParleyError('aborted', 'joining was given up');
  }

  static invalidState(message: string): ParleyError {
    return new ParleyError('invalid-state', message);
  }

  /** Maps getUserMedia's DOMException names onto what a person can act on. */
  static fromMediaError(error: unknown): ParleyError {
    if (error instanceof ParleyError) return error;
    const name = error instanceof DOMException ? error.name : '';
    switch (name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return new ParleyError('media-permission-denied', 'camera or microphone permission was denied', { cause: error });
      case 'NotFoundError':
      case 'OverconstrainedError':
        return new ParleyError('media-not-found', 'no camera or microphone was found', { cause: error });
      case 'NotReadableError':
      case 'AbortError':
        return new ParleyError('media-in-use', 'the camera or microphone is in use by another program', { cause: error });
      default:
        return new ParleyError('media-failed', `could not start camera or microphone: ${String(error)}`, { cause: error });
    }
  }
}
