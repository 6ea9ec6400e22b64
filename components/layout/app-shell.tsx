import Link from "next/link";
import type { ReactNode } from "react";
import { NavLink } from "./nav-link";
import { SignOutButton } from "./sign-out-button";

type ShellUser = { name: string; email: string; role: "ADMIN" | "MEMBER"; organizationName: string };

export function AppShell({ user, children }: { user: ShellUser; children: ReactNode }) {
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
          <Link href="/" className="flex items-center gap-2 rounded focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
            <span aria-hidden className="grid h-8 w-8 place-items-center rounded-lg bg-indigo-600 font-bold text-white">T</span>
            <span className="text-lg font-semibold tracking-tight">Tributary</span>
            <span className="hidden text-sm text-slate-500 sm:inline">· {user.organizationName}</span>
          </Link>
          <div className="flex items-center gap-3">
            <div className="text-left text-sm leading-tight sm:text-right" data-testid="signed-in-user">
              <p className="font-medium text-slate-900">{user.name}</p>
              <p className="text-slate-500">
                {user.email} · {user.role === "ADMIN" ? "Admin" : "Member"}
              </p>
            </div>
            <SignOutButton />
          </div>
        </div>
      </header>
      <div className="mx-auto flex max-w-6xl flex-col gap-6 px-4 py-6 md:flex-row">
        <nav aria-label="Main" className="md:w-56 md:shrink-0">
          <p className="px-3 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Settings</p>
          <ul className="flex gap-1 overflow-x-auto md:flex-col">
            <li>
              <NavLink href="/settings/event-streaming">Event Streaming</NavLink>
            </li>
            {user.role === "ADMIN" && (
              <>
                <li>
                  <NavLink href="/settings/members">Members</NavLink>
                </li>
                <li>
                  <NavLink href="/settings/api-tokens">API tokens</NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
        <main id="main" className="min-w-0 flex-1">
          {children}
        </main>
      </div>
    </div>
  );
}
