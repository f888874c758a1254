import Link from 'next/link';
import type { ReactNode } from 'react';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <header className="shell-header">
        <div className="shell-header-inner">
          <Link className="brand" href="/">
            ml-connector <span>Sales ↔ F&amp;O</span>
          </Link>
        </div>
      </header>
      <main id="main" className="container-narrow">
        {children}
      </main>
    </>
  );
}
