/** The unlocked home: what protects this computer right now, at a glance, with the next useful action. */
import type { Route } from '../app.tsx';
import { Icon } from '../ui/components.tsx';
import {
  desktopUnlockStatus,
  faceModelsStatus,
  faceUnlockStatus,
  keyProtectionStatus,
} from '../ui/status.ts';
import { StatusItem } from '../ui/status-item.tsx';
import type { ScreenProps } from './common.ts';

export function Home({ model, api, go }: ScreenProps & { go: (r: Route) => void }) {
  const e = model.enrolment;
  const d = model.desktop;
  const until = model.vault?.unlockedUntil;
  return (
    <div className="page" data-testid="screen-home">
      <header className="page-head">
        <div className="hero-mark small good">
          <Icon name="unlock" size={28} />
        </div>
        <div>
          <h1>FaceVault is unlocked</h1>
          <p className="muted">
            {until
              ? `Locks again at ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}, or when you press Ctrl+L.`
              : 'Locks again when you press Ctrl+L, when you are away, or when your screen locks.'}
          </p>
        </div>
      </header>
      <div className="tiles">
        <StatusItem
          layout="tile"
          icon="face"
          title="Face unlock"
          status={faceUnlockStatus(e)}
          testId="status-face"
        />
        <StatusItem
          layout="tile"
          icon="monitor"
          title="Desktop unlock"
          status={desktopUnlockStatus(d)}
          testId="status-desktop"
        />
        <StatusItem
          layout="tile"
          icon="chip"
          title="Key protection"
          status={keyProtectionStatus(model.status?.keyStore, model.vault)}
          testId="status-keys"
        />
        <StatusItem
          layout="tile"
          icon="shield"
          title="Face models"
          status={faceModelsStatus(model.status)}
          testId="status-models"
        />
      </div>
      <div className="actions left">
        <button type="button" className="btn secondary" onClick={() => go('files')}>
          <Icon name="files" /> Locked files
        </button>
        {d?.available && (
          <button
            type="button"
            className="btn secondary"
            onClick={() => void api.lockDesktopNow().then((r) => r.ok && model.setDesktop(r.value))}
            data-testid="lock-desktop"
          >
            <Icon name="monitor" /> Lock desktop now
          </button>
        )}
      </div>
    </div>
  );
}
