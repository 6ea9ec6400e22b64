import { z } from "zod";
import { apiTokenNameSchema } from "./schemas";

// An organization's API tokens: the create form, the server action and /api/v1/tokens parse with
// these (no server code here: the form imports it).

export const TOKEN_SCOPES = ["ADMIN", "PUBLISH"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const tokenScopeSchema = z.enum(TOKEN_SCOPES, { error: "Choose Admin or Publish only." }).meta({
  description: "ADMIN: every organization route; PUBLISH: only POST /api/v1/events (anything else → 403)",
});

export const newApiTokenSchema = apiTokenNameSchema.extend({ scope: tokenScopeSchema });
export type NewApiTokenInput = z.input<typeof newApiTokenSchema>;

const createdBySchema = z.object({ id: z.uuid(), email: z.string(), name: z.string() });

export const apiTokenSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: tokenScopeSchema,
  hint: z.string().meta({ description: "The token's last characters" }),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable(),
  created_by: createdBySchema.nullable().meta({ description: "The admin who created it; null when the operator did" }),
});
export type ApiTokenDto = z.infer<typeof apiTokenSchema>;

export const apiTokenCreatedSchema = apiTokenSchema.pick({ id: true, name: true, scope: true, hint: true, created_at: true }).extend({
  token: z.string().meta({ description: "The token itself: shown this once, stored only as a hash" }),
});
export type ApiTokenCreatedDto = z.infer<typeof apiTokenCreatedSchema>;

export const apiTokenListSchema = z.object({ data: z.array(apiTokenSchema) });

