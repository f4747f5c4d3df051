import { score, type Example, type Proposal } from './training-types';

type Change = Proposal['fixes'][number];

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** One side of the diff: the examples a proposal fixes, or those it breaks, with their text when known. */
function ChangeTable({
  title,
  changes,
  examples,
}: {
  title: string;
  changes: readonly Change[];
  examples: ReadonlyMap<number, Example>;
}) {
  return (
    <div class="diff-side" data-diff={title.toLowerCase()}>
      <h3>
        {title} ({changes.length})
      </h3>
      {changes.length === 0 ? (
        <p class="muted small">None.</p>
      ) : (
        <div class="cells-table-scroll">
          <table class="cells-table diff-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Split</th>
                <th scope="col">Input</th>
                <th scope="col">Expected</th>
                <th scope="col">Score</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => {
                const e = examples.get(c.index);
                return (
                  <tr key={c.index} data-example={c.index}>
                    <td>{c.index}</td>
                    <td>{c.split}</td>
                    <td>{e === undefined ? '—' : text(e.input)}</td>
                    <td>{e === undefined ? '—' : text(e.expected)}</td>
                    <td>
                      {score(c.before)} → {score(c.after)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/**
 * A proposal against the base it was measured with: its parameters and scores, then every example it
 * fixes and every one it breaks (scored per example with the job's metric, both splits).
 */
export function ProposalDiff({
  proposal,
  baseline,
  examples,
}: {
  proposal: Proposal;
  baseline: { train: number; holdout: number };
  examples: ReadonlyMap<number, Example>;
}) {
  return (
    <>
      <dl class="facts training-facts">
        <div>
          <dt>Draft</dt>
          <dd>{proposal.version}</dd>
        </div>
        <div>
          <dt>Parameters</dt>
          <dd>
            <code>{JSON.stringify(proposal.params)}</code>
          </dd>
        </div>
        <div>
          <dt>Train</dt>
          <dd>
            {score(baseline.train)} → {score(proposal.train)}
          </dd>
        </div>
        <div>
          <dt>Holdout</dt>
          <dd>
            {score(baseline.holdout)} → {score(proposal.holdout)}
          </dd>
        </div>
        <div>
          <dt>Decision</dt>
          <dd>
            {proposal.decision}
            {proposal.decided_by === null ? '' : ` by ${proposal.decided_by}`}
          </dd>
        </div>
      </dl>
      <div class="diff">
        <ChangeTable title="Fixed" changes={proposal.fixes} examples={examples} />
        <ChangeTable title="Broken" changes={proposal.breaks} examples={examples} />
      </div>
    </>
  );
}
