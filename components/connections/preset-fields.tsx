"use client";

import { useState } from "react";
import {
  DATADOG_SITES,
  type DatadogSite,
  datadogLogsUrl,
  type PresetId,
  type SplunkDeployment,
  splunkAuthorization,
  splunkHecUrl,
  sumoBasicAuth,
} from "@/lib/connections/presets";
import { SelectField, TextField } from "../ui/field";
import type { ConnectionFormApi } from "./use-connection-form";

/** What a preset asks for in its intake's own words (site, access key, HEC token), filled into the URL and keys below. */
export function PresetFields({ preset, form }: { preset: PresetId; form: ConnectionFormApi }) {
  if (preset === "datadog") return <DatadogFields form={form} />;
  if (preset === "sumo") return <SumoFields form={form} />;
  if (preset === "splunk") return <SplunkFields form={form} />;
  return null;
}

function DatadogFields({ form }: { form: ConnectionFormApi }) {
  const [site, setSite] = useState<DatadogSite>("US1");
  return (
    <SelectField
      id="datadog-site"
      label="Datadog site"
      value={site}
      onChange={(e) => {
        const next = DATADOG_SITES.find((s) => s.id === e.target.value)?.id ?? "US1";
        setSite(next);
        form.setValue("url", datadogLogsUrl(next));
      }}
    >
      {DATADOG_SITES.map((s) => (
        <option key={s.id} value={s.id}>
          {s.id} ({s.domain})
        </option>
      ))}
    </SelectField>
  );
}

function SumoFields({ form }: { form: ConnectionFormApi }) {
  const [sumo, setSumo] = useState({ id: "", key: "" });
  const update = (next: { id: string; key: string }) => {
    setSumo(next);
    form.setValue("auth.keys.0.value", next.id && next.key ? sumoBasicAuth(next.id, next.key) : "", { shouldValidate: false });
  };
  return (
    <div className="grid gap-4 rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200 sm:grid-cols-2">
      <p className="text-sm text-slate-700 sm:col-span-2">
        Enter a Sumo Logic access key; Tributary sends it as <code>Authorization: Basic &lt;base64(access id:access key)&gt;</code>.
      </p>
      <TextField label="Access ID" autoComplete="off" value={sumo.id} onChange={(e) => update({ ...sumo, id: e.target.value })} />
      <TextField label="Access key" type="password" autoComplete="off" value={sumo.key} onChange={(e) => update({ ...sumo, key: e.target.value })} />
    </div>
  );
}

function SplunkFields({ form }: { form: ConnectionFormApi }) {
  const [deployment, setDeployment] = useState<SplunkDeployment>({ kind: "cloud", stack: "" });
  const [token, setToken] = useState("");
  const chooseDeployment = (next: SplunkDeployment) => {
    setDeployment(next);
    form.setValue("url", splunkHecUrl(next));
  };
  return (
    <div className="space-y-4 rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200">
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Where Splunk runs</legend>
        <div className="mt-2 flex flex-wrap gap-x-6 gap-y-2 text-sm text-slate-900">
          <label className="flex items-center gap-2">
            <input type="radio" name="splunk-kind" checked={deployment.kind === "cloud"} onChange={() => chooseDeployment({ kind: "cloud", stack: "" })} />
            Splunk Cloud Platform
          </label>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="splunk-kind"
              checked={deployment.kind === "server"}
              onChange={() => chooseDeployment({ kind: "server", host: "", port: "8088" })}
            />
            Splunk Enterprise (your own server)
          </label>
        </div>
      </fieldset>
      {deployment.kind === "cloud" ? (
        <TextField
          label="Splunk Cloud stack"
          placeholder="acme"
          autoComplete="off"
          hint="The name before .splunkcloud.com; events go to https://http-inputs-<stack>.splunkcloud.com."
          value={deployment.stack}
          onChange={(e) => chooseDeployment({ kind: "cloud", stack: e.target.value })}
        />
      ) : (
        <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_8rem]">
          <TextField
            label="HEC host"
            placeholder="splunk.example.com"
            autoComplete="off"
            value={deployment.host}
            onChange={(e) => chooseDeployment({ ...deployment, host: e.target.value })}
          />
          <TextField
            label="HEC port"
            inputMode="numeric"
            hint="8088 unless changed"
            value={deployment.port}
            onChange={(e) => chooseDeployment({ ...deployment, port: e.target.value })}
          />
        </div>
      )}
      <TextField
        label="HEC token"
        type="password"
        autoComplete="off"
        hint="Sent as Authorization: Splunk <token>."
        value={token}
        onChange={(e) => {
          setToken(e.target.value);
          form.setValue("auth.keys.0.value", splunkAuthorization(e.target.value), { shouldValidate: false });
        }}
      />
    </div>
  );
}
