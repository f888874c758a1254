'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { type ReactNode, useEffect, useState } from 'react';
import { authClient } from '../lib/auth-client';
import { api, errorCode, keys } from '../lib/trpc';
import { ErrorAlert, Loading } from './ui';

/**
 * The signed-in frame: header (workspace, user, sign-out) and the page. A request without a session
 * goes to /sign-in and comes back here afterwards.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const me = useQuery({ queryKey: keys.me, queryFn: () => api.me.query(), staleTime: 60_000 });
  const [signingOut, setSigningOut] = useState(false);
  const unauthorized = errorCode(me.error) === 'UNAUTHORIZED';

  useEffect(() => {
    if (unauthorized) router.replace(`/sign-in?next=${encodeURIComponent(pathname)}`);
  }, [unauthorized, router, pathname]);

  const signOut = async () => {
    setSigningOut(true);
    try {
      await authClient.signOut();
    } finally {
      queryClient.clear();
      router.replace('/sign-in');
    }
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-header">
        <div className="shell-header-inner">
          <Link className="brand" href="/connections">
            ml-connector <span>Sales ↔ F&amp;O</span>
          </Link>
          <nav className="shell-nav" aria-label="Main">
            <Link href="/connections" aria-current={pathname === '/connections' ? 'page' : undefined}>
              Connections
            </Link>
          </nav>
          {me.data ? (
            <div className="shell-user">
              <span>
                <strong>{me.data.user.name || me.data.user.email}</strong> · {me.data.workspace.name}
              </span>
              <button type="button" className="btn btn-sm" onClick={signOut} disabled={signingOut}>
                {signingOut ? 'Signing out…' : 'Sign out'}
              </button>
            </div>
          ) : null}
        </div>
      </header>
      <main id="main" className="container" tabIndex={-1}>
        {me.isPending || unauthorized ? (
          <Loading>
            {unauthorized ? 'Your session has ended: opening the sign-in page…' : 'Loading your workspace…'}
          </Loading>
        ) : me.isError ? (
          <ErrorAlert error={me.error} subject="your workspace" onRetry={() => void me.refetch()} />
        ) : (
          children
        )}
      </main>
    </>
  );
}
