/** Dashboard sessions: sign-in creates one, the admin guard resolves the cookie to one, sign-out ends it on every node. */
import type { Store } from '../store/database.js';
import { createSessionRepository, type SessionRepository } from '../store/sessions.js';

export { SESSION_TTL_MS, type Session } from '../store/sessions.js';

export type SessionService = SessionRepository;

export function createSessionService(store: Store): SessionService {
  return createSessionRepository(store);
}
