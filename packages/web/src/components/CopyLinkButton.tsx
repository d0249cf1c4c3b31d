import { useState } from 'react';
import { LinkIcon } from './icons';

/** Copies the page's own address: the room link is the invitation. */
export function CopyLinkButton() {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch (error) {
      window.prompt('Copy this link to invite people:', window.location.href);
      console.warn('[parley] clipboard refused:', error);
    }
  };
  return (
    <button type="button" className="button ghost" onClick={() => void copy()}>
      <LinkIcon /> {copied ? 'Link copied' : 'Copy invite link'}
    </button>
  );
}
