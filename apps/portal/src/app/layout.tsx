import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Providers } from '../components/providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'ml-connector', template: '%s · ml-connector' },
  description: 'Integration between Dynamics 365 Sales and Dynamics 365 Finance & Operations.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
