"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { Button } from "@/components/ui/button";

// What a page shows when rendering it failed on the server — most often because the database is
// restarting or unreachable (the server does not pass the reason on; its log has it, under the reference).
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const [retrying, startRetry] = useTransition();
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center">
      <h1 className="text-2xl font-semibold">This page could not be loaded</h1>
      <p className="max-w-md text-slate-600">
        Tributary could not finish this page, usually because its database is restarting or unreachable. Nothing you saved is lost. Try
        again in a few seconds.
      </p>
      {error.digest && <p className="text-sm text-slate-500">Reference for the server log: {error.digest}</p>}
      <Button
        busy={retrying}
        onClick={() =>
          startRetry(() => {
            router.refresh();
            reset();
          })
        }
      >
        Try again
      </Button>
    </main>
  );
}
