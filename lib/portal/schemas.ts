import { z } from "zod";
import { emailSchema } from "../auth/schemas";
import { personNameSchema, roleSchema } from "../members/schemas";

export const portalLinkRequestSchema = z.object({
  email: emailSchema,
  name: personNameSchema.optional().meta({ description: "The name of a person created by the link" }),
  role: roleSchema.default("MEMBER").meta({ description: "The role of a person created by the link (someone already in the organization keeps theirs)" }),
});

export const portalLinkSchema = z.object({
  url: z.url().meta({ description: "Single-use sign-in link: send the person there (or load it in your iframe)" }),
  expires_at: z.iso.datetime(),
});
export type PortalLinkDto = z.infer<typeof portalLinkSchema>;
