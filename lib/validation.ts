import type { z } from "zod";
import { AppError, type FieldError, fieldErrors } from "./errors";

/** The 400 every door (REST, server action, service) answers for input that breaks a rule: each problem at its path. */
export function validationError(details: FieldError[], message?: string): AppError {
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  return new AppError("VALIDATION_FAILED", message ?? (summary || "The request is invalid."), details);
}

/** Parses with a zod schema or throws `VALIDATION_FAILED` listing every problem; `message` replaces the summary. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, message?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(fieldErrors(parsed.error.issues), message);
  return parsed.data;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its usual text form; checked before `::uuid`, which throws on anything else. */
export const isUuid = (value: string): boolean => UUID.test(value);
