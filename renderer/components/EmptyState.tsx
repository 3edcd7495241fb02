import type { ReactNode } from 'react';

/** What to show when there is nothing yet or something is wrong: what happened, then what to do. */
export function EmptyState({ title, children, actions, tone = 'neutral', headingLevel = 2 }: {
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  tone?: 'neutral' | 'danger' | 'warn';
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <section className={`empty-state empty-state-${tone}`} role={tone === 'neutral' ? undefined : 'alert'}>
      <Heading className="empty-state-title">{title}</Heading>
      {children && <div className="empty-state-body">{children}</div>}
      {actions && <div className="empty-state-actions">{actions}</div>}
    </section>
  );
}
