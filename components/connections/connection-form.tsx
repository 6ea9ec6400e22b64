"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useState } from "react";
import { type FieldPath, useFieldArray, useForm } from "react-hook-form";
import { DATADOG_SITES, type DatadogSite, datadogLogsUrl, PRESETS, type PresetId, sumoBasicAuth } from "@/lib/connections/presets";
import {
  type ConnectionFormValues,
  type ConnectionSettings,
  editConnectionFormSchema,
  MAX_API_KEYS,
  newConnectionFormSchema,
} from "@/lib/connections/schemas";
import { Alert } from "../ui/alert";
import { Button, buttonClass } from "../ui/button";
import { SelectField, TextField } from "../ui/field";
import { SecretReveal } from "./secret-reveal";
import { TestResult } from "./test-result";
import type { SaveResult, TestOutcome } from "./types";

const AUTH_TYPES = [
  { value: "NONE", label: "None", help: "No authorization. Only for destinations that need none." },
  { value: "API_KEY", label: "API Key", help: "Key/value pairs sent as headers or query parameters." },
  { value: "HMAC", label: "HMAC", help: "Tributary signs every request with a secret it generates." },
] as const;

type Props = {
  mode: "create" | "edit";
  initial?: ConnectionFormValues;
  /** Hints (last 4 characters) of stored API key values, by position, when editing. */
  valueHints?: string[];
  cancelHref: string;
  /** Receives the form's values in the API's shape. */
  onSubmit: (values: ConnectionSettings) => Promise<SaveResult>;
  onDone: () => void;
};


export function ConnectionForm({ mode, initial, valueHints = [], cancelHref, onSubmit, onDone }: Props) {
  const [preset, setPreset] = useState<PresetId>("custom");
  const [site, setSite] = useState<DatadogSite>("US1");
  const [sumo, setSumo] = useState({ id: "", key: "" });
  const [failure, setFailure] = useState<{ message: string; test?: TestOutcome } | null>(null);
  const [revealed, setRevealed] = useState<string | null>(null);
  const {
    register,
    control,
    handleSubmit,
    reset,
    setValue,
    setError,
    watch,
    formState: { errors, isSubmitting },
  } = useForm({
    resolver: zodResolver(mode === "create" ? newConnectionFormSchema : editConnectionFormSchema),
    defaultValues: initial ?? PRESETS.find((p) => p.id === "custom")!.values,
  });
  const keys = useFieldArray({ control, name: "auth.keys" });
  const authType = watch("auth.type");

  const choosePreset = (id: PresetId) => {
    setPreset(id);
    setFailure(null);
    const values = PRESETS.find((p) => p.id === id)!.values;
    reset(structuredClone(values));
    if (id === "datadog") setValue("url", datadogLogsUrl(site));
    setSumo({ id: "", key: "" });
  };

  const updateSumo = (next: { id: string; key: string }) => {
    setSumo(next);
    setValue("auth.keys.0.value", next.id && next.key ? sumoBasicAuth(next.id, next.key) : "", { shouldValidate: false });
  };

  const submit = handleSubmit(async (values) => {
    setFailure(null);
    const result = await onSubmit(values);
    if (!result.ok) {
      for (const f of result.fields ?? []) setError(f.path as FieldPath<ConnectionFormValues>, { message: f.message });
      const details = result.details as TestOutcome | undefined;
      setFailure({ message: result.message, test: result.code === "DESTINATION_TEST_FAILED" ? details : undefined });
      return;
    }
    if (result.hmacSecret) setRevealed(result.hmacSecret);
    else onDone();
  });

  if (revealed) {
    return (
      <div className="space-y-4">
        <Alert tone="success" title={mode === "create" ? "Connection added" : "Connection saved"}>
          The test event was delivered and the connection is streaming.
        </Alert>
        <SecretReveal secret={revealed}>
          <Button onClick={onDone}>I have saved the secret</Button>
        </SecretReveal>
      </div>
    );
  }

  const keysError = errors.auth?.keys;

  return (
    <form onSubmit={submit} noValidate className="space-y-6">
      {mode === "create" && (
        <fieldset>
          <legend className="text-sm font-medium text-slate-900">Destination</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
            {PRESETS.map((p) => (
              <label
                key={p.id}
                className={`cursor-pointer rounded-lg p-3 ring-1 focus-within:ring-2 focus-within:ring-indigo-600 ${
                  preset === p.id ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-200 hover:ring-slate-300"
                }`}
              >
                <input type="radio" name="preset" value={p.id} checked={preset === p.id} onChange={() => choosePreset(p.id)} className="sr-only" />
                <span className="block text-sm font-semibold text-slate-900">{p.label}</span>
                <span className="mt-0.5 block text-xs text-slate-600">{p.description}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}

      {failure && (
        <div className="space-y-3">
          <Alert tone="error" title="Not saved">
            {failure.message}
          </Alert>
          {failure.test && <TestResult outcome={failure.test} />}
        </div>
      )}

      <TextField label="Name" placeholder="Datadog production" error={errors.name?.message} {...register("name")} />

      {preset === "datadog" && (
        <SelectField
          id="datadog-site"
          label="Datadog site"
          value={site}
          onChange={(e) => {
            const next = e.target.value as DatadogSite;
            setSite(next);
            setValue("url", datadogLogsUrl(next));
          }}
        >
          {DATADOG_SITES.map((s) => (
            <option key={s.id} value={s.id}>
              {s.id} ({s.domain})
            </option>
          ))}
        </SelectField>
      )}

      <TextField
        label="URL"
        type="url"
        inputMode="url"
        placeholder={preset === "sumo" ? "https://endpoint1.collection.sumologic.com/receiver/v1/http/…" : "https://logs.example.com/intake"}
        hint="Tributary POSTs each event here as JSON. It sends a test event before saving."
        error={errors.url?.message}
        {...register("url")}
      />

      {preset === "sumo" && (
        <div className="grid gap-4 rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200 sm:grid-cols-2">
          <p className="text-sm text-slate-700 sm:col-span-2">
            Enter a Sumo Logic access key; Tributary sends it as <code>Authorization: Basic &lt;base64(access id:access key)&gt;</code>.
          </p>
          <TextField label="Access ID" autoComplete="off" value={sumo.id} onChange={(e) => updateSumo({ ...sumo, id: e.target.value })} />
          <TextField
            label="Access key"
            type="password"
            autoComplete="off"
            value={sumo.key}
            onChange={(e) => updateSumo({ ...sumo, key: e.target.value })}
          />
        </div>
      )}

      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Authorization Type</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-3">
          {AUTH_TYPES.map((t) => (
            <label
              key={t.value}
              className={`flex cursor-pointer gap-2 rounded-lg p-3 ring-1 focus-within:ring-2 focus-within:ring-indigo-600 ${
                authType === t.value ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-200"
              }`}
            >
              <input
                type="radio"
                value={t.value}
                className="mt-0.5"
                {...register("auth.type", {
                  onChange: (e) => {
                    if (e.target.value === "API_KEY" && keys.fields.length === 0) keys.append({ key: "", value: "", add_to: "HEADER" });
                  },
                })}
              />
              <span>
                <span className="block text-sm font-semibold text-slate-900">{t.label}</span>
                <span className="block text-xs text-slate-600">{t.help}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      {authType === "API_KEY" && (
        <div className="space-y-3">
          {keys.fields.map((field, i) => {
            const itemErrors = errors.auth?.keys?.[i];
            const hint = valueHints[i];
            return (
              <div key={field.id} className="grid gap-3 rounded-lg bg-white p-3 ring-1 ring-slate-200 sm:grid-cols-[1fr_1fr_auto_auto] sm:items-start">
                <TextField label={`Key ${i + 1}`} autoComplete="off" placeholder="DD-API-KEY" error={itemErrors?.key?.message} {...register(`auth.keys.${i}.key`)} />
                <TextField
                  label={`Value ${i + 1}`}
                  type="password"
                  autoComplete="new-password"
                  placeholder={mode === "edit" && hint ? `Leave blank to keep ${hint}` : ""}
                  error={itemErrors?.value?.message}
                  {...register(`auth.keys.${i}.value`)}
                />
                <SelectField id={`add-to-${i}`} label="Add to" {...register(`auth.keys.${i}.add_to`)}>
                  <option value="HEADER">Header (recommended)</option>
                  <option value="QUERY">Query Parameter (not recommended for secrets)</option>
                </SelectField>
                <Button type="button" variant="ghost" className="sm:mt-6" aria-label={`Remove key ${i + 1}`} onClick={() => keys.remove(i)} disabled={keys.fields.length <= 1}>
                  Remove
                </Button>
              </div>
            );
          })}
          {(keysError?.message || keysError?.root?.message) && (
            <p role="alert" className="text-sm text-red-600">
              {keysError.message ?? keysError.root?.message}
            </p>
          )}
          <Button
            type="button"
            variant="secondary"
            disabled={keys.fields.length >= MAX_API_KEYS}
            onClick={() => keys.append({ key: "", value: "", add_to: "HEADER" })}
          >
            + Add key
          </Button>
          {keys.fields.length >= MAX_API_KEYS && <p className="text-xs text-slate-500">A connection can have at most {MAX_API_KEYS} keys.</p>}
        </div>
      )}

      {authType === "HMAC" && (
        <Alert tone="info">
          {mode === "edit" && initial?.auth.type === "HMAC"
            ? "Signing secrets are managed in the HMAC secrets section of this page."
            : "When you save, Tributary generates a signing secret and shows it once. Every request carries X-Opal-Request-Timestamp and X-Opal-Signature."}
        </Alert>
      )}

      <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-5">
        <Button type="submit" busy={isSubmitting}>
          {isSubmitting ? "Sending test event…" : mode === "create" ? "Add Connection" : "Save changes"}
        </Button>
        <Link href={cancelHref} className={buttonClass("secondary")}>
          Cancel
        </Link>
        <p className="text-xs text-slate-500">A test event is sent first; only a 2xx answer saves{mode === "edit" ? " a changed URL or authorization" : ""}.</p>
      </div>
    </form>
  );
}
