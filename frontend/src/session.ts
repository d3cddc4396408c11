/**
 * The logged-in account for this browser tab. Kept in sessionStorage so a reload keeps
 * the person logged in while a closed tab forgets the token.
 */

export { type Session, clearSession, loadSession, saveSession };

type Session = { username: string; iban: string; token: string };

const KEY = "open-bank.session";

function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) {
      return null;
    }
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (
      typeof parsed.username === "string" &&
      typeof parsed.iban === "string" &&
      typeof parsed.token === "string"
    ) {
      return { username: parsed.username, iban: parsed.iban, token: parsed.token };
    }
  } catch {
    // Unreadable storage (private mode, corrupted value) means: not logged in.
  }
  return null;
}

function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
