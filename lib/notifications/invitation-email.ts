import type { IssuedInvitation } from "../members/invitation-delivery";
import type { Mail } from "./mailer";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The link an invited person opens to set their name and password. */
export const invitationUrl = (appUrl: string, token: string) => `${appUrl}/invite/${token}`;

/** The email that invites a person to an organization; its link works once, for 72 hours. */
export function invitationEmail(invitation: IssuedInvitation, appUrl: string): Mail {
  const link = invitationUrl(appUrl, invitation.token);
  const by = invitation.invitedByName ? `${invitation.invitedByName} invited you` : "You are invited";
  const as = invitation.role === "ADMIN" ? "an admin" : "a member";
  const until = invitation.expiresAt.toUTCString();
  const subject = `You are invited to ${invitation.organizationName} on Tributary`;
  const text = [
    `${by} to join ${invitation.organizationName} on Tributary as ${as}.`,
    "",
    "Tributary streams your organization's audit events to your SIEM and log destinations. To accept,",
    "open this link, choose your name and a password:",
    "",
    link,
    "",
    `The link works once and expires on ${until}. If it has expired, ask an admin to resend the invitation.`,
    "If you did not expect this email, you can ignore it.",
  ].join("\n");
  const html = `<p>${escapeHtml(by)} to join <strong>${escapeHtml(invitation.organizationName)}</strong> on Tributary as ${as}.</p>
<p>Tributary streams your organization's audit events to your SIEM and log destinations. To accept, choose your name and a password:</p>
<p><a href="${escapeHtml(link)}">Accept the invitation</a></p>
<p>The link works once and expires on ${escapeHtml(until)}. If it has expired, ask an admin to resend the invitation. If you did not expect this email, you can ignore it.</p>`;
  return { to: invitation.email, subject, text, html };
}
