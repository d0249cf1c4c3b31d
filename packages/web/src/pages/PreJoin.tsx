import { useEffect, useRef, useState, type FormEvent } from 'react';
import { firstNegotiation, Room, signalingUrl, warmUpWebRtc, type ParleyError } from '@parley/client';
import { MAX_DISPLAY_NAME_LENGTH, MAX_PASSWORD_LENGTH } from '@parley/protocol';
import { tokenDisplayName } from '../roomToken';
import { CopyLinkButton } from '../components/CopyLinkButton';
import { DeviceSettings } from '../components/DeviceSettings';
import { MicLevel } from '../components/MicLevel';
import { MediaToggles } from '../components/MediaToggles';
import { Tile } from '../components/Tile';
import { useLocalParticipant } from '../hooks/useLocalParticipant';
import { useRerenderOn } from '../hooks/useRerenderOn';
import { useSignalingPreconnect } from '../hooks/useSignalingPreconnect';

const NAME_KEY = 'parley.displayName';
const RELAY_ONLY_KEY = 'parley.relayOnly';

interface Props {
  room: string;
  /** A room token from the link (`?token=`): it names us and opens the room. */
  token: string | undefined;
  speaker: string;
  onSpeakerChange: (deviceId: string) => void;
  onJoined: (room: Room) => void;
  /** A host removed us before the call view was shown (see FIRST_RENDER_WAIT_MS); the room is closed. */
  onRemoved: (message: string) => void;
}

/**
 * How long the pre-join screen stays up after joining while the first offers
 * and answers go through (see firstNegotiation): the call view's first render
 * then overlaps ICE, DTLS and the encoders' start instead of holding back the
 * signaling. Bounded: a slow or unreachable peer does not keep anyone out.
 */
const FIRST_RENDER_WAIT_MS = 500;

/** What the join button is doing: nothing yet, talking to the server, or held in the room's lobby. */
type JoinPhase = 'idle' | 'joining' | 'waiting';

export function PreJoin({ room, token, speaker, onSpeakerChange, onJoined, onRemoved }: Props) {
  const { local, handOver } = useLocalParticipant();
  // Connected while the person gets ready: the click on "Join" only sends the join.
  const early = useSignalingPreconnect(signalingUrl());
  useRerenderOn(local, ['media-changed', 'track-changed']);
  const tokenName = token === undefined ? undefined : tokenDisplayName(token);
  const [name, setName] = useState(() => localStorage.getItem(NAME_KEY) ?? '');
  const [relayOnly, setRelayOnly] = useState(() => localStorage.getItem(RELAY_ONLY_KEY) === 'true');
  const [password, setPassword] = useState('');
  const [lobby, setLobby] = useState(false);
  /** The room said it has a password: the field is no longer optional. */
  const [passwordAsked, setPasswordAsked] = useState(false);
  const [phase, setPhase] = useState<JoinPhase>('idle');
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  useEffect(() => () => abort.current?.abort(), []);
  // Once the camera runs (not competing with its start): WebRTC's threads and codec lists are ready before the click.
  const cameraReady = local !== null;
  useEffect(() => {
    if (cameraReady) void warmUpWebRtc();
  }, [cameraReady]);
  useEffect(() => {
    if (passwordAsked) passwordInput.current?.focus();
  }, [passwordAsked, error]);

  const displayName = tokenName ?? name.trim();
  const join = async (event: FormEvent) => {
    event.preventDefault();
    if ((!displayName && token === undefined) || !local) return;
    if (token === undefined) localStorage.setItem(NAME_KEY, displayName);
    localStorage.setItem(RELAY_ONLY_KEY, String(relayOnly));
    setPhase('joining');
    setError(null);
    const controller = new AbortController();
    abort.current = controller;
    const preconnect = early.take();
    try {
      const joined = await Room.join({
        url: signalingUrl(),
        ...(preconnect ? { preconnect } : {}),
        room,
        ...(token === undefined ? { name: displayName } : { token }),
        local,
        relayOnly,
        ...(password ? { password } : {}),
        ...(lobby ? { lobby } : {}),
        onWaiting: () => setPhase('waiting'),
        signal: controller.signal,
      });
      // A host may remove us during the wait: the call view, not mounted yet, would never hear of it.
      let removedWith: string | undefined;
      const offRemoved = joined.on('removed', (message) => (removedWith = message));
      await firstNegotiation(joined.participants, FIRST_RENDER_WAIT_MS);
      offRemoved();
      // Left the page meanwhile: the unmount aborted us (and released the camera), and nobody will show this call.
      if (controller.signal.aborted) {
        joined.leave();
        return;
      }
      if (removedWith !== undefined) return onRemoved(removedWith);
      handOver();
      onJoined(joined);
    } catch (failure) {
      early.renew();
      if (controller.signal.aborted) return;
      const code = (failure as ParleyError).code;
      if (code === 'password-required' || code === 'wrong-password') {
        setPasswordAsked(true);
        if (code === 'wrong-password') setPassword('');
      }
      setError(describeJoinError(failure as ParleyError));
      setPhase('idle');
    }
  };
  const cancelWaiting = () => {
    abort.current?.abort();
    setPhase('idle');
  };

  if (phase === 'waiting') {
    return (
      <main className="prejoin">
        <section className="waiting" role="status" aria-live="polite">
          <h1>Waiting to be let in</h1>
          <p>
            The host of “{room}” has been told you are here{displayName ? ` as ${displayName}` : ''}. You will join as soon as
            they let you in.
          </p>
          <button type="button" className="button ghost" onClick={cancelWaiting}>
            Stop waiting
          </button>
        </section>
      </main>
    );
  }

  return (
    <main className="prejoin">
      <div className="prejoin-preview">
        {local ? (
          <Tile name={name.trim()} stream={local.stream} media={local.media} self />
        ) : (
          <div className="tile placeholder">Starting camera…</div>
        )}
        {local?.mediaError && (
          <p role="alert" className="notice">
            {describeMediaError(local.mediaError)} You can still join to listen and watch.
          </p>
        )}
        {local && (
          <>
            <MicLevel local={local} />
            <MediaToggles local={local} />
            <DeviceSettings local={local} speaker={speaker} onSpeakerChange={onSpeakerChange} />
          </>
        )}
      </div>
      <form className="prejoin-form" onSubmit={(event) => void join(event)}>
        <h1>Join “{room}”</h1>
        {token === undefined ? (
          <>
            <label htmlFor="display-name">Your name</label>
            <input
              id="display-name"
              value={name}
              maxLength={MAX_DISPLAY_NAME_LENGTH}
              autoComplete="name"
              autoFocus
              onChange={(event) => setName(event.target.value)}
            />
          </>
        ) : (
          <p className="muted">You join as {tokenName ? `“${tokenName}”` : 'the name your link gives'}.</p>
        )}
        <label htmlFor="room-password">{passwordAsked ? 'Password of this call' : 'Password (optional)'}</label>
        <input
          id="room-password"
          ref={passwordInput}
          type="password"
          value={password}
          maxLength={MAX_PASSWORD_LENGTH}
          autoComplete="off"
          required={passwordAsked}
          aria-describedby="room-password-hint"
          onChange={(event) => setPassword(event.target.value)}
        />
        <small id="room-password-hint" className="muted">
          {passwordAsked
            ? 'Ask the person who invited you.'
            : 'Starting this call? Set a password and only people you tell it to can join.'}
        </small>
        {!passwordAsked && (
          <label className="check">
            <input type="checkbox" checked={lobby} onChange={(event) => setLobby(event.target.checked)} />
            <span>
              Ask me before letting people in
              <small>If you start this call, newcomers wait until you admit them.</small>
            </span>
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={relayOnly} onChange={(event) => setRelayOnly(event.target.checked)} />
          <span>
            Hide my IP address (relay only)
            <small>Media goes through the relay server, so others never see your address. Slightly more delay.</small>
          </span>
        </label>
        <button
          type="submit"
          className="button primary large"
          disabled={!local || (!displayName && token === undefined) || phase !== 'idle' || (passwordAsked && !password)}
        >
          {phase === 'joining' ? 'Joining…' : 'Join'}
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <CopyLinkButton />
      </form>
    </main>
  );
}

function describeMediaError(error: ParleyError): string {
  switch (error.code) {
    case 'media-permission-denied':
      return 'The browser was not allowed to use your camera or microphone.';
    case 'media-not-found':
      return 'No camera or microphone was found.';
    case 'media-in-use':
      return 'Your camera or microphone is in use by another program.';
    default:
      return 'Your camera or microphone could not be started.';
  }
}

function describeJoinError(error: ParleyError): string {
  switch (error.code) {
    case 'room-full':
      return 'This call is full. A call in Parley holds up to 8 people so everyone keeps a good picture.';
    case 'signaling-unreachable':
      return 'Parley’s server cannot be reached. Check your connection and try again.';
    case 'bad-name':
      return 'That name can’t be used: keep it under 64 characters, on one line, without control characters.';
    case 'bad-room-name':
      return 'This room link is not valid. Room names use letters, digits, "-" and "_".';
    case 'unsupported-protocol':
      return 'This page is out of date. Reload it and join again.';
    case 'password-required':
      return 'This call has a password. Type it to join.';
    case 'wrong-password':
      return 'That password is not right. Try again.';
    case 'rate-limited':
      return 'Too many wrong passwords. Wait a minute, then try again.';
    case 'lobby-denied':
      return 'You were not let in to this call.';
    case 'token-required':
      return 'This call can only be joined from the link you were given.';
    case 'bad-token':
      return 'Your link to this call is not valid or has expired. Ask for a new one.';
    case 'removed':
      return 'A host removed you from this call.';
    default:
      return `Could not join: ${error.message}`;
  }
}
