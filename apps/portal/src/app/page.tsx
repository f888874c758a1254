import { getDb } from '../server/db';
import { checkHealth, type HealthReport } from '../server/health';

// The status panel is live: render on every request, never at build time.
export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const health = await checkHealth(getDb);
  return (
    <main className="page">
      <header>
        <h1>ml-connector</h1>
        <p className="lead">Connects Dynamics 365 Sales ↔ Dynamics 365 Finance &amp; Operations.</p>
        <p className="actions" style={{ marginBottom: '2rem' }}>
          <a className="btn btn-primary" href="/connections">
            Open your connections
          </a>
          <a className="btn" href="/sign-in">
            Sign in
          </a>
          <a className="btn" href="/sign-up">
            Create an account
          </a>
        </p>
      </header>
      <StatusPanel health={health} />
    </main>
  );
}

function StatusPanel({ health }: { health: HealthReport }) {
  const { database } = health;
  return (
    <section className="panel" aria-labelledby="status-title">
      <h2 id="status-title">System status</h2>
      <dl className="status">
        <div className="status-row">
          <dt>Database</dt>
          <dd>
            <span className={database.ok ? 'badge badge-ok' : 'badge badge-down'}>
              {database.ok ? 'reachable' : 'unreachable'}
            </span>
            <span className="detail">{database.ok ? `${database.latencyMs} ms` : database.error}</span>
          </dd>
        </div>
        <div className="status-row">
          <dt>Version</dt>
          <dd>{health.version}</dd>
        </div>
      </dl>
      <p className="hint">
        Machine-readable: <a href="/api/health">/api/health</a>
      </p>
    </section>
  );
}
