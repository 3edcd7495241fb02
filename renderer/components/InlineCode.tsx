import type { ReactNode } from 'react';

/** The engine's messages quote commands in backticks, as the CLI prints them; here they become code. */
export function InlineCode({ text }: { text: string }) {
  const parts: ReactNode[] = text.split(/`([^`\n]+)`/).map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part));
  return <>{parts}</>;
}
