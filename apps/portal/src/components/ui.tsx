'use client';

import Link from 'next/link';
import { type ReactNode, useId, useState } from 'react';
import { redactSecrets } from '../lib/format';
import { type DescribedError, describeError } from './errors';

export function Spinner({ label }: { label?: string }) {
  return (
    <>
      <span className="spinner" aria-hidden="true" />
      {label ? <span className="visually-hidden">{label}</span> : null}
    </>
  );
}

export function Loading({ children = 'Loading…' }: { children?: ReactNode }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{children}</span>
    </div>
  );
}

type Tone = 'ok' | 'down' | 'warn' | 'info' | 'neutral';

export function Badge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

const CONNECTION_STATUS: Record<string, { tone: Tone; label: string }> = {
  draft: { tone: 'neutral', label: 'Draft: not enabled' },
  active: { tone: 'ok', label: 'Running' },
  paused: { tone: 'warn', label: 'Paused' },
  error: { tone: 'down', label: 'Error' },
};

export function ConnectionStatusBadge({ status }: { status: string }) {
  const known = CONNECTION_STATUS[status] ?? { tone: 'neutral' as const, label: status };
  return <Badge tone={known.tone}>{known.label}</Badge>;
}

const RECORD_STATUS: Record<string, { tone: Tone; label: string; icon: string }> = {
  pending: { tone: 'info', label: 'Pending', icon: '…' },
  running: { tone: 'info', label: 'Running', icon: '↻' },
  synced: { tone: 'ok', label: 'Synced', icon: '✓' },
  failed: { tone: 'down', label: 'Failed', icon: '✕' },
  skipped: { tone: 'neutral', label: 'Skipped', icon: '–' },
};

export function RecordStatusBadge({ status }: { status: string }) {
  const known = RECORD_STATUS[status] ?? { tone: 'neutral' as const, label: status, icon: '' };
  return (
    <Badge tone={known.tone}>
      <span aria-hidden="true">{known.icon}</span> {known.label}
    </Badge>
  );
}

export function PingBadge({ ping }: { ping: { ok: boolean } | null | undefined }) {
  if (!ping) return <Badge tone="neutral">Not checked yet</Badge>;
  return ping.ok ? <Badge tone="ok">✓ All checks passed</Badge> : <Badge tone="down">✕ Checks failing</Badge>;
}

/** An error with what happened and what to do, announced to screen readers. */
export function ErrorAlert({
  error,
  subject,
  described,
  onRetry,
  children,
}: {
  error?: unknown;
  subject?: string;
  described?: DescribedError;
  onRetry?: () => void;
  children?: ReactNode;
}) {
  const info = described ?? describeError(error, subject);
  const signIn = info.title === 'Your session has ended.';
  return (
    <div className="alert alert-error" role="alert">
      <p className="alert-title">{info.title}</p>
      {info.detail && info.detail !== info.title ? <p>{info.detail}</p> : null}
      <p>
        <strong>What to do: </strong>
        {info.action}
      </p>
      {children}
      {onRetry || signIn ? (
        <p className="actions" style={{ marginTop: '0.5rem' }}>
          {onRetry ? (
            <button type="button" className="btn btn-sm" onClick={onRetry}>
              Try again
            </button>
          ) : null}
          {signIn ? (
            <Link className="btn btn-sm btn-primary" href="/sign-in">
              Sign in
            </Link>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}

export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <section className="empty-state" aria-label={title}>
      <h2>{title}</h2>
      <p>{children}</p>
      {action}
    </section>
  );
}

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  type?: 'text' | 'email' | 'password' | 'url' | 'number' | 'search' | 'date';
  autoComplete?: string;
  required?: boolean;
  readOnly?: boolean;
  placeholder?: string;
  inputMode?: 'text' | 'numeric' | 'url' | 'email';
  min?: number;
  max?: number;
  optional?: boolean;
}

/** A labelled input whose hint and error are tied to it (aria-describedby, aria-invalid). */
export function Field(props: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.optional ? <span className="optional"> (optional)</span> : null}
      </label>
      <input
        id={id}
        name={props.name}
        className="input"
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        autoComplete={props.autoComplete}
        required={props.required}
        readOnly={props.readOnly}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        min={props.min}
        max={props.max}
        spellCheck={false}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.hint ? (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p className="field-error" id={errorId}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** A read-only value with a Copy button (webhook URLs to paste elsewhere). */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: ReactNode }) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
    setTimeout(() => setCopied(null), 2500);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field">
        <input id={id} className="input" readOnly value={value} onFocus={(event) => event.target.select()} />
        <button type="button" className="btn" onClick={copy} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Copy failed: select the text and copy it.'
            : hint}
      </p>
    </div>
  );
}

export function Breadcrumbs({ items }: { items: Array<{ href?: string; label: string }> }) {
  return (
    <nav className="breadcrumbs" aria-label="Breadcrumb">
      <ol>
        {items.map((item, index) =>
          item.href && index < items.length - 1 ? (
            <li key={item.label + String(index)}>
              <Link href={item.href}>{item.label}</Link>
            </li>
          ) : (
            <li
              key={item.label + String(index)}
              aria-current={index === items.length - 1 ? 'page' : undefined}
            >
              {item.label}
            </li>
          ),
        )}
      </ol>
    </nav>
  );
}

/** Pretty-printed JSON as text (never markup), with secrets masked. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  if (value === null || value === undefined) return null;
  return (
    <pre className="json" title={label}>
      {JSON.stringify(redactSecrets(value), null, 2)}
    </pre>
  );
}
