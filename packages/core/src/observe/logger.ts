/**
 * The logging shape pino, Fastify's `request.log` and `console` share. authcore always calls
 * `logger.level({ ...fields }, 'message')`: pino merges the object into the line, console prints
 * both. Fields are never a token, key or secret.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
