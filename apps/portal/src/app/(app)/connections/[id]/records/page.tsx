import type { Metadata } from 'next';
import { Suspense } from 'react';
import { RecordsBrowser } from '../../../../../components/records-browser';

export const metadata: Metadata = { title: 'Records' };

export default async function RecordsPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense>
      <RecordsBrowser connectionId={id} />
    </Suspense>
  );
}
