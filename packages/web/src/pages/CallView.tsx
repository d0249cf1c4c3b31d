import { useEffect, useState } from 'react';
import type { ChatMessage, Room } from '@parley/client';
import { ChatPanel } from '../components/ChatPanel';
import { CopyLinkButton } from '../components/CopyLinkButton';
import { ChatIcon, LeaveIcon } from '../components/icons';
import { MediaToggles } from '../components/MediaToggles';
import { Tile } from '../components/Tile';
import { useRerenderOn } from '../hooks/useRerenderOn';

interface Props {
  room: Room;
  onLeave: () => void;
}

export function CallView({ room, onLeave }: Props) {
  useRerenderOn(room, [
    'participant-joined',
    'participant-left',
    'track-added',
    'track-removed',
    'media-changed',
    'peer-connection-state',
    'state-changed',
  ]);
  useRerenderOn(room.localParticipant, ['media-changed', 'track-changed']);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  // On a phone the chat would cover the faces: start with it closed there.
  const [chatOpen, setChatOpen] = useState(() => window.matchMedia('(min-width: 761px)').matches);
  const [unread, setUnread] = useState(0);

  useEffect(
    () =>
      room.on('message', (message) => {
        setMessages((all) => [...all, message]);
        setUnread((count) => count + 1);
      }),
    [room],
  );
  useEffect(() => {
    if (chatOpen) setUnread(0);
  }, [chatOpen, messages]);

  const participants = [...room.participants.values()];
  const local = room.localParticipant;
  const count = participants.length + 1;

  return (
    <div className={`call${chatOpen ? ' with-chat' : ''}`}>
      {room.state === 'signaling-lost' && (
        <div role="status" className="banner">
          Lost the connection to Parley’s server. Your call goes on; people can’t join until it’s back.
        </div>
      )}
      {room.relayOnly && !room.hasRelay && (
        <div role="alert" className="banner">
          “Hide my IP address” needs a relay server, and this Parley has none: nobody can be reached. Leave and join
          without it.
        </div>
      )}
      <main className="grid" data-count={count} aria-label="Participants">
        <Tile name={room.selfName} stream={local.stream} media={local.media} self />
        {participants.map((participant) => (
          <Tile
            key={participant.id}
            name={participant.name}
            stream={participant.stream}
            media={participant.media}
            status={participant.status}
            hasRelay={room.hasRelay}
          />
        ))}
      </main>
      {chatOpen && (
        <ChatPanel
          messages={messages}
          onSend={(text) => setMessages((all) => [...all, room.sendChat(text)])}
          onClose={() => setChatOpen(false)}
        />
      )}
      <footer className="controls" aria-label="Call controls">
        <span className="room-name" title={room.name}>
          {room.name}
        </span>
        <MediaToggles local={local} />
        <button
          type="button"
          className={`button round${chatOpen ? ' active' : ''}`}
          aria-label="Chat"
          aria-pressed={chatOpen}
          title="Chat"
          onClick={() => setChatOpen((open) => !open)}
        >
          <ChatIcon />
          {unread > 0 && !chatOpen && (
            <span className="unread" aria-label={`${unread} unread`}>
              {unread}
            </span>
          )}
        </button>
        <button type="button" className="button round danger" aria-label="Leave call" title="Leave call" onClick={onLeave}>
          <LeaveIcon />
        </button>
        <CopyLinkButton />
      </footer>
    </div>
  );
}
