import { databaseUnavailable } from "../db/unavailable";
import { AppError, type FieldError } from "../errors";
import { log } from "../log";

export type { FieldError };
export type ActionFailure = { ok: false; code: string; message: string; fields?: FieldError[]; details?: unknown };
export type ActionResult<T extends object = object> = ({ ok: true } & T) | ActionFailure;

/** Runs a server action body, turning AppErrors into a result the form can show. */
export async function runAction<T extends object>(name: string, fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, ...(await fn()) };
  } catch (err) {
    if (err instanceof AppError) {
      return {
        ok: false,
        code: err.code,
        message: err.message,
        ...(err.code === "VALIDATION_FAILED" ? { fields: err.details as FieldError[] } : { details: err.details }),
      };
    }
    const down = databaseUnavailable(err);
    if (down) return { ok: false, code: down.code, message: down.message };
    log().error({ err, action: name }, "server action failed");
    return { ok: false, code: "INTERNAL", message: "Something went wrong on our side. It was logged; try again." };
  }
}

/** The result's payload, or the failure's message thrown (what TanStack Query expects of a query function). */
export function unwrap<T extends object>(r: ActionResult<T>): T {
  if (!r.ok) throw new Error(r.message);
  return r;
}

export const UNREACHABLE = "Tributary could not be reached. Check your connection and try again.";

/** Like `unwrap`, for a call from the browser that may not reach the server at all. */
export async function unwrapCall<T extends object>(call: () => Promise<ActionResult<T>>): Promise<T> {
  let result: ActionResult<T>;
  try {
    result = await call();
  } catch {
    throw new Error(UNREACHABLE);
  }
  return unwrap(result);
}
