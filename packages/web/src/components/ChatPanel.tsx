import { useEffect, useRef, useState, type FormEvent } from 'react';
import { SidePanel } from './SidePanel';
import type { ChatMessage } from '@parley/client';
import { MAX_CHAT_TEXT_LENGTH } from '@parley/protocol';

interface Props {
  messages: readonly ChatMessage[];
  onSend: (text: string) => void;
  onClose: () => void;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Chat over the data channels. Text is shown as text: React escapes it, links are not made live. */
export function ChatPanel({ messages, onSend, onClose }: Props) {
  const [draft, setDraft] = useState('');
  const logRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    logRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages]);

  const send = (event: FormEvent) => {
    event.preventDefault();
    if (!draft.trim()) return;
    onSend(draft);
    setDraft('');
  };

  return (
    <SidePanel title="Chat" className="chat" onClose={onClose}>
      <ol ref={logRef} role="log" aria-label="Chat messages" aria-live="polite" className="messages">
        {messages.length === 0 && <li className="empty">Messages go straight to everyone in the call.</li>}
        {messages.map((message) => (
          <li key={`${message.from.id}:${message.id}`} className={message.self ? 'mine' : undefined}>
            <span className="sender">{message.self ? 'You' : message.from.name}</span>{' '}
            <time dateTime={new Date(message.sentAt).toISOString()}>{timeFormat.format(message.sentAt)}</time>
            <p>{message.text}</p>
          </li>
        ))}
      </ol>
      <form onSubmit={send} className="chat-form">
        <input
          aria-label="Message"
          placeholder="Message everyone"
          value={draft}
          maxLength={MAX_CHAT_TEXT_LENGTH}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit" className="button" disabled={!draft.trim()}>
          Send
        </button>
      </form>
    </SidePanel>
  );
}
