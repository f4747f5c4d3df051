import { useCallback, useEffect, useState } from 'preact/hooks';
import { can } from '../../access';
import { useSignedIn } from '../../context';
import { openLive, type LiveState } from '../../live';
import { CellList } from './cell-list';
import { FabricateForm } from './fabricate-form';

/** `#/cells`: the factory's cells by state, kept current by the cells' events, and the fabricate form. */
export function CellsPage() {
  const { who, token } = useSignedIn();
  const [refresh, setRefresh] = useState(0);
  const bump = useCallback(() => setRefresh((n) => n + 1), []);
  const [live, setLive] = useState<LiveState>('connecting');

  useEffect(() => {
    // Cell events carry subject kind `cell`; a burst of them (three approvals) refreshes once.
    let pending: ReturnType<typeof setTimeout> | null = null;
    const stream = openLive<{ type: string }>({
      path: '/events',
      query: { subject_kind: 'cell' },
      token,
      onState: setLive,
      onFrame: (f) => {
        if (f.type === 'event' && pending === null) {
          pending = setTimeout(() => {
            pending = null;
            bump();
          }, 300);
        }
      },
    });
    return () => {
      if (pending !== null) clearTimeout(pending);
      stream.close();
    };
  }, [token, bump]);

  return (
    <>
      <div class="page-head">
        <h1>Cells</h1>
      </div>
      <div class="grid">
        <CellList refresh={refresh} live={live} />
        {can(who, { adminOnly: true }) && <FabricateForm />}
      </div>
    </>
  );
}
