// Every error a client can see has a code; the catalogue maps it to an HTTP status.
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  DESTINATION_NOT_ALLOWED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ALREADY_SET_UP: 409,
  CONNECTION_LIMIT_REACHED: 409,
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

export type ErrorBody = { error: { code: ErrorCode; message: string; details?: unknown } };

export function errorBody(err: AppError): ErrorBody {
  return {
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
  };
}

/** Turns zod issues into `{ path: message }` pairs a form or API client can show next to fields. */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>) {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
