/** Set up face unlock again (after owner proof in Settings): the same guided capture as onboarding. */
import { Icon } from '../ui/components.tsx';
import type { ScreenProps } from './common.ts';
import { EnrolView } from './enrol-view.tsx';

export function ReEnrol(p: ScreenProps & { onDone: () => void }) {
  return (
    <div className="page" data-testid="screen-reenrol">
      <header className="page-head">
        <div className="hero-mark small">
          <Icon name="face" size={28} />
        </div>
        <div>
          <h1>Set up your face again</h1>
          <p className="muted">
            Your old face data is replaced when the new capture finishes. Your files and passphrase are
            unchanged.
          </p>
        </div>
      </header>
      <EnrolView {...p} onEnrolled={p.onDone} />
      <div className="actions left">
        <button type="button" className="btn secondary" onClick={p.onDone}>
          Cancel
        </button>
      </div>
    </div>
  );
}
