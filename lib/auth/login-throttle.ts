// Sign-in throttling that no one can use to lock a person out.
//
// - Per client (IP): every attempt counts; over the limit, that client is refused for the rest
//   of the window. A guesser cannot switch emails to go on.
// - Per (email, client): attempts since this client's last successful sign-in to that account;
//   over the limit, that client is refused for that account. A guesser at one address cannot go
//   on, and the account's owner, signing in from elsewhere, is not affected.
// - Per email, across all clients: failed attempts. Over the limit the account is being guessed
//   at from many addresses, and each further attempt on it waits before its password is checked,
//   longer as failures mount. It is never refused: the right password still signs in, a few
//   seconds later.
// All three are decided before the password is hashed, so refused attempts cost no scrypt.

export type LoginLimits = {
  maxPerClient: number;
  maxPerEmailAndClient: number;
  /** Failures on one email, from anywhere, before attempts on it are slowed. */
  slowAfterEmailFailures: number;
};

export type LoginCounts = { client: number; emailAndClient: number; emailFailures: number };

export type LoginThrottle = { refuse: true } | { refuse: false; delayMs: number };

export const SLOWDOWN_STEP_MS = 250;
export const SLOWDOWN_MAX_MS = 5_000;

export function loginThrottle(counts: LoginCounts, limits: LoginLimits): LoginThrottle {
  if (counts.client > limits.maxPerClient || counts.emailAndClient > limits.maxPerEmailAndClient) return { refuse: true };
  const excess = counts.emailFailures - limits.slowAfterEmailFailures;
  return { refuse: false, delayMs: excess > 0 ? Math.min(SLOWDOWN_MAX_MS, excess * SLOWDOWN_STEP_MS) : 0 };
}

/** Counter keys; an IP never contains a space and a valid email neither, so keys cannot collide. */
export const loginKeys = (email: string, client: string) => ({
  client: `login:ip:${client}`,
  emailAndClient: `login:pair:${client} ${email}`,
  emailFailures: `login:email:${email}`,
});
