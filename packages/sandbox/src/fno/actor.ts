/**
 * Entra object id of the sandbox's F&O `Admin` user, who posts invoices through the control API
 * and runs the activity generator (UNCONFIRMED: a fixed value of ours).
 */
export const SANDBOX_ADMIN_OBJECT_ID = 'B6C5D3A2-7E41-4F0B-9C8D-2A1E5F6B7C80';

/**
 * Who is acting: an OData request runs as the app's service principal (the token's `oid`), the
 * control API and the activity generator as the Admin user. Writes and the change listeners they
 * trigger are synchronous, so the listener that raises business events reads the actor of the
 * write that committed (`InitiatingUserAADObjectId`).
 */
export class ActorScope {
  private current: string | undefined;

  run<T>(objectId: string, work: () => T): T {
    const previous = this.current;
    this.current = objectId;
    try {
      return work();
    } finally {
      this.current = previous;
    }
  }

  get(): string {
    return this.current ?? SANDBOX_ADMIN_OBJECT_ID;
  }
}
