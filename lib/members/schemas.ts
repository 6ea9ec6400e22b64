import { z } from "zod";
import { emailSchema, newPasswordSchema } from "../auth/schemas";

// People of an organization: the invite form, the Members page's actions and the operator API parse
// with these; the Member answer is typed by its schema.

export const ROLES = ["ADMIN", "MEMBER"] as const;
export const roleSchema = z.enum(ROLES, { error: "Choose Admin or Member." });
export type Role = z.infer<typeof roleSchema>;

export const personNameSchema = z.string().trim().min(1, "Enter a name.").max(120, "Use at most 120 characters.");

/** A name that may be left out (an empty field counts as left out). */
const optionalName = z
  .string()
  .trim()
  .max(120, "Use at most 120 characters.")
  .optional()
  .transform((v) => (v ? v : undefined));

export const inviteMemberSchema = z.object({
  email: emailSchema,
  name: optionalName.meta({ description: "Shown until they accept (they can change it then); defaults to the email's local part" }),
  role: roleSchema,
});
export type InviteMemberInput = z.input<typeof inviteMemberSchema>;

export const memberPatchSchema = z
  .object({ role: roleSchema.optional(), name: personNameSchema.optional() })
  .refine((v) => v.role !== undefined || v.name !== undefined, { message: "Send role or name to change." })
  .meta({ minProperties: 1 });

export const memberSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  status: z.enum(["INVITED", "ACTIVE"]).meta({ description: "INVITED until they accept the emailed invitation (or first use a portal link)" }),
  created_at: z.iso.datetime(),
  invitation_expires_at: z.iso.datetime().nullable().meta({ description: "When an INVITED person's emailed link expires; null once ACTIVE" }),
});
export type MemberDto = z.infer<typeof memberSchema>;

export const memberListSchema = z.object({ data: z.array(memberSchema) });

const acceptFields = z.object({
  token: z.string().min(1).max(200),
  name: personNameSchema,
  password: newPasswordSchema,
  confirmPassword: z.string(),
});
/** The invitation page's form: a name and a password (the first-run page's rules). */
export const acceptInvitationSchema = acceptFields.refine((v) => v.password === v.confirmPassword, {
  path: ["confirmPassword"],
  message: "The passwords do not match.",
});
export type AcceptInvitationInput = z.input<typeof acceptInvitationSchema>;
