// The sandbox every repository command runs in (see SECURITY.md): bubblewrap on Linux, with the policy of
// the run (--sandbox auto|required|off, --sandbox-network) carried to runShell by the activity it runs in.
export { bwrapAvailability, resetBwrapAvailability } from './bwrap';
export type { Availability } from './bwrap';
export { bwrapArgs, gitCommonDir } from './wrap';
export {
  currentSandboxPolicy,
  DEFAULT_POLICY,
  describeSandbox,
  inRunSandbox,
  readSandboxRecord,
  withSandboxPolicy,
  writeSandboxRecord,
} from './policy';
export type { SandboxPolicy, SandboxRecord } from './policy';
