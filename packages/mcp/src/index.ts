export {
  type AuthInfo,
  type AuthInfoExtra,
  type AuthInfoOptions,
  type AuthInfoPrincipal,
  accessToken,
  toAuthInfo,
} from './auth-info.js';
export type { ToolScopes } from './lib/tool-calls.js';
