import { useEffect, useState, type ReactNode } from 'react';
import type { ChatMessage, Room } from '@parley/client';
import { ChatPanel } from '../components/ChatPanel';
import { ConnectionDetailsPanel } from '../components/ConnectionDetailsPanel';
import { CopyLinkButton } from '../components/CopyLinkButton';
import { FilesPanel } from '../components/FilesPanel';
import { LobbyRequests } from '../components/LobbyRequests';
import { DeviceSettings } from '../components/DeviceSettings';
import { ChatIcon, FileIcon, LeaveIcon, PeopleIcon, SettingsIcon } from '../components/icons';
import { MediaToggles } from '../components/MediaToggles';
import { ParticipantsPanel } from '../components/ParticipantsPanel';
import { ScreenShareButton } from '../components/ScreenShareButton';
import { ScreenView } from '../components/ScreenView';
import { SidePanel } from '../components/SidePanel';
import { Tile } from '../components/Tile';
import { useRerenderOn } from '../hooks/useRerenderOn';
import { useShortcuts } from '../hooks/useShortcuts';
import { useToasts } from '../hooks/useToasts';

interface Props {
  room: Room;
  speaker: string;
  onSpeakerChange: (deviceId: string) => void;
  onLeave: () => void;
}

type Panel = 'chat' | 'files' | 'participants' | 'settings' | 'details' | null;

export function CallView({ room, speaker, onSpeakerChange, onLeave }: Props) {
  useRerenderOn(room, [
    'participant-joined',
    'participant-left',
    'track-added',
    'track-removed',
    'media-changed',
    'peer-connection-state',
    'state-changed',
    'screen-changed',
    'quality-changed',
    'active-speaker-changed',
    'safety-changed',
    'rejoined',
  ], 'background');
  useRerenderOn(room.localParticipant, ['media-changed', 'track-changed', 'screen-changed']);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  // On a phone a panel would cover the faces: start with none there.
  const [panel, setPanel] = useState<Panel>(() => (window.matchMedia('(min-width: 761px)').matches ? 'chat' : null));
  const [unread, setUnread] = useState(0);
  /** The participant shown large ('self' for our own tile), chosen by a person. */
  const [pinned, setPinned] = useState<string | null>(null);
  const { toasts, show } = useToasts();
  useShortcuts(room.localParticipant);

  useEffect(() => {
    const offs = [
      room.on('message', (message) => {
        setMessages((all) => [...all, message]);
        setUnread((count) => count + 1);
      }),
      // While we join again the same people come back as new objects: no news for the person.
      room.on('participant-joined', (participant) => {
        if (room.state !== 'rejoining') show(`${participant.name} joined`);
      }),
      room.on('participant-left', (participant, reason) =>
        show(reason === 'removed' ? `${participant.name} was removed` : `${participant.name} left`),
      ),
      room.on('rejoined', () => show('Back in the call: Parley’s server had let your place go, so you joined again')),
      room.on('knock', (waiter) => show(`${waiter.name} wants to join`)),
      room.on('lobby-changed', (enabled) => show(enabled ? 'Newcomers now wait to be let in' : 'Anyone with the link can join now')),
      room.localParticipant.on('device-lost', (kind) =>
        show(kind === 'video' ? 'Your camera was disconnected' : 'Your microphone was disconnected'),
      ),
      room.files.on('offered', (transfer) => {
        show(`${transfer.peer.name} wants to send you “${transfer.name}”`);
        setPanel('files');
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [room, show]);
  useEffect(() => {
    if (panel === 'chat') setUnread(0);
  }, [panel, messages]);

  const toggle = (which: Exclude<Panel, null>) => setPanel((open) => (open === which ? null : which));
  const participants = [...room.participants.values()];
  const local = room.localParticipant;
  const count = participants.length + 1;
  const pinnedId = pinned === 'self' || room.participants.has(pinned ?? '') ? pinned : null;
  const pin = (id: string) => () => setPinned((current) => (current === id ? null : id));
  const speaking = room.activeSpeakerId;
  const tiles = [
    <Tile
      key="self"
      name={room.selfName}
      stream={local.stream}
      media={local.media}
      self
      speaking={speaking === room.selfId}
      pinned={pinnedId === 'self'}
      onPin={pin('self')}
    />,
    ...participants.map((participant) => (
      <Tile
        key={participant.id}
        name={participant.name}
        stream={participant.stream}
        media={participant.media}
        status={participant.status}
        refused={participant.safety.state === 'dtls-failed'}
        hasRelay={room.hasRelay}
        quality={participant.quality}
        speaking={speaking === participant.id}
        pinned={pinnedId === participant.id}
        onPin={pin(participant.id)}
        onShowQuality={() => setPanel('details')}
      />
    )),
  ];
  const pinnedTile = tiles.find((tile) => tile.key === (pinnedId ?? ''));
  const screens = [
    ...(local.screenTrack ? [{ id: 'self', label: 'Your screen', stream: local.screenStream }] : []),
    ...participants.filter((p) => p.screenSharing).map((p) => ({ id: p.id, label: `${p.name}’s screen`, stream: p.screenStream })),
  ];

  return (
    <div className={`call${panel ? ' with-panel' : ''}`}>
      {room.state === 'reconnecting' && (
        <div role="status" className="banner">
          Reconnecting… Your call goes on meanwhile; people can’t join until Parley’s server is back.
        </div>
      )}
      {room.state === 'rejoining' && (
        <div role="status" className="banner">
          Rejoining… Parley’s server had let your place go while you were away; joining the call again.
        </div>
      )}
      {room.state === 'signaling-lost' &&
        (room.signalingError?.code === 'unsupported-protocol' ? (
          <div role="alert" className="banner">
            Parley was updated and this page is out of date. Your call goes on with the people you see; reload the page
            to rejoin.
          </div>
        ) : (
          <div role="status" className="banner">
            Lost the connection to Parley’s server, and it could not take you back. Your call goes on with the people you
            see; leave and rejoin to meet newcomers.
          </div>
        ))}
      {room.relayOnly && !room.hasRelay && (
        <div role="alert" className="banner">
          “Hide my IP address” needs a relay server, and this Parley has none: nobody can be reached. Leave and join
          without it.
        </div>
      )}
      <LobbyRequests room={room} onError={show} />
      {(screens.length > 0 || pinnedTile) && (
        <div className="stage">
          {screens.map((screen) => (
            <ScreenView key={screen.id} label={screen.label} stream={screen.stream} />
          ))}
          {screens.length === 0 && pinnedTile}
        </div>
      )}
      <main
        className={`grid${screens.length > 0 || pinnedTile ? ' strip' : ''}`}
        data-count={screens.length > 0 || !pinnedTile ? count : count - 1}
        aria-label="Participants"
      >
        {tiles.filter((tile) => screens.length > 0 || tile !== pinnedTile)}
      </main>
      {panel === 'chat' && (
        <ChatPanel
          messages={messages}
          onSend={(text) => setMessages((all) => [...all, room.sendChat(text)])}
          onClose={() => setPanel(null)}
        />
      )}
      {panel === 'files' && <FilesPanel room={room} onClose={() => setPanel(null)} />}
      {panel === 'participants' && <ParticipantsPanel room={room} onClose={() => setPanel(null)} onError={show} />}
      {panel === 'details' && <ConnectionDetailsPanel room={room} onClose={() => setPanel(null)} />}
      {panel === 'settings' && (
        <SidePanel title="Settings" onClose={() => setPanel(null)}>
          <div className="panel-body">
            <DeviceSettings local={local} speaker={speaker} onSpeakerChange={onSpeakerChange} />
            <p className="muted">Shortcuts: Ctrl+D microphone, Ctrl+E camera (⌘ on a Mac).</p>
          </div>
        </SidePanel>
      )}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className="toast">
            {toast.text}
          </div>
        ))}
      </div>
      <footer className="controls" aria-label="Call controls">
        <span className="room-name" title={room.name}>
          {room.name}
        </span>
        <MediaToggles local={local} />
        <ScreenShareButton local={local} onError={show} />
        <PanelButton label="Chat" open={panel === 'chat'} onClick={() => toggle('chat')} badge={panel === 'chat' ? 0 : unread}>
          <ChatIcon />
        </PanelButton>
        <PanelButton label="Send file" open={panel === 'files'} onClick={() => toggle('files')}>
          <FileIcon />
        </PanelButton>
        <PanelButton label="Participants" open={panel === 'participants'} onClick={() => toggle('participants')}>
          <PeopleIcon />
        </PanelButton>
        <PanelButton label="Settings" open={panel === 'settings'} onClick={() => toggle('settings')}>
          <SettingsIcon />
        </PanelButton>
        <button type="button" className="button round danger" aria-label="Leave call" title="Leave call" onClick={onLeave}>
          <LeaveIcon />
        </button>
        <CopyLinkButton />
      </footer>
    </div>
  );
}

interface PanelButtonProps {
  label: string;
  open: boolean;
  onClick: () => void;
  badge?: number;
  children: ReactNode;
}

function PanelButton({ label, open, onClick, badge = 0, children }: PanelButtonProps) {
  return (
    <button type="button" className={`button round${open ? ' active' : ''}`} aria-label={label} aria-pressed={open} title={label} onClick={onClick}>
      {children}
      {badge > 0 && (
        <span className="unread" aria-label={`${badge} unread`}>
          {badge}
        </span>
      )}
    </button>
  );
}
