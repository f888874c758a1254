import type { Metadata } from 'next';
import { ConnectionDashboard } from '../../../../components/dashboard';

export const metadata: Metadata = { title: 'Connection' };

export default async function ConnectionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ConnectionDashboard id={id} />;
}
