import { z } from "zod";

// The operator API's organizations: requests and answers (see API.md › Operator API).

export const organizationNameSchema = z
  .string({ error: "Give the organization a name." })
  .trim()
  .min(1, "Give the organization a name.")
  .max(120, "Use at most 120 characters.");

/** The host product's own id of the tenant: any printable text without spaces at the ends. */
export const externalIdSchema = z
  .string()
  .trim()
  .min(1, "external_id cannot be empty; leave it out instead.")
  .max(200, "external_id is at most 200 characters.")
  .regex(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/, "external_id may only contain printable ASCII characters.");

export const newOrganizationSchema = z.object({
  name: organizationNameSchema,
  external_id: externalIdSchema.nullable().optional().meta({ description: "The host product's own id of this tenant; unique" }),
});

export const organizationPatchSchema = z
  .object({
    name: organizationNameSchema.optional(),
    external_id: externalIdSchema.nullable().optional(),
  })
  .refine((v) => v.name !== undefined || v.external_id !== undefined, { message: "Send name or external_id to change." })
  .meta({ minProperties: 1 });

export const organizationsQuerySchema = z.object({
  external_id: externalIdSchema.optional().meta({ description: "Only the organization with this external_id" }),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const organizationSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  external_id: z.string().nullable(),
  created_at: z.iso.datetime(),
  connections: z.number().int().meta({ description: "How many event streaming connections it has" }),
});
export type OrganizationDto = z.infer<typeof organizationSchema>;

export const organizationsPageSchema = z.object({
  data: z.array(organizationSchema),
  next_cursor: z.string().nullable().meta({ description: "Pass as cursor for the next page; null on the last" }),
});
