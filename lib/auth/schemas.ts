import { z } from "zod";

// Shared by the forms (react-hook-form), the server actions and the env bootstrap.

export const emailSchema = z
  .string()
  .trim()
  .min(1, "Enter an email address.")
  .max(254, "That email address is too long.")
  .pipe(z.email("Enter a valid email address, like name@example.com."))
  .transform((v) => v.toLowerCase());

export const newPasswordSchema = z
  .string()
  .min(12, "Use at least 12 characters.")
  .max(200, "Use at most 200 characters.")
  .refine((v) => v.trim().length > 0, "The password cannot be only spaces.");

export const loginSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, "Enter your password.").max(200, "That password is too long."),
});
export type LoginInput = z.input<typeof loginSchema>;

const firstRunFields = z.object({
  organizationName: z.string().trim().min(1, "Enter your organization's name.").max(120, "Use at most 120 characters."),
  name: z.string().trim().min(1, "Enter your name.").max(120, "Use at most 120 characters."),
  email: emailSchema,
  password: newPasswordSchema,
  confirmPassword: z.string(),
});
const passwordsMatch = (v: { password: string; confirmPassword: string }) => v.password === v.confirmPassword;
const mismatch = { path: ["confirmPassword"], message: "The passwords do not match." };

export const firstRunSchema = firstRunFields.refine(passwordsMatch, mismatch);
export type FirstRunInput = z.input<typeof firstRunSchema>;

/** The first-run page's form: the same fields, plus the setup token from the start log. */
export const firstRunFormSchema = firstRunFields
  .extend({
    setupToken: z
      .string({ error: "Enter the setup token." })
      .trim()
      .min(1, "Enter the setup token printed in Tributary's start log.")
      .max(256, "That is not a setup token."),
  })
  .refine(passwordsMatch, mismatch);
export type FirstRunFormInput = z.input<typeof firstRunFormSchema>;

export const apiTokenNameSchema = z.object({
  name: z.string().trim().min(1, "Give the token a name, such as “SIEM publisher”.").max(80, "Use at most 80 characters."),
});

// Tokens an operator supplies (BOOTSTRAP_API_TOKEN): long enough to resist guessing, safe in a header.
export const suppliedApiTokenSchema = z
  .string()
  .min(24, "must be at least 24 characters")
  .max(256, "must be at most 256 characters")
  .regex(/^[A-Za-z0-9._~+/=-]+$/, "may only contain letters, digits and . _ ~ + / = -");
