import { useState } from 'react';

/** Copies a text to the clipboard and says so beside the button (the button keeps its name). */
export function CopyButton(props: { text: string; label: string }) {
  const [status, setStatus] = useState('');
  const copy = () => {
    navigator.clipboard.writeText(props.text).then(
      () => setStatus('Copied'),
      () => setStatus('Copying failed: select the text and copy it'),
    );
  };
  return (
    <span className="copy" style={{ flex: '0 0 auto' }}>
      <button type="button" onClick={copy}>
        {props.label}
      </button>{' '}
      <span role="status" className="muted">
        {status}
      </span>
    </span>
  );
}
