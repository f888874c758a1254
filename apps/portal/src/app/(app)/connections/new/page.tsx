import type { Metadata } from 'next';
import { ConnectionWizard } from '../../../../components/wizard';

export const metadata: Metadata = { title: 'New connection' };

export default function NewConnectionPage() {
  return <ConnectionWizard />;
}
