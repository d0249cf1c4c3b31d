import type { ReactNode } from 'react';

interface Props {
  /** The panel's name: its heading and, for screen readers, its landmark. */
  title: string;
  /** Heading text when it differs from the name (e.g. with a count). */
  heading?: string;
  onClose: () => void;
  className?: string;
  children: ReactNode;
}

/** The column beside the grid that holds chat, files, participants, details or settings. */
export function SidePanel({ title, heading, onClose, className, children }: Props) {
  return (
    <aside className={`panel${className ? ` ${className}` : ''}`} aria-label={title}>
      <header>
        <h2>{heading ?? title}</h2>
        <button type="button" className="button ghost small" onClick={onClose} aria-label={`Close ${title.toLowerCase()}`}>
          ✕
        </button>
      </header>
      {children}
    </aside>
  );
}
