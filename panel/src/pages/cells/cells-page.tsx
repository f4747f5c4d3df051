import { can } from '../../access';
import { useSignedIn } from '../../context';
import { useEventChanges } from '../../use-event-changes';
import { CellList } from './cell-list';
import { FabricateForm } from './fabricate-form';

/** `#/cells`: the factory's cells by state, kept current by the cells' events, and the fabricate form. */
export function CellsPage() {
  const { who } = useSignedIn();
  // Cell events carry subject kind `cell`.
  const { changes: refresh, live } = useEventChanges({ subject_kind: 'cell' });

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
