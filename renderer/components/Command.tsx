import { CopyButton } from './CopyButton.tsx';

/** A command for the user's own terminal, with a button that copies it. */
export function Command({ text, label }: { text: string; label: string }) {
  return (
    <div className="command">
      <code className="command-text">{text}</code>
      <CopyButton text={text} label={label} />
    </div>
  );
}
