'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, type RefObject, useEffect, useRef, useState } from 'react';
import {
  connectionCreateSchema,
  fnoStepSchema,
  issuesByPath,
  salesStepSchema,
  serverFnoStepSchema,
  serverSalesStepSchema,
  updateSettingsSchema,
  validateWith,
} from '../lib/schemas';
import { api, fieldErrors, keys, type PingResult, type SandboxDefaults } from '../lib/trpc';
import { PingChecks, SecretRow } from './connection-parts';
import { formToSettings, SettingsForm, type SettingsFormValue, settingsToForm } from './settings-form';
import { Breadcrumbs, CopyField, ErrorAlert, Field, Loading } from './ui';

const STEPS = ['Sales', 'Finance & Operations', 'Mapping', 'Live ping', 'Enable'] as const;

interface SalesValues {
  name: string;
  salesUrl: string;
  entraTenantId: string;
  salesClientId: string;
  salesClientSecret: string;
  authorityHost: string;
}

interface FnoValues {
  fnoUrl: string;
  sameApp: boolean;
  fnoClientId: string;
  fnoClientSecret: string;
  defaultLegalEntity: string;
}

const SALES_FIELDS = new Set([
  'name',
  'salesUrl',
  'entraTenantId',
  'salesClientId',
  'salesClientSecret',
  'authorityHost',
]);
const FNO_FIELDS = new Set(['fnoUrl', 'fnoClientId', 'fnoClientSecret', 'defaultLegalEntity']);

export function ConnectionWizard() {
  const params = useSearchParams();
  const resumeId = params.get('id');
  // The wizard puts the id of the connection it created into the URL (so a reload resumes it):
  // that must not restart the wizard, another id must.
  const [createdHere, setCreatedHere] = useState<string | null>(null);
  const key = resumeId && resumeId !== createdHere ? resumeId : 'new';
  return <Wizard key={key} resumeId={key === 'new' ? null : resumeId} onCreated={setCreatedHere} />;
}

function Wizard({ resumeId, onCreated }: { resumeId: string | null; onCreated: (id: string) => void }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(resumeId ? 3 : 0);
  const [connectionId, setConnectionId] = useState<string | null>(resumeId);
  const [sales, setSales] = useState<SalesValues>({
    name: '',
    salesUrl: '',
    entraTenantId: '',
    salesClientId: '',
    salesClientSecret: '',
    authorityHost: '',
  });
  const [fno, setFno] = useState<FnoValues>({
    fnoUrl: '',
    sameApp: true,
    fnoClientId: '',
    fnoClientSecret: '',
    defaultLegalEntity: 'usmf',
  });
  const [settings, setSettings] = useState<SettingsFormValue>(() => settingsToForm({}, 'usmf'));
  const [settingsBase, setSettingsBase] = useState<unknown>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  const sandbox = useQuery({
    queryKey: keys.sandboxDefaults,
    queryFn: () => api.connections.sandboxDefaults.query(),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const existing = useQuery({
    queryKey: keys.connection(connectionId ?? ''),
    queryFn: () => api.connections.get.query({ id: connectionId ?? '' }),
    enabled: connectionId !== null,
  });

  // Resuming a draft: fill the form from what is stored (never the secrets: they are write-only).
  const filledFrom = useRef<string | null>(null);
  useEffect(() => {
    const data = existing.data;
    if (!data || filledFrom.current === data.id) return;
    filledFrom.current = data.id;
    setSales({
      name: data.name,
      salesUrl: data.salesUrl,
      entraTenantId: data.entraTenantId,
      salesClientId: data.salesClientId,
      salesClientSecret: '',
      authorityHost: data.authorityHost ?? '',
    });
    setFno({
      fnoUrl: data.fnoUrl,
      sameApp: data.fnoClientId === data.salesClientId,
      fnoClientId: data.fnoClientId,
      fnoClientSecret: '',
      defaultLegalEntity: data.defaultLegalEntity,
    });
    setSettings(settingsToForm(data.settings, data.defaultLegalEntity));
    setSettingsBase(data.settings);
  }, [existing.data]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: focus moves to the new step's heading when the step changes
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [step]);

  const fillFromSandbox = (defaults: SandboxDefaults) => {
    setSales({
      name: defaults.name,
      salesUrl: defaults.salesUrl,
      entraTenantId: defaults.entraTenantId,
      salesClientId: defaults.salesClientId,
      salesClientSecret: defaults.salesClientSecret,
      authorityHost: defaults.authorityHost ?? '',
    });
    const same =
      defaults.fnoClientId === defaults.salesClientId &&
      defaults.fnoClientSecret === defaults.salesClientSecret;
    setFno({
      fnoUrl: defaults.fnoUrl,
      sameApp: same,
      fnoClientId: defaults.fnoClientId,
      fnoClientSecret: same ? '' : defaults.fnoClientSecret,
      defaultLegalEntity: defaults.defaultLegalEntity,
    });
    setSettings(settingsToForm(defaults.settings, defaults.defaultLegalEntity));
    setSettingsBase(defaults.settings ?? {});
    setErrors({});
    setNotice(
      'Filled in from the local sandbox (simulated Sales, F&O and Entra ID). Review each step, then continue.',
    );
  };

  const createInput = () => ({
    name: sales.name.trim(),
    ...(sales.authorityHost.trim() ? { authorityHost: sales.authorityHost.trim().replace(/\/$/, '') } : {}),
    entraTenantId: sales.entraTenantId.trim(),
    salesUrl: sales.salesUrl.trim().replace(/\/$/, ''),
    salesClientId: sales.salesClientId.trim(),
    salesClientSecret: sales.salesClientSecret,
    fnoUrl: fno.fnoUrl.trim().replace(/\/$/, ''),
    fnoClientId: fno.sameApp ? sales.salesClientId.trim() : fno.fnoClientId.trim(),
    ...(fno.sameApp ? {} : { fnoClientSecret: fno.fnoClientSecret }),
    defaultLegalEntity: fno.defaultLegalEntity.trim().toLowerCase(),
  });

  const save = useMutation({
    mutationFn: async (input: { settings: unknown }) => {
      let id = connectionId;
      if (!id) {
        const created = await api.connections.create.mutate(createInput());
        id = created.id;
        onCreated(id);
        setConnectionId(id);
        // The secrets now live only on the server.
        setSales((v) => ({ ...v, salesClientSecret: '' }));
        setFno((v) => ({ ...v, fnoClientSecret: '' }));
      }
      await api.connections.updateSettings.mutate({ id, settings: input.settings as never });
      return id;
    },
    onSuccess: (id) => {
      void queryClient.invalidateQueries({ queryKey: keys.connections });
      void queryClient.invalidateQueries({ queryKey: keys.connection(id) });
      router.replace(`/connections/new?id=${id}`, { scroll: false });
      ping.reset();
      setStep(3);
    },
    onError: (error) => {
      const byField = fieldErrors(error);
      const names = Object.keys(byField);
      if (names.length > 0) {
        setErrors(byField);
        if (names.some((name) => SALES_FIELDS.has(name))) setStep(0);
        else if (names.some((name) => FNO_FIELDS.has(name))) setStep(1);
      }
    },
  });

  const ping = useMutation({
    mutationFn: (id: string) => api.connections.ping.mutate({ id }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: keys.connections }),
  });

  // While the ping runs, its checks are fetched as they complete (the ping answers when all are done).
  const pingLive = useQuery({
    queryKey: ['connections', 'pingProgress', connectionId],
    queryFn: () => (connectionId ? api.connections.pingProgress.query({ id: connectionId }) : null),
    enabled: ping.isPending && connectionId !== null,
    refetchInterval: ping.isPending ? 300 : false,
  });

  const enable = useMutation({
    mutationFn: (id: string) => api.connections.enable.mutate({ id }),
    // Enabling sets things up (alternate keys, change tracking, webhook): check again right after.
    onSuccess: (_result, id) => ping.mutate(id),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: keys.connections });
      if (connectionId) void queryClient.invalidateQueries({ queryKey: keys.connection(connectionId) });
    },
  });

  // The live ping runs as soon as its step opens (again with "Run the ping again").
  const autoPinged = useRef<string | null>(null);
  useEffect(() => {
    if (step !== 3 || !connectionId || autoPinged.current === connectionId) return;
    autoPinged.current = connectionId;
    ping.mutate(connectionId);
  }, [step, connectionId, ping]);

  const created = connectionId !== null;

  const nextFromSales = (event: FormEvent) => {
    event.preventDefault();
    if (!created) {
      const parsed = salesStepSchema.safeParse(sales);
      const found = parsed.success ? {} : issuesByPath(parsed.error);
      const { authorityHost, ...rest } = sales;
      validateWith(
        serverSalesStepSchema,
        { ...rest, ...(authorityHost.trim() ? { authorityHost } : {}) },
        found,
      );
      if (Object.keys(found).length > 0) {
        setErrors(found);
        return;
      }
    }
    setErrors({});
    setStep(1);
  };

  const nextFromFno = (event: FormEvent) => {
    event.preventDefault();
    if (!created) {
      const parsed = fnoStepSchema.safeParse(fno);
      const found = parsed.success ? {} : issuesByPath(parsed.error);
      validateWith(
        serverFnoStepSchema,
        {
          fnoUrl: fno.fnoUrl,
          fnoClientId: fno.sameApp ? sales.salesClientId : fno.fnoClientId,
          defaultLegalEntity: fno.defaultLegalEntity,
        },
        found,
      );
      if (!parsed.success || Object.keys(found).length > 0) {
        setErrors(found);
        return;
      }
      // The default legal entity chosen here is the routing default of the mapping step.
      if (settings.defaultLegalEntity !== parsed.data.defaultLegalEntity) {
        const previous = settings.defaultLegalEntity;
        setSettings((s) => ({
          ...s,
          defaultLegalEntity: parsed.data.defaultLegalEntity,
          entities: s.entities.some((e) => e.dataAreaId === parsed.data.defaultLegalEntity)
            ? s.entities
            : s.entities.map((e) =>
                e.dataAreaId === previous ? { ...e, dataAreaId: parsed.data.defaultLegalEntity } : e,
              ),
        }));
      }
    }
    setErrors({});
    setStep(2);
  };

  const nextFromMapping = (event: FormEvent) => {
    event.preventDefault();
    const result = formToSettings(settings, settingsBase);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    const settingsErrors = validateWith(updateSettingsSchema.shape.settings, result.settings);
    if (Object.keys(settingsErrors).length > 0) {
      setErrors({
        settings: `The settings were not accepted: ${Object.entries(settingsErrors)
          .map(([k, m]) => `${k}: ${m}`)
          .join('; ')}`,
      });
      return;
    }
    if (!created) {
      // Everything the create call takes, checked once more with the server's own schema.
      const createErrors = validateWith(connectionCreateSchema, createInput());
      const names = Object.keys(createErrors);
      if (names.length > 0) {
        setErrors(createErrors);
        setStep(names.some((name) => SALES_FIELDS.has(name)) ? 0 : 1);
        return;
      }
    }
    setErrors({});
    save.mutate({ settings: result.settings });
  };

  if (resumeId && existing.isPending) return <Loading>Loading the connection…</Loading>;
  if (resumeId && existing.isError)
    return (
      <ErrorAlert error={existing.error} subject="this connection" onRetry={() => void existing.refetch()} />
    );

  const secrets = existing.data?.secrets ?? [];
  const secretSetAt = (name: string) => secrets.find((secret) => secret.name === name)?.setAt ?? null;
  const errorCount = Object.keys(errors).length;

  return (
    <>
      <Breadcrumbs
        items={[
          { href: '/connections', label: 'Connections' },
          { label: created ? sales.name || 'Setup' : 'New connection' },
        ]}
      />
      <div className="page-head">
        <div>
          <h1>
            {created ? `Set up ${sales.name || 'the connection'}` : 'Connect your Dynamics environments'}
          </h1>
          <p>Five steps: credentials for Sales and F&amp;O, how orders map, a live check, then enable.</p>
        </div>
        {!created && sandbox.data ? (
          <button type="button" className="btn" onClick={() => sandbox.data && fillFromSandbox(sandbox.data)}>
            Use the sandbox
          </button>
        ) : null}
      </div>

      <ol className="stepper" aria-label="Setup steps">
        {STEPS.map((label, index) => (
          <li
            key={label}
            aria-current={index === step ? 'step' : undefined}
            data-state={index < step ? 'done' : index === step ? 'current' : 'todo'}
          >
            {label}
            <span className="visually-hidden">
              {index < step ? ' (done)' : index === step ? ' (current step)' : ''}
            </span>
          </li>
        ))}
      </ol>

      {notice ? (
        <div className="alert alert-info" role="status" style={{ marginBottom: '1rem' }}>
          <p>{notice}</p>
        </div>
      ) : null}
      {errorCount > 0 ? (
        <div className="alert alert-error" role="alert" style={{ marginBottom: '1rem' }}>
          <p className="alert-title">
            {errorCount === 1
              ? 'One field needs your attention.'
              : `${errorCount} fields need your attention.`}
          </p>
          <p>Each is marked below with what to change.</p>
        </div>
      ) : null}

      <section className="card" aria-labelledby="step-title">
        {step === 0 ? (
          <form className="form" onSubmit={nextFromSales} noValidate>
            <h2 id="step-title" ref={headingRef} tabIndex={-1}>
              1. Dynamics 365 Sales
            </h2>
            <p className="hint">
              An app registration in Microsoft Entra ID with an application user in your Sales environment
              (security role with read/write on accounts, orders, opportunities and products).
            </p>
            <Field
              label="Connection name"
              name="name"
              value={sales.name}
              onChange={(name) => setSales((v) => ({ ...v, name }))}
              error={errors['name']}
              hint="How it is listed here, e.g. Production or UAT."
              readOnly={created}
            />
            <Field
              label="Sales environment URL"
              name="salesUrl"
              type="url"
              inputMode="url"
              placeholder="https://contoso.crm.dynamics.com"
              value={sales.salesUrl}
              onChange={(salesUrl) => setSales((v) => ({ ...v, salesUrl }))}
              error={errors['salesUrl']}
              hint="Power Platform admin center → Environments → your environment → Environment URL."
              readOnly={created}
            />
            <Field
              label="Directory (tenant) ID"
              name="entraTenantId"
              value={sales.entraTenantId}
              onChange={(entraTenantId) => setSales((v) => ({ ...v, entraTenantId }))}
              error={errors['entraTenantId']}
              hint="Azure portal → Microsoft Entra ID → Overview."
              readOnly={created}
            />
            <Field
              label="Application (client) ID"
              name="salesClientId"
              value={sales.salesClientId}
              onChange={(salesClientId) => setSales((v) => ({ ...v, salesClientId }))}
              error={errors['salesClientId']}
              hint="Azure portal → App registrations → your app → Overview."
              readOnly={created}
            />
            {created && connectionId ? (
              <SecretRow
                connectionId={connectionId}
                name="sales_client_secret"
                setAt={secretSetAt('sales_client_secret')}
              />
            ) : (
              <Field
                label="Client secret"
                name="salesClientSecret"
                type="password"
                autoComplete="off"
                value={sales.salesClientSecret}
                onChange={(salesClientSecret) => setSales((v) => ({ ...v, salesClientSecret }))}
                error={errors['salesClientSecret']}
                hint="The secret's Value (shown once when created in Certificates & secrets). Stored encrypted, never shown again."
              />
            )}
            <details open={Boolean(sales.authorityHost) || Boolean(errors['authorityHost'])}>
              <summary>Advanced: sign-in authority</summary>
              <Field
                label="Authority host"
                name="authorityHost"
                type="url"
                placeholder="https://login.microsoftonline.com"
                value={sales.authorityHost}
                onChange={(authorityHost) => setSales((v) => ({ ...v, authorityHost }))}
                error={errors['authorityHost']}
                hint="Leave empty for the public Microsoft cloud."
                readOnly={created}
                optional
              />
            </details>
            {created ? (
              <p className="hint">
                The connection is saved: its URLs and IDs are fixed. To use other ones, set up a new
                connection.
              </p>
            ) : null}
            <div className="form-actions">
              <Link className="btn" href="/connections">
                Cancel
              </Link>
              <button type="submit" className="btn btn-primary">
                Next: Finance &amp; Operations
              </button>
            </div>
          </form>
        ) : null}

        {step === 1 ? (
          <form className="form" onSubmit={nextFromFno} noValidate>
            <h2 id="step-title" ref={headingRef} tabIndex={-1}>
              2. Finance &amp; Operations
            </h2>
            <p className="hint">
              The app must be registered in F&amp;O (System administration → Setup → Microsoft Entra ID
              applications) with a user that may create customers and sales orders.
            </p>
            <Field
              label="F&O environment URL"
              name="fnoUrl"
              type="url"
              inputMode="url"
              placeholder="https://contoso.operations.dynamics.com"
              value={fno.fnoUrl}
              onChange={(fnoUrl) => setFno((v) => ({ ...v, fnoUrl }))}
              error={errors['fnoUrl']}
              readOnly={created}
            />
            <label className="checkbox">
              <input
                type="checkbox"
                checked={fno.sameApp}
                disabled={created}
                onChange={(event) => setFno((v) => ({ ...v, sameApp: event.target.checked }))}
              />
              <span>Use the same app registration as Sales</span>
            </label>
            {!fno.sameApp ? (
              <>
                <Field
                  label="F&O application (client) ID"
                  name="fnoClientId"
                  value={fno.fnoClientId}
                  onChange={(fnoClientId) => setFno((v) => ({ ...v, fnoClientId }))}
                  error={errors['fnoClientId']}
                  readOnly={created}
                />
                {created && connectionId ? (
                  <SecretRow
                    connectionId={connectionId}
                    name="fno_client_secret"
                    setAt={secretSetAt('fno_client_secret')}
                  />
                ) : (
                  <Field
                    label="F&O client secret"
                    name="fnoClientSecret"
                    type="password"
                    autoComplete="off"
                    value={fno.fnoClientSecret}
                    onChange={(fnoClientSecret) => setFno((v) => ({ ...v, fnoClientSecret }))}
                    error={errors['fnoClientSecret']}
                  />
                )}
              </>
            ) : null}
            <Field
              label="Default legal entity"
              name="defaultLegalEntity"
              value={fno.defaultLegalEntity}
              onChange={(defaultLegalEntity) => setFno((v) => ({ ...v, defaultLegalEntity }))}
              error={errors['defaultLegalEntity']}
              hint="The dataAreaId orders go to unless a routing rule says otherwise, e.g. usmf."
              readOnly={created}
            />
            <div className="form-actions">
              <button type="button" className="btn" onClick={() => setStep(0)}>
                Back
              </button>
              <button type="submit" className="btn btn-primary">
                Next: Mapping
              </button>
            </div>
          </form>
        ) : null}

        {step === 2 ? (
          <form className="form" onSubmit={nextFromMapping} noValidate>
            <h2 id="step-title" ref={headingRef} tabIndex={-1}>
              3. Mapping settings
            </h2>
            <SettingsForm value={settings} onChange={setSettings} errors={errors} lockDefault />
            {errors['settings'] ? (
              <p className="field-error" role="alert">
                {errors['settings']}
              </p>
            ) : null}
            {save.isError && Object.keys(fieldErrors(save.error)).length === 0 ? (
              <ErrorAlert error={save.error} subject="the connection" />
            ) : null}
            <div className="form-actions">
              <button type="button" className="btn" onClick={() => setStep(1)}>
                Back
              </button>
              <button type="submit" className="btn btn-primary" disabled={save.isPending}>
                {save.isPending ? 'Saving…' : 'Save and run the live ping'}
              </button>
            </div>
          </form>
        ) : null}

        {step === 3 ? (
          <div className="form">
            <h2 id="step-title" ref={headingRef} tabIndex={-1}>
              4. Live ping
            </h2>
            <p className="hint">
              Signs in to Entra ID with your app, then reads from Sales and F&amp;O the way the sync will.
              Nothing is written.
            </p>
            <PingChecks result={ping.data} running={ping.isPending} done={pingLive.data?.checks ?? []} />
            {ping.isError ? (
              <ErrorAlert
                error={ping.error}
                subject="the connection"
                onRetry={() => connectionId && ping.mutate(connectionId)}
              />
            ) : null}
            <div className="form-actions">
              <div className="actions">
                <button type="button" className="btn" onClick={() => setStep(2)} disabled={ping.isPending}>
                  Back
                </button>
                <button
                  type="button"
                  className="btn"
                  onClick={() => connectionId && ping.mutate(connectionId)}
                  disabled={ping.isPending || !connectionId}
                >
                  Run the ping again
                </button>
              </div>
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => setStep(4)}
                disabled={!ping.data || ping.isPending}
                aria-describedby="enable-after-ping"
              >
                Next: Enable
              </button>
            </div>
            {!ping.isPending ? (
              <p className="hint" id="enable-after-ping">
                {!ping.data
                  ? 'Run the ping first: enabling comes after it.'
                  : ping.data.ok
                    ? 'Everything answered as the sync needs it.'
                    : 'Enabling sets up what the connection can do itself in Sales (alternate keys, change tracking, the webhook), so checks about those pass afterwards. Fix the others (sign-in, permissions, legal entities) before you enable.'}
              </p>
            ) : null}
          </div>
        ) : null}

        {step === 4 && connectionId ? (
          <EnableStep
            connectionId={connectionId}
            headingRef={headingRef}
            enable={enable}
            lastPing={ping.data}
            pingRunning={ping.isPending}
            onBack={() => setStep(3)}
          />
        ) : null}
      </section>
    </>
  );
}

function EnableStep({
  connectionId,
  headingRef,
  enable,
  lastPing,
  pingRunning,
  onBack,
}: {
  connectionId: string;
  headingRef: RefObject<HTMLHeadingElement | null>;
  enable: ReturnType<typeof useEnable>;
  lastPing: PingResult | undefined;
  pingRunning: boolean;
  onBack: () => void;
}) {
  const result = enable.data;
  const failed = lastPing ? lastPing.checks.filter((check) => !check.ok).length : 0;
  return (
    <div className="form">
      <h2 id="step-title" ref={headingRef} tabIndex={-1}>
        5. Enable
      </h2>
      {!result ? (
        <>
          <p>Enabling does three things:</p>
          <ul>
            <li>
              registers a webhook in Sales, so won opportunities and orders reach the portal within seconds;
            </li>
            <li>switches on change tracking, the safety net when a webhook is lost;</li>
            <li>starts the initial load of the flows you switched on, then the sync runs continuously.</li>
          </ul>
          {failed > 0 ? (
            <div className="alert alert-warn" role="status">
              <p className="alert-title">
                The last ping had {failed} failed check{failed === 1 ? '' : 's'}.
              </p>
              <p>
                Enabling creates the alternate keys, turns on change tracking and registers the webhook, then
                the ping runs again. Failures about sign-in or permissions remain until you fix them.
              </p>
            </div>
          ) : null}
          {enable.isError ? <ErrorAlert error={enable.error} subject="the connection" /> : null}
          <div className="form-actions">
            <button type="button" className="btn" onClick={onBack} disabled={enable.isPending}>
              Back
            </button>
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => enable.mutate(connectionId)}
              disabled={enable.isPending}
            >
              {enable.isPending ? 'Enabling…' : 'Enable sync'}
            </button>
          </div>
        </>
      ) : (
        <>
          {result.steps.every((s) => s.ok) ? (
            <div className="alert alert-ok" role="status">
              <p className="alert-title">Sync is enabled</p>
              <p>One step remains in F&amp;O: paste the business-events URL below.</p>
            </div>
          ) : (
            <div className="alert alert-warn" role="alert">
              <p className="alert-title">
                Sync is enabled, but {result.steps.filter((s) => !s.ok).length} setup step(s) failed
              </p>
              <p>
                Each is listed below with what happened. Fix it, then open the dashboard and run the ping
                again.
              </p>
            </div>
          )}
          <ul className="check-list" aria-label="What enabling did">
            {result.steps.map((s) => (
              <li key={s.name} className="check" data-ok={String(s.ok)}>
                <span className="check-icon" aria-hidden="true">
                  {s.ok ? '✓' : '✕'}
                </span>
                <div>
                  <p className="check-title">
                    <span className="visually-hidden">{s.ok ? 'Done: ' : 'Failed: '}</span>
                    {s.name}
                  </p>
                  <p className="check-detail">{s.detail}</p>
                </div>
              </li>
            ))}
          </ul>
          <CopyField
            label="Webhook URL (Sales)"
            value={result.webhookUrl}
            hint="Registered in Sales for you. Keep it for reference: Sales posts changes here."
          />
          <CopyField
            label="Business-events URL (F&O)"
            value={result.businessEventsUrl}
            hint="In F&O: System administration → Business events → Endpoints → New, type HTTPS, paste this URL (it carries its code). Then activate Released product changed, Customer changed and Sales invoice posted for it."
          />
          <section aria-labelledby="recheck-title" className="stack">
            <h3 id="recheck-title">Checks after enabling</h3>
            <PingChecks result={pingRunning ? undefined : lastPing} running={pingRunning} />
          </section>
          <div className="form-actions">
            <Link className="btn" href={`/connections/${connectionId}/records`}>
              Open the records
            </Link>
            <Link className="btn btn-primary" href={`/connections/${connectionId}`}>
              Open the dashboard
            </Link>
          </div>
        </>
      )}
    </div>
  );
}

function useEnable() {
  return useMutation({ mutationFn: (id: string) => api.connections.enable.mutate({ id }) });
}
