import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { SidePanel } from './SidePanel';
import type { FileTransfer, IncomingTransfer, Room } from '@parley/client';
import { useTransfers } from '../hooks/useTransfers';
import { formatBytes, formatDuration } from '../format';

interface Props {
  room: Room;
  onClose: () => void;
}

const EVERYONE = '*';

/** Send files to one person or everyone, and answer the files others send. */
export function FilesPanel({ room, onClose }: Props) {
  const transfers = useTransfers(room);
  const [recipient, setRecipient] = useState(EVERYONE);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const participants = [...room.participants.values()];

  const send = (files: FileList | null) => {
    if (!files) return;
    const to = recipient === EVERYONE ? undefined : [recipient];
    for (const file of Array.from(files)) room.sendFile(file, to);
    if (input.current) input.current.value = '';
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    send(event.dataTransfer.files);
  };

  return (
    <SidePanel title="Files" onClose={onClose}>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label className="field">
          <span>Send to</span>
          <select value={recipient} onChange={(event) => setRecipient(event.target.value)} aria-label="Send to">
            <option value={EVERYONE}>Everyone</option>
            {participants.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="button primary">
          Choose files
          <input
            ref={input}
            type="file"
            multiple
            className="visually-hidden"
            aria-label="Choose files to send"
            disabled={participants.length === 0}
            onChange={(event) => send(event.target.files)}
          />
        </label>
        <p className="hint">{participants.length === 0 ? 'Nobody to send to yet.' : 'or drop files here'}</p>
      </div>
      <ul className="transfers" aria-label="Transfers">
        {transfers.length === 0 && <li className="empty">Files go straight to the people you choose, never through a server.</li>}
        {[...transfers].reverse().map((transfer) => (
          <TransferRow key={transfer.id} transfer={transfer} />
        ))}
      </ul>
    </SidePanel>
  );
}

function TransferRow({ transfer }: { transfer: FileTransfer }) {
  const incoming = transfer.direction === 'incoming' ? (transfer as IncomingTransfer) : null;
  const percent = transfer.size === 0 ? 100 : Math.floor((transfer.bytesTransferred / transfer.size) * 100);
  const who = incoming ? `from ${transfer.peer.name}` : `to ${transfer.peer.name}`;
  // Who writes a received file to disk, for tests and for anyone inspecting the page: the SDK's worker, or the page when the worker cannot.
  const storedBy = incoming?.storedInWorker == null ? undefined : incoming.storedInWorker ? 'worker' : 'page';
  return (
    <li className="transfer" aria-label={`${transfer.name} ${who}`} data-state={transfer.state} data-stored-by={storedBy}>
      <div className="transfer-title">
        <span className="transfer-name" title={transfer.name}>
          {transfer.name}
        </span>
        <span className="muted">
          {formatBytes(transfer.size)} · {who}
        </span>
      </div>
      {(transfer.state === 'transferring' || transfer.state === 'verifying') && (
        <>
          <div role="progressbar" aria-label={`Progress of ${transfer.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} className="progress">
            <div style={{ width: `${percent}%` }} />
          </div>
          <span className="muted">
            {transfer.state === 'verifying'
              ? 'Checking SHA-256…'
              : `${percent}% · ${formatBytes(transfer.rate)}/s${transfer.secondsLeft === null ? '' : ` · ${formatDuration(transfer.secondsLeft)} left`}`}
          </span>
        </>
      )}
      <div className="transfer-actions">
        <TransferStatus transfer={transfer} />
        {incoming && transfer.state === 'offered' && (
          <>
            <button type="button" className="button primary small" onClick={() => incoming.accept()}>
              Accept
            </button>
            <button type="button" className="button small" onClick={() => incoming.decline()}>
              Decline
            </button>
          </>
        )}
        {!transfer.finished && !(incoming && transfer.state === 'offered') && (
          <button type="button" className="button small" onClick={() => transfer.cancel()}>
            Cancel
          </button>
        )}
        {incoming?.state === 'complete' && incoming.file && <SaveLink file={incoming.file} />}
      </div>
    </li>
  );
}

function TransferStatus({ transfer }: { transfer: FileTransfer }) {
  const text: Record<FileTransfer['state'], string> = {
    offered: transfer.direction === 'incoming' ? 'Wants to send you a file' : 'Waiting for an answer…',
    transferring: '',
    verifying: '',
    complete: transfer.direction === 'incoming' ? 'Received and verified' : 'Delivered and verified',
    declined: 'Declined',
    cancelled: `Cancelled${transfer.reason ? ` (${transfer.reason})` : ''}`,
    failed: `Failed${transfer.reason ? `: ${transfer.reason}` : ''}`,
  };
  return text[transfer.state] ? <span className="transfer-status">{text[transfer.state]}</span> : null;
}

function SaveLink({ file }: { file: File }) {
  const url = useMemo(() => URL.createObjectURL(file), [file]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <a className="button primary small" href={url} download={file.name}>
      Save
    </a>
  );
}
