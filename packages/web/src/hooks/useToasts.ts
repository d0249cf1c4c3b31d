import { useCallback, useEffect, useRef, useState } from 'react';

export interface Toast {
  id: number;
  text: string;
}

const TOAST_MS = 4000;

/** Short notices that go away by themselves ("Ada joined"). */
export function useToasts(): { toasts: Toast[]; show: (text: string) => void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach(clearTimeout);
  }, []);
  const show = useCallback((text: string) => {
    const id = next.current++;
    setToasts((all) => [...all.slice(-3), { id, text }]);
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      setToasts((all) => all.filter((toast) => toast.id !== id));
    }, TOAST_MS);
    timers.current.add(timer);
  }, []);
  return { toasts, show };
}
