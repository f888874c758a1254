import type { Metadata } from 'next';
import { ConnectionsList } from '../../../components/connections-list';

export const metadata: Metadata = { title: 'Connections' };

export default function ConnectionsPage() {
  return <ConnectionsList />;
}
