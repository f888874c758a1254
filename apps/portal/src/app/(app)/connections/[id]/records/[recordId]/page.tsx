import type { Metadata } from 'next';
import { RecordDetailView } from '../../../../../../components/record-detail';

export const metadata: Metadata = { title: 'Record' };

export default async function RecordPage({ params }: { params: Promise<{ id: string; recordId: string }> }) {
  const { id, recordId } = await params;
  return <RecordDetailView connectionId={id} recordId={recordId} />;
}
