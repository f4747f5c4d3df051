/**
 * Keeps a command's working directory inside the workspace. The check is on where a path really lands
 * (realpath), and commands are then started in that real path, so what was checked is what runs.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fail, ok, type Result } from '../domain/errors.js';

const invalid = (reason: string) => fail('invalid_request', reason);

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Like `resolveCwd`, with the path relative to the real root as well (what a report shows). */
export function confineCwd(
  workspaceRoot: string,
  cwd: string | undefined,
): Result<{ abs: string; rel: string }> {
  const asked = cwd === undefined || cwd === '' ? '.' : cwd;
  if (asked.includes('\0')) return invalid('cwd must not contain NUL');
  let realRoot: string;
  try {
    realRoot = realpathSync(workspaceRoot);
  } catch {
    return fail('internal', `the workspace root ${workspaceRoot} does not exist`);
  }
  // Lexically first, so "../etc" is refused for what it says, whether or not it exists.
  const lexical = resolve(workspaceRoot, asked);
  if (!within(resolve(workspaceRoot), lexical) && !within(realRoot, lexical))
    return invalid(`cwd ${asked} escapes the workspace root`);
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch {
    return invalid(`cwd ${asked} does not exist`);
  }
  // A symlink inside the root may point anywhere: what counts is where it lands.
  if (!within(realRoot, real)) return invalid(`cwd ${asked} escapes the workspace root through a symlink`);
  if (!statSync(real).isDirectory()) return invalid(`cwd ${asked} is not a directory`);
  return ok({ abs: real, rel: relative(realRoot, real) || '.' });
}

/** The real, absolute directory `cwd` names, when it is a directory inside the workspace root. */
export function resolveCwd(workspaceRoot: string, cwd: string | undefined): Result<string> {
  const confined = confineCwd(workspaceRoot, cwd);
  return confined.ok ? ok(confined.value.abs) : confined;
}
