import type { Route } from '../router';
import { OverviewPage } from './overview/overview-page';
import { RunPage } from './runs/run-page';
import { RunsPage } from './runs/runs-page';
import { BuildPage } from './organs/build-page';
import { OrganPage } from './organs/organ-page';
import { OrganListPage } from './organs/organs-page';
import { CellPage } from './cells/cell-page';
import { CellsPage } from './cells/cells-page';
import { JobPage } from './training/job-page';
import { JobsPage } from './training/jobs-page';

/** Where `#/` leads. */
export const HOME = '/overview';

/**
 * Every page of the panel, one line each, in navigation order. A route's `needs` hides its link and
 * refuses the page to tokens that may not use it (the server refuses their requests anyway).
 */
export const ROUTES: readonly Route[] = [
  { path: '/overview', title: 'Overview', nav: true, view: OverviewPage },
  { path: '/runs', title: 'Runs', nav: true, needs: { access: 'read' }, view: RunsPage },
  { path: '/runs/:id', title: 'Run', needs: { access: 'read' }, view: RunPage },
  { path: '/organs', title: 'Organs', nav: true, needs: { adminOnly: true }, view: OrganListPage },
  { path: '/organs/new', title: 'Build an organ', needs: { adminOnly: true }, view: BuildPage },
  { path: '/organs/:id', title: 'Organ', needs: { adminOnly: true }, view: OrganPage },
  { path: '/cells', title: 'Cells', nav: true, needs: { adminOnly: true }, view: CellsPage },
  { path: '/cells/:id', title: 'Cell', needs: { adminOnly: true }, view: CellPage },
  { path: '/training', title: 'Training', nav: true, needs: { adminOnly: true }, view: JobsPage },
  { path: '/training/:id', title: 'Training job', needs: { adminOnly: true }, view: JobPage },
];
