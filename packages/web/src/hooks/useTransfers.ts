import { useEffect, useReducer } from 'react';
import type { FileTransfer, Room } from '@parley/client';

/** The room's transfers, re-rendering on every new one, state change and progress tick. */
export function useTransfers(room: Room): FileTransfer[] {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const watched = new Set<FileTransfer>();
    const offs: (() => void)[] = [];
    const watch = (transfer: FileTransfer) => {
      if (watched.has(transfer)) return;
      watched.add(transfer);
      offs.push(transfer.on('state-changed', bump), transfer.on('progress', bump));
    };
    room.files.list().forEach(watch);
    offs.push(
      room.files.on('added', (transfer) => {
        watch(transfer);
        bump();
      }),
    );
    return () => offs.forEach((off) => off());
  }, [room]);
  return room.files.list();
}
