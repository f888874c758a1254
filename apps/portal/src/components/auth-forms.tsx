'use client';

import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { z } from 'zod';
import { authClient, describeAuthError } from '../lib/auth-client';
import { issuesByPath } from '../lib/schemas';
import { Field } from './ui';

const emailSchema = z.string().trim().email('Enter an email address such as name@company.com.');

const signUpSchema = z.object({
  name: z.string().trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.'),
  organisation: z
    .string()
    .trim()
    .min(1, 'Enter your organisation: your workspace is named after it.')
    .max(100, 'Use at most 100 characters.'),
  email: emailSchema,
  password: z.string().min(10, 'Use at least 10 characters.').max(200, 'Use at most 200 characters.'),
});

const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, 'Enter your password.'),
});

/** Only same-site paths: `?next=https://elsewhere` must not send a person off the portal. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/connections';
}

export function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({ email: '', password: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const parsed = signInSchema.safeParse(values);
    if (!parsed.success) {
      setErrors(issuesByPath(parsed.error));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const { error } = await authClient.signIn.email({
        email: parsed.data.email,
        password: parsed.data.password,
      });
      if (error) {
        setFormError(describeAuthError(error, 'sign-in'));
        return;
      }
      queryClient.clear();
      router.push(safeNext(params.get('next')));
    } catch {
      setFormError('The portal did not answer. Check your network connection, then try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card">
      <h1>Sign in</h1>
      <p className="hint" style={{ marginBottom: '1rem' }}>
        Manage the sync between your Dynamics 365 Sales and Finance &amp; Operations environments.
      </p>
      <form
        className="form"
        onSubmit={submit}
        noValidate
        aria-describedby={formError ? 'signin-error' : undefined}
      >
        {formError ? (
          <div className="alert alert-error" role="alert" id="signin-error">
            <p className="alert-title">Could not sign you in</p>
            <p>{formError}</p>
          </div>
        ) : null}
        <Field
          label="Work email"
          name="email"
          type="email"
          autoComplete="email"
          value={values.email}
          onChange={(email) => setValues((v) => ({ ...v, email }))}
          error={errors['email']}
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={values.password}
          onChange={(password) => setValues((v) => ({ ...v, password }))}
          error={errors['password']}
          required
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="hint" style={{ marginTop: '1rem' }}>
        New here? <Link href="/sign-up">Create an account</Link> for your organisation.
      </p>
    </div>
  );
}

export function SignUpForm() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({ name: '', organisation: '', email: '', password: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof values) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const parsed = signUpSchema.safeParse(values);
    if (!parsed.success) {
      setErrors(issuesByPath(parsed.error));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const { error } = await authClient.signUp.email({
        name: parsed.data.name,
        email: parsed.data.email,
        password: parsed.data.password,
        organisationName: parsed.data.organisation,
      });
      if (error) {
        setFormError(describeAuthError(error, 'sign-up'));
        return;
      }
      queryClient.clear();
      router.push('/connections');
    } catch {
      setFormError('The portal did not answer. Check your network connection, then try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card">
      <h1>Create an account</h1>
      <p className="hint" style={{ marginBottom: '1rem' }}>
        You get a workspace for your organisation; you are its owner.
      </p>
      <form className="form" onSubmit={submit} noValidate>
        {formError ? (
          <div className="alert alert-error" role="alert">
            <p className="alert-title">Could not create the account</p>
            <p>{formError}</p>
          </div>
        ) : null}
        <Field
          label="Your name"
          name="name"
          autoComplete="name"
          value={values.name}
          onChange={set('name')}
          error={errors['name']}
          required
        />
        <Field
          label="Organisation"
          name="organisation"
          autoComplete="organization"
          value={values.organisation}
          onChange={set('organisation')}
          error={errors['organisation']}
          hint="Your workspace is named after it."
          required
        />
        <Field
          label="Work email"
          name="email"
          type="email"
          autoComplete="email"
          value={values.email}
          onChange={set('email')}
          error={errors['email']}
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={values.password}
          onChange={set('password')}
          error={errors['password']}
          hint="At least 10 characters."
          required
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p className="hint" style={{ marginTop: '1rem' }}>
        Already have an account? <Link href="/sign-in">Sign in</Link>.
      </p>
    </div>
  );
}
