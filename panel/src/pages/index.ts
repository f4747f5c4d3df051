import type { Route } from '../router';
import { OverviewPage } from './overview/overview-page';

/** Where `#/` leads. */
export const HOME = '/overview';

/**
 * Every page of the panel, one line each, in navigation order. A route's `needs` hides its link and
 * refuses the page to tokens that may not use it (the server refuses their requests anyway).
 */
export const ROUTES: readonly Route[] = [
  { path: '/overview', title: 'Overview', nav: true, view: OverviewPage },
];
