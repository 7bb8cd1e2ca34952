/**
 * One status item — a title, its state as a pill, a sentence — as a tile (home) or as a settings row with
 * its control on the right. The words come from ui/status.ts, so both screens say the same thing.
 */
import { Icon, Pill } from './components.tsx';
import type { StatusLine } from './status.ts';

export function StatusItem({
  title,
  status,
  layout,
  icon,
  detail,
  testId,
  children,
}: {
  title: string;
  status: StatusLine;
  layout: 'tile' | 'row';
  /** Tiles only: the icon above the title. */
  icon?: string;
  /** Replaces the status's own sentence (a row with more room says more). */
  detail?: string;
  testId?: string;
  /** Rows only: the control on the right. */
  children?: React.ReactNode;
}) {
  const pill = (
    <Pill tone={status.tone} testId={testId ? `${testId}-state` : undefined}>
      {status.label}
    </Pill>
  );
  const sentence = <p className="muted small">{detail ?? status.detail}</p>;
  if (layout === 'tile')
    return (
      <article className="tile" data-testid={testId}>
        {icon && <Icon name={icon} />}
        <h2>{title}</h2>
        {pill}
        {sentence}
      </article>
    );
  return (
    <div className="row" data-testid={testId}>
      <div className="row-text">
        <div className="row-head">
          <span className="row-title">{title}</span>
          {pill}
        </div>
        {sentence}
      </div>
      {children && <div className="row-control">{children}</div>}
    </div>
  );
}
