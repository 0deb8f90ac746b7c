/** Engine-level parameter: the post-deploy health window of each environment, in seconds. */
export const VERIFY_WINDOW_PARAM = 'verifyWindowSeconds';

/** Stage parameter of a rollback deployment: the nodes to put back and their versions. */
export const RESTORE_PARAM = 'restore';

/** Strategy parameters without the engine's own. */
export function withoutEngineParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { [VERIFY_WINDOW_PARAM]: _window, [RESTORE_PARAM]: _restore, ...rest } = params;
  return rest;
}
