import { z } from "zod";

// Every error a client can see has a code; the catalogue maps it to an HTTP status.
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  DESTINATION_NOT_ALLOWED: 400,
  INSECURE_DESTINATION: 400,
  ORGANIZATION_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ALREADY_SET_UP: 409,
  CONNECTION_LIMIT_REACHED: 409,
  LAST_ADMIN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  DESTINATION_TEST_FAILED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  WORKER_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
    message: z.string().meta({ description: "What went wrong and what to do next" }),
    details: z.unknown().optional().meta({ description: "Per-field problems ({path, message}) for VALIDATION_FAILED; the code's specifics otherwise" }),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export function errorBody(err: AppError): ErrorBody {
  return {
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
  };
}

export type FieldError = { path: string; message: string };

/** Turns zod issues into `{ path: message }` pairs a form or API client can show next to fields. */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldError[] {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
