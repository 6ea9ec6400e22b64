"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { ActionResult } from "@/lib/api/action-result";
import { type InviteMemberInput, inviteMemberSchema, type MemberDto, type Role } from "@/lib/members/schemas";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ChoiceCards } from "../ui/choice-cards";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { TextField } from "../ui/field";
import { TableHead } from "../ui/table-head";

type MemberResult = ActionResult<{ member: MemberDto }>;

const ROLE_CHOICES = [
  { value: "ADMIN", label: "Admin", help: "Manages connections, API tokens and members; gets the failure emails." },
  { value: "MEMBER", label: "Member", help: "Sees Event Streaming and Failed deliveries, read-only." },
] as const;
const ROLE_LABEL: Record<Role, string> = { ADMIN: "Admin", MEMBER: "Member" };
const LAST_ADMIN = "The only admin: make someone else an admin first.";

const date = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });

function StatusBadge({ member }: { member: MemberDto }) {
  if (member.status === "ACTIVE") return <Badge tone="emerald">Active</Badge>;
  const expired = member.invitation_expires_at !== null && Date.parse(member.invitation_expires_at) <= Date.now();
  return <Badge tone="amber">{expired ? "Invitation expired" : "Invited"}</Badge>;
}

type Pending = { kind: "remove" | "role"; member: MemberDto; role?: Role } | null;

export function MembersManager({
  members,
  currentUserId,
  inviteAction,
  resendAction,
  changeRoleAction,
  removeAction,
}: {
  members: MemberDto[];
  currentUserId: string;
  inviteAction: (input: InviteMemberInput) => Promise<MemberResult>;
  resendAction: (userId: string) => Promise<MemberResult>;
  changeRoleAction: (userId: string, role: Role) => Promise<MemberResult>;
  removeAction: (userId: string) => Promise<ActionResult>;
}) {
  const router = useRouter();
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const admins = members.filter((m) => m.role === "ADMIN").length;
  const isLastAdmin = (m: MemberDto) => m.role === "ADMIN" && admins <= 1;

  const {
    register,
    handleSubmit,
    reset,
    watch,
    setError: setFieldError,
    formState: { errors, isSubmitting },
  } = useForm<InviteMemberInput>({ resolver: zodResolver(inviteMemberSchema), defaultValues: { email: "", name: "", role: "MEMBER" } });

  const onInvite = handleSubmit(async (values) => {
    setError(null);
    setNotice(null);
    const result = await inviteAction(values);
    if (!result.ok) {
      if (result.fields?.length) for (const f of result.fields) setFieldError(f.path as keyof InviteMemberInput, { message: f.message });
      else setFieldError("email", { message: result.message });
      return;
    }
    setNotice(`Invitation sent to ${result.member.email}. The link in the email works once, for 72 hours.`);
    reset({ email: "", name: "", role: values.role });
    router.refresh();
  });

  async function run(key: string, call: () => Promise<ActionResult<object>>, done?: string) {
    setBusy(key);
    setError(null);
    setNotice(null);
    const result = await call();
    setBusy(null);
    if (!result.ok) setError(result.message);
    else if (done) setNotice(done);
    router.refresh();
  }

  // Render helpers, not components: defined here they would remount (and lose focus) on every render.
  // `layout` keeps ids unique: the phone cards and the table are both in the page (one of them hidden).
  function roleControl(member: MemberDto, layout: "card" | "row") {
    const last = isLastAdmin(member);
    if (member.id === currentUserId) {
      return (
        <div>
          <span className="text-slate-700">{ROLE_LABEL[member.role]}</span>
          <p className="mt-1 max-w-56 text-xs text-slate-500">
            {last ? "You are the only admin: make someone else an admin before anyone can change your role." : "Another admin can change your role or remove you."}
          </p>
        </div>
      );
    }
    const selectId = `role-${layout}-${member.id}`;
    const noteId = `role-note-${layout}-${member.id}`;
    return (
      <div>
        <label htmlFor={selectId} className="sr-only">
          Role of {member.name}
        </label>
        <select
          id={selectId}
          value={member.role}
          disabled={last || busy !== null}
          aria-describedby={last ? noteId : undefined}
          onChange={(e) => setPending({ kind: "role", member, role: e.target.value as Role })}
          className="block rounded-md border-0 py-1.5 pl-2 pr-8 text-sm text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 disabled:bg-slate-50 disabled:text-slate-500"
        >
          <option value="ADMIN">Admin</option>
          <option value="MEMBER">Member</option>
        </select>
        {last && (
          <p id={noteId} className="mt-1 max-w-48 text-xs text-slate-500">
            {LAST_ADMIN}
          </p>
        )}
      </div>
    );
  }

  function rowActions(member: MemberDto) {
    if (member.id === currentUserId) return <span className="text-xs text-slate-500">You</span>;
    const last = isLastAdmin(member);
    return (
      <div className="flex flex-wrap items-center justify-end gap-1 md:flex-nowrap">
        {member.status === "INVITED" && (
          <Button
            variant="ghost"
            busy={busy === `resend:${member.id}`}
            disabled={busy !== null}
            onClick={() => run(`resend:${member.id}`, () => resendAction(member.id), `A new invitation was sent to ${member.email}; the earlier link no longer works.`)}
          >
            Resend invitation
          </Button>
        )}
        <Button
          variant="ghost"
          className="text-red-700"
          disabled={last || busy !== null}
          title={last ? LAST_ADMIN : undefined}
          aria-label={`${member.status === "INVITED" ? "Revoke the invitation of" : "Remove"} ${member.name}`}
          onClick={() => setPending({ kind: "remove", member })}
        >
          {member.status === "INVITED" ? "Revoke" : "Remove"}
        </Button>
      </div>
    );
  }

  const target = pending?.member;
  return (
    <div className="space-y-6">
      {notice && <Alert tone="success">{notice}</Alert>}
      {error && <Alert tone="error">{error}</Alert>}

      <form onSubmit={onInvite} noValidate aria-label="Invite a person" className="space-y-4 rounded-xl bg-white p-4 ring-1 ring-slate-200">
        <h2 className="text-base font-semibold text-slate-900">Invite someone</h2>
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField label="Email" type="email" autoComplete="off" placeholder="name@example.com" error={errors.email?.message} {...register("email")} />
          <TextField label="Name (optional)" autoComplete="off" hint="They can change it when they accept." error={errors.name?.message} {...register("name")} />
        </div>
        <ChoiceCards legend="Role" choices={ROLE_CHOICES} selected={watch("role")} registration={register("role")} error={errors.role?.message} />
        <Button type="submit" busy={isSubmitting}>
          {isSubmitting ? "Sending…" : "Send invitation"}
        </Button>
      </form>

      {members.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          Nobody here yet. Invite the first person above.
        </div>
      ) : (
        <>
          <ul className="space-y-3 md:hidden" aria-label="Members">
            {members.map((m) => (
              <li key={m.id} data-testid="member-card" className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
                <div className="flex items-start justify-between gap-3">
                  <div className="min-w-0">
                    <p className="font-medium text-slate-900">{m.name}</p>
                    <p className="break-all text-xs text-slate-600">{m.email}</p>
                  </div>
                  <StatusBadge member={m} />
                </div>
                <div className="mt-3 flex flex-wrap items-end justify-between gap-3">
                  {roleControl(m, "card")}
                  {rowActions(m)}
                </div>
              </li>
            ))}
          </ul>
          <div className="relative hidden overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200 md:block">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <TableHead columns={["Person", "Role", "Status", "Added", { hidden: "Actions" }]} />
              <tbody className="divide-y divide-slate-100">
                {members.map((m) => (
                  <tr key={m.id} data-testid="member-row">
                    <td className="px-4 py-3">
                      <p className="font-medium text-slate-900">{m.name}</p>
                      <p className="text-xs text-slate-600">{m.email}</p>
                    </td>
                    <td className="px-4 py-3">
                      {roleControl(m, "row")}
                    </td>
                    <td className="px-4 py-3">
                      <StatusBadge member={m} />
                      {m.status === "INVITED" && m.invitation_expires_at && (
                        <p className="mt-1 text-xs text-slate-500">Link valid until {new Date(m.invitation_expires_at).toLocaleString()}</p>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-4 py-3 text-slate-600">{date(m.created_at)}</td>
                    <td className="whitespace-nowrap px-4 py-3 text-right">
                      {rowActions(m)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <ConfirmDialog
        open={pending !== null}
        title={
          pending?.kind === "role"
            ? `Make ${target?.name ?? ""} ${pending.role === "ADMIN" ? "an admin" : "a member"}?`
            : target?.status === "INVITED"
              ? `Revoke the invitation of ${target?.email ?? ""}?`
              : `Remove ${target?.name ?? ""}?`
        }
        confirmLabel={pending?.kind === "role" ? "Change role" : target?.status === "INVITED" ? "Revoke invitation" : "Remove"}
        tone={pending?.kind === "role" ? "primary" : "danger"}
        busy={busy === "dialog"}
        onCancel={() => setPending(null)}
        onConfirm={async () => {
          if (!pending) return;
          const { member, role } = pending;
          await run("dialog", () => (pending.kind === "role" ? changeRoleAction(member.id, role!) : removeAction(member.id)));
          setPending(null);
        }}
      >
        {pending?.kind === "role"
          ? pending.role === "ADMIN"
            ? "Admins manage connections, API tokens and members, and receive the failure emails."
            : "Members can look at Event Streaming and Failed deliveries but change nothing. Their API tokens stop working."
          : target?.status === "INVITED"
            ? "The emailed link stops working. You can invite them again later."
            : "They are signed out at once and their API tokens stop working. You can invite them again later."}
      </ConfirmDialog>
    </div>
  );
}
