import pino, { type Logger } from 'pino';

/**
 * JSON logs with no secrets and no PII: anything that could hold a key, a token or customer data
 * is redacted by path, and the request logger never logs bodies or headers.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'capi-relay' },
      redact: {
        paths: ['*.authorization', '*.accessToken', '*.access_token', '*.token', '*.ingestKey', '*.publishableKey', '*.user_data', '*.secret', 'req.headers'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
