import { AsyncView, formatNumber, formatTime } from '../../components';
import { useSignedIn } from '../../context';
import { useLoad } from '../../hooks';
import { cellApi } from './cell-types';
import type { Shadow } from './rollout-types';

/**
 * Shadow traffic: how the revision the stable one's calls are mirrored to answered them, and the newest
 * differences with their diffs. Reloaded when the cell changes and every 5 s (mirrored calls make no
 * events of their own).
 */
export function ShadowReport({ cellId, changed }: { cellId: string; changed: string }) {
  const { api } = useSignedIn();
  const shadow = useLoad(() => api.get<Shadow>(cellApi(cellId, '/shadow')), [api, cellId, changed], {
    everyMs: 5000,
  });
  return (
    <AsyncView state={shadow} what="the shadow report">
      {(s) => (
        <div class="rollout-shadow" aria-label="Shadow report" role="group">
          <p>
            {s.enabled
              ? `${formatNumber(s.percent)}% of the stable revision's calls are mirrored to ${s.version} (${s.state})${s.current ? '' : ', which receives none now'}.`
              : `Shadow traffic is off; the figures of ${s.version} are from when it was on.`}
          </p>
          <dl class="facts">
            {(
              [
                ['Mirrored calls', s.calls],
                ['Equal', s.equal],
                ['Different', s.different],
                ['Errors', s.errors],
                ['Dropped (queue full)', s.dropped],
              ] as const
            ).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{formatNumber(v)}</dd>
              </div>
            ))}
            <div>
              <dt>Shadow p95</dt>
              <dd>{s.p95_ms === null ? '—' : `${formatNumber(Math.round(s.p95_ms))} ms`}</dd>
            </div>
          </dl>
          {s.samples.length > 0 && (
            <table class="rollout-verdicts">
              <caption>The newest differences</caption>
              <thead>
                <tr>
                  <th>At</th>
                  <th>Input</th>
                  <th>Stable</th>
                  <th>Shadow</th>
                  <th>Diff</th>
                </tr>
              </thead>
              <tbody>
                {s.samples.map((x, i) => (
                  <tr key={i}>
                    <td>{formatTime(x.at)}</td>
                    <td>
                      <code>{x.input}</code>
                    </td>
                    <td>
                      <code>{x.stable_output}</code>
                    </td>
                    <td>
                      <code>{x.shadow_output}</code>
                    </td>
                    <td>
                      <code>{x.diff}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </AsyncView>
  );
}
