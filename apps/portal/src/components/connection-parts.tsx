'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { formatDate, formatDateTime, SECRET_LABEL, SYSTEM_LABEL } from '../lib/format';
import { secretSchema } from '../lib/schemas';
import { api, fieldErrors, keys, type PingResult } from '../lib/trpc';
import { ErrorAlert, Spinner } from './ui';

type WritableSecret = 'sales_client_secret' | 'fno_client_secret';

/** A stored secret: never shown, only when it was set, and a way to replace it. */
export function SecretRow({
  connectionId,
  name,
  setAt,
}: {
  connectionId: string;
  name: WritableSecret;
  setAt: string | null | undefined;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: (secret: string) =>
      api.connections.setSecret.mutate({ id: connectionId, name, value: secret }),
    onSuccess: (result) => {
      setSavedAt(String(result.setAt));
      setOpen(false);
      setValue('');
      void queryClient.invalidateQueries({ queryKey: keys.connection(connectionId) });
    },
    onError: (err) => setError(fieldErrors(err)['value'] ?? null),
  });
  const label = SECRET_LABEL[name] ?? name;
  const when = savedAt ?? setAt;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = secretSchema.safeParse(value);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'Enter the secret.');
      return;
    }
    setError(null);
    mutation.mutate(parsed.data);
  };
  return (
    <div className="field">
      <span className="label">{label}</span>
      <div className="actions">
        <span>{when ? `Set on ${formatDate(when)}` : 'Not set'}</span>
        {savedAt ? <span className="badge badge-ok">Replaced</span> : null}
        {!open ? (
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => setOpen(true)}
            aria-label={`Replace ${label}`}
          >
            Replace
          </button>
        ) : null}
      </div>
      {open ? (
        <form className="form" onSubmit={submit} style={{ marginTop: '0.5rem' }} noValidate>
          <div className="field">
            <label htmlFor={id}>New {label.toLowerCase()}</label>
            <input
              id={id}
              className="input"
              type="password"
              autoComplete="off"
              value={value}
              onChange={(event) => setValue(event.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : `${id}-hint`}
            />
            {error ? (
              <p className="field-error" id={`${id}-error`}>
                {error}
              </p>
            ) : (
              <p className="hint" id={`${id}-hint`}>
                Stored encrypted; nobody can read it back. Run the ping afterwards to check it.
              </p>
            )}
          </div>
          {mutation.isError && !error ? <ErrorAlert error={mutation.error} subject="the connection" /> : null}
          <div className="actions">
            <button type="submit" className="btn btn-primary btn-sm" disabled={mutation.isPending}>
              {mutation.isPending ? 'Saving…' : 'Save secret'}
            </button>
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => {
                setOpen(false);
                setValue('');
                setError(null);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}

const PENDING_SYSTEMS = ['entra', 'sales', 'fno'] as const;

/**
 * The live ping's checks: pass/fail in words and icon (never colour alone), the detail, and the
 * remedy. While the ping runs, the three systems show as being checked.
 */
export function PingChecks({
  result,
  running,
  done = [],
}: {
  result: PingResult | null | undefined;
  running: boolean;
  /** While running: the checks already completed, shown as they come in. */
  done?: readonly Check[];
}) {
  if (running)
    return (
      <div aria-live="polite">
        <p className="loading" role="status">
          <Spinner /> Checking Entra ID, Sales and F&amp;O with the credentials you gave… this takes a few
          seconds.
        </p>
        {done.length > 0 ? (
          <ul className="check-list" aria-label="Checks done so far">
            {done.map((check) => (
              <CheckItem key={`${check.system}-${check.name}`} check={check} />
            ))}
          </ul>
        ) : null}
        <ul className="check-list" aria-label="Checks running">
          {PENDING_SYSTEMS.filter(
            (system) => system !== 'entra' || !done.some((c) => c.system === 'entra'),
          ).map((system) => (
            <li key={system} className="check" data-ok="pending">
              <span className="check-icon" aria-hidden="true">
                <span className="spinner" />
              </span>
              <div>
                <p className="check-title">{SYSTEM_LABEL[system]}</p>
                <p className="check-detail">Checking…</p>
              </div>
            </li>
          ))}
        </ul>
      </div>
    );
  if (!result) return null;
  const failed = result.checks.filter((check) => !check.ok);
  const passed = result.checks.filter((check) => check.ok);
  return (
    <div aria-live="polite">
      {result.ok ? (
        <div className="alert alert-ok" role="status">
          <p className="alert-title">All {result.checks.length} checks passed</p>
          <p>Checked {formatDateTime(result.at)}.</p>
        </div>
      ) : (
        <div className="alert alert-error" role="alert">
          <p className="alert-title">
            {failed.length} of {result.checks.length} checks failed
          </p>
          <p>
            Follow the fix under each failed check, then run the ping again. Checked{' '}
            {formatDateTime(result.at)}.
          </p>
        </div>
      )}
      {failed.length > 0 ? (
        <ul className="check-list" aria-label="Failed checks" style={{ marginTop: '0.75rem' }}>
          {failed.map((check) => (
            <CheckItem key={`${check.system}-${check.name}`} check={check} />
          ))}
        </ul>
      ) : null}
      {passed.length > 6 ? (
        <details style={{ marginTop: '0.75rem' }}>
          <summary className="btn btn-sm">Show the {passed.length} passed checks</summary>
          <PassedList checks={passed} />
        </details>
      ) : passed.length > 0 ? (
        <PassedList checks={passed} />
      ) : null}
    </div>
  );
}

type Check = PingResult['checks'][number];

function PassedList({ checks }: { checks: Check[] }) {
  return (
    <ul className="check-list" aria-label="Passed checks" style={{ marginTop: '0.75rem' }}>
      {checks.map((check) => (
        <CheckItem key={`${check.system}-${check.name}`} check={check} />
      ))}
    </ul>
  );
}

function CheckItem({ check }: { check: Check }) {
  return (
    <li className="check" data-ok={String(check.ok)}>
      <span className="check-icon" aria-hidden="true">
        {check.ok ? '✓' : '✕'}
      </span>
      <div>
        <p className="check-title">
          <span className="visually-hidden">{check.ok ? 'Passed: ' : 'Failed: '}</span>
          {SYSTEM_LABEL[check.system] ?? check.system} · {check.name}
        </p>
        <p className="check-detail">{check.detail}</p>
        {!check.ok && check.remedy ? (
          <p className="check-remedy">
            <strong>How to fix: </strong>
            {check.remedy}
          </p>
        ) : null}
      </div>
    </li>
  );
}
