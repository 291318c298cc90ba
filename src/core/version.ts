/** The relay's release (package.json `version`): the CLI's --version and /openapi.json's info.version. */
export const RELAY_VERSION = '0.1.0';
