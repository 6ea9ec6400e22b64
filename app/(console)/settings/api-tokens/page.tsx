import type { Metadata } from "next";
import { ApiTokensManager } from "@/components/api-tokens/api-tokens-manager";
import { PageHeader } from "@/components/ui/page-header";
import { listApiTokens } from "@/lib/auth/api-tokens";
import { AdminsOnly } from "@/components/layout/admins-only";
import { settingsPageUser } from "@/lib/auth/require-admin";
import { db } from "@/lib/db/client";
import { createTokenAction, revokeTokenAction } from "./actions";

export const metadata: Metadata = { title: "API tokens" };

export default async function ApiTokensPage() {
  const user = await settingsPageUser();
  if (!user) return <AdminsOnly />;
  const tokens = await listApiTokens(db(), user.organizationId);
  return (
    <div className="space-y-6">
      <PageHeader
        title="API tokens"
        description={
          <>
            Tokens for the REST API: send them as <code>Authorization: Bearer &lt;token&gt;</code>. A <strong>Publish only</strong>{" "}
            token can only send events (<code>POST /api/v1/events</code>), so a leaked publishing credential cannot read or repoint a
            connection. A token is shown once, when it is created; Tributary stores only its hash.
          </>
        }
      />
      <ApiTokensManager
        tokens={tokens.map((t) => ({
          id: t.id,
          name: t.name,
          scope: t.scope,
          hint: t.hint,
          createdAt: t.createdAt.toISOString(),
          lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
          ownerEmail: t.user?.email ?? null,
        }))}
        createAction={createTokenAction}
        revokeAction={revokeTokenAction}
      />
    </div>
  );
}
