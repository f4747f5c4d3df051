/** The operator surface's answers, as the server's contract (src/contract/operator.ts) declares them. */
import type { OrganPage } from '../../src/contract/organs';
import type {
  Capabilities,
  Capability as CapabilityView,
  IntrospectionStatus as Status,
  SafeMode as SafeModeView,
  Whoami as WhoamiView,
} from '../../src/contract/operator';

// The lists themselves are the server's (pure modules, bundled with the panel).
export { ACCESS_LEVELS } from '../../src/domain/access';
export { CAPABILITY_LEVELS } from '../../src/domain/capabilities';
export type { AccessLevel } from '../../src/domain/access';
export type { CapabilityLevel } from '../../src/domain/capabilities';

export type Whoami = WhoamiView;
export type Capability = CapabilityView;
export type CapabilityList = Capabilities;
export type SafeMode = SafeModeView;
export type IntrospectionStatus = Status;
export type CountsByState = Status['counts']['cells'];
export type OrganList = OrganPage;
export type OrganStatus = OrganPage['organs'][number];
