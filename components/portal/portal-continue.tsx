"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "../ui/button";

/** The portal page's one button: uses the single-use link, then lands on Event Streaming. */
export function PortalContinue({ token, landing }: { token: string; landing: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <div className="space-y-3">
      <Button
        className="w-full"
        autoFocus
        busy={busy}
        onClick={async () => {
          setBusy(true);
          const result = await signIn("portal", { token, redirect: false });
          if (!result?.ok || result.error) {
            router.replace("/login?portal=refused");
            return;
          }
          router.replace(landing);
          router.refresh();
        }}
      >
        {busy ? "Signing in…" : "Continue"}
      </Button>
      <p className="text-center text-xs text-slate-500">This link works once and expires a few minutes after it was made.</p>
    </div>
  );
}
