import { Type, type Static } from 'typebox';
import { Json, Nullable, Timestamp, View } from './common.js';
import { RunStatusView } from './runs.js';

export type { RunStatusView };

/** `WS /llm/live`: the query and the frames of the LLM live bus. */

export const LiveQuery = Type.Object(
  {
    run_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Only this run (default: every visible run).',
      }),
    ),
    after: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Deliver events with seq greater than this (resume point).' }),
    ),
    token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** The first frame: the resume point the stream starts after and the log's head. */
export const HelloFrame = View({
  type: Type.Literal('hello'),
  after: Type.Integer({ minimum: 0 }),
  head: Type.Integer({ minimum: 0 }),
  run_id: Nullable(Type.String()),
});
export type HelloFrame = Static<typeof HelloFrame>;

/** A run event (the `data` a run change writes, with its seq and time). */
export const FactoryEventFrame = View({
  type: Type.Literal('factory.event'),
  seq: Type.Integer({ minimum: 1 }),
  ts: Timestamp,
  event_type: Type.String(),
  run_id: Type.String(),
  target_kind: Type.String(),
  target_id: Type.String(),
  stage_id: Type.Optional(Type.String()),
  issue_id: Type.Optional(Type.String()),
  room: Type.Optional(Type.String()),
  context: Json,
});
export type FactoryEventFrame = Static<typeof FactoryEventFrame>;

/**
 * The run's status aggregate after the last of a run of its events (`seq` is that event's), and once on
 * connecting to one run's stream (`seq` is the resume point).
 */
export const FactorySnapshotFrame = View({
  type: Type.Literal('factory.snapshot'),
  seq: Type.Integer({ minimum: 0 }),
  run_id: Type.String(),
  data: RunStatusView,
});
export type FactorySnapshotFrame = Static<typeof FactorySnapshotFrame>;

export const LIVE_STREAM_DESCRIPTION =
  'A WebSocket (Upgrade: websocket; a plain request answers 400). Frames, one JSON object each: ' +
  "`hello {after, head, run_id}`; with `run_id`, that run's `factory.snapshot` as it stands on connecting " +
  '(its `seq` is `after`); then per run event `factory.event` followed by `factory.snapshot ' +
  '{seq, run_id, data: <run status>}`; `heartbeat` frames keep the connection open, and a slow consumer ' +
  'gets `close {after}` to resume from. A refusal after the upgrade is an `error {code, message}` frame, ' +
  'then close code 4000 + the HTTP status (4404: no such run; 4400: `after` beyond the head of the log).';
