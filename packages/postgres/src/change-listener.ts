import type pg from 'pg';

/** What a notification on the schema's channel names (see the trigger in migrations.ts). */
export type Change = { tenant: string } | { key: string; keyHash?: string | null; publicKey?: string | null };

export interface ChangeListenerEvents {
  onChange(change: Change): void;
  /** The subscription came back after a loss: notifications may have been missed meanwhile. */
  onResubscribed(): void;
  /** A lost connection or a failed attempt to subscribe (retried on its own). */
  onError(error: Error): void;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 1000;

/**
 * Holds one connection from the pool in `LISTEN <channel>`. When it dies (a database restart, `pg_terminate_backend`)
 * it is dropped and a new one subscribes, retried every 100 ms doubling up to 1 s, so the subscription is back
 * within about a second of the database accepting connections.
 */
export class ChangeListener {
  private client: pg.PoolClient | undefined;
  /** Gives the current connection back, destroyed (a pooled connection in LISTEN would hear for nobody); once. */
  private drop: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private subscribedOnce = false;
  private retryMs = FIRST_RETRY_MS;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
    private readonly events: ChangeListenerEvents,
  ) {}

  /** Subscribes; rejects if the first attempt fails (a store should not start blind to changes). */
  async start(): Promise<void> {
    try {
      await this.subscribe();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Whether the `LISTEN` connection is up now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.client = undefined;
    this.drop?.();
  }

  private async subscribe(): Promise<void> {
    const client = await this.pool.connect();
    let released = false;
    const drop = () => {
      if (released) return;
      released = true;
      client.removeListener('notification', onNotification);
      client.release(true);
    };
    this.drop = drop;
    const onLost = (error?: Error) => {
      if (released) return;
      drop();
      if (this.client === client) this.client = undefined;
      if (error) this.events.onError(error);
      this.retryLater();
    };
    const onNotification = (message: pg.Notification) => {
      if (message.channel !== this.channel || message.payload === undefined) return;
      try {
        this.events.onChange(JSON.parse(message.payload) as Change);
      } catch (error) {
        this.events.onError(error as Error);
      }
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', onNotification);
    try {
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      onLost(error as Error);
      throw error;
    }
    if (this.closed) {
      drop();
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    if (this.subscribedOnce) this.events.onResubscribed();
    this.subscribedOnce = true;
  }

  private retryLater(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.subscribe().catch(() => {
        // onLost already scheduled the next attempt; a failed connect did not, so schedule it here.
        if (!this.client) this.retryLater();
      });
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}
