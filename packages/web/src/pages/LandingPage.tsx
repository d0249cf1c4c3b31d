import { useState, type FormEvent } from 'react';
import { newRoomName, parseRoomInput } from '../roomNames';
import { navigate, roomPath } from '../routing';

export function LandingPage() {
  const [input, setInput] = useState('');
  const [error, setError] = useState<string | null>(null);

  const join = (event: FormEvent) => {
    event.preventDefault();
    const room = parseRoomInput(input);
    if (!room) {
      setError('That is not a room name or a Parley link. Room names use letters, digits, "-" and "_".');
      return;
    }
    navigate(roomPath(room));
  };

  return (
    <main className="landing">
      <h1 className="brand">Parley</h1>
      <p className="tagline">Video calls that go straight from you to the people you talk to.</p>
      <button type="button" className="button primary large" onClick={() => navigate(roomPath(newRoomName()))}>
        New meeting
      </button>
      <form className="join-form" onSubmit={join}>
        <label htmlFor="room-input">Or join one</label>
        <div className="row">
          <input
            id="room-input"
            aria-label="Room name or link"
            placeholder="Room name or link"
            value={input}
            autoComplete="off"
            onChange={(event) => {
              setInput(event.target.value);
              setError(null);
            }}
          />
          <button type="submit" className="button">
            Join
          </button>
        </div>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
