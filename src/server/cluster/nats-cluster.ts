import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  connect,
  ErrorCode,
  StorageType,
  type JetStreamClient,
  type KV,
  type KvEntry,
  type Msg,
  type NatsConnection,
  type NatsError,
  type QueuedIterator,
  type Subscription,
} from 'nats';
import type { ClaimOutcome, ClusterLink, DeliverySink, LocalSide } from '../cluster-link.js';
import { ClusterUnavailableError } from '../errors.js';
import { silentServerLogger, type ServerLogger } from '../logger.js';
import { AckBatcher, readAcks } from './acks.js';
import { clusterNames, keyToName, nameToKey, type ClusterNames } from './keys.js';
import { NameMirror } from './name-mirror.js';

export interface ClusterOptions {
  /** NATS URLs, e.g. `['nats://127.0.0.1:4222']`; several for a NATS cluster. */
  servers: string[];
  /** Separate Sup networks can share one NATS under different names. @default 'sup' */
  name?: string;
  /** @default silent */
  logger?: ServerLogger;
  /** How long a node's lease outlives its last renewal (renewed every second); a frozen node's names are freed after about this. @default 4000 */
  leaseMs?: number;
}

const RENEW_EVERY_MS = 1_000;
const SWEEP_EVERY_MS = 250;
const PROBE_TIMEOUT_MS = 1_000;
// A send whose holder neither answers nor is found gone by then gets 200: never retried, so never duplicated.
const DELIVERY_TIMEOUT_MS = 10_000;
const REJOIN_RETRY_MS = 500;
// A restarted broker can drop the first JetStream requests; the default 5 s wait would hold a rejoin that long.
const JETSTREAM_TIMEOUT_MS = 1_500;
const EMPTY = new Uint8Array(0);

interface PendingDelivery {
  readonly sink: DeliverySink;
  readonly ticket: number;
  readonly node: string;
  readonly sentAt: number;
}

/** Joins the Sup network `options.name` on NATS; resolves once this node can route. */
export async function joinCluster(options: ClusterOptions): Promise<NatsCluster> {
  const cluster = new NatsCluster(options);
  await cluster.start();
  return cluster;
}

/**
 * One node of a Sup cluster. Names are claimed with an atomic KV create (value: this node's
 * incarnation id); each node holds a lease renewed every second, answers pings, and takes
 * deliveries on a subject of its own, acking them in batches. A node that loses its broker or
 * its lease drops every connection and rejoins as a new incarnation; the others sweep away
 * the names of a node that is gone.
 */
export class NatsCluster implements ClusterLink {
  readonly #servers: string[];
  readonly #keys: ClusterNames;
  readonly #log: ServerLogger;
  readonly #leaseMs: number;
  // A node fences itself once its last renewal is this old: before its lease can have expired.
  readonly #fenceAfterMs: number;
  readonly #mirror = new NameMirror();
  // Names this incarnation holds, with the revision of each claim.
  readonly #held = new Map<string, number>();
  readonly #dead = new Set<string>();
  // Nodes whose ping found no responder once: a second time, a sweep later, and they are gone.
  readonly #silentSince = new Map<string, number>();
  readonly #probing = new Set<string>();
  readonly #pending = new Map<number, PendingDelivery>();
  readonly #releases = new Set<Promise<void>>();
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #names: KV | undefined;
  #leases: KV | undefined;
  #watch: QueuedIterator<KvEntry> | undefined;
  #subscriptions: Subscription[] = [];
  #local: LocalSide | undefined;
  #acks: AckBatcher | undefined;
  #id = '';
  #ready = false;
  #joining: Promise<void> | undefined;
  #closing = false;
  #sequence = 0;
  #lastRenewal = 0;
  #now = performance.now();
  #timers: NodeJS.Timeout[] = [];

  constructor(options: ClusterOptions) {
    this.#servers = options.servers;
    this.#keys = clusterNames(options.name ?? 'sup');
    this.#log = options.logger ?? silentServerLogger;
    this.#leaseMs = options.leaseMs ?? 4_000;
    this.#fenceAfterMs = this.#leaseMs - RENEW_EVERY_MS;
  }

  /** This node's current incarnation id ('' while it is not part of the cluster). */
  get id(): string {
    return this.#ready ? this.#id : '';
  }

  async start(): Promise<void> {
    const where = this.#servers.join(',');
    try {
      this.#nc = await connect({
        servers: this.#servers,
        name: `sup ${this.#keys.subjectPrefix}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
    } catch (error) {
      throw new ClusterUnavailableError(
        `cannot reach NATS at ${where}: ${(error as Error).message}; start nats-server -js there or fix --cluster`,
        error,
      );
    }
    const nc = this.#nc;
    this.#js = nc.jetstream({ timeout: JETSTREAM_TIMEOUT_MS });
    this.#acks = new AckBatcher((subject, payload) => nc.publish(subject, payload));
    try {
      await this.#join();
    } catch (error) {
      await nc.close();
      throw new ClusterUnavailableError(
        `NATS at ${where} cannot hold the cluster's names: ${(error as Error).message}; start nats-server with JetStream (-js)`,
        error,
      );
    }
    void this.#watchStatus(nc);
    this.#timers.push(setInterval(() => this.#renew(), RENEW_EVERY_MS), setInterval(() => this.#sweep(), SWEEP_EVERY_MS));
  }

  attach(local: LocalSide): void {
    this.#local = local;
  }

  async claim(name: string): Promise<ClaimOutcome> {
    const id = this.#id;
    const names = this.#names;
    if (!this.#ready || names === undefined) return 'unavailable';
    const key = nameToKey(name);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const revision = await createIfAbsent(names, key, id);
        if (revision !== undefined) {
          if (this.#id !== id || !this.#ready) {
            // Fenced while claiming: this incarnation may serve nobody.
            void names.delete(key, { previousSeq: revision }).catch(ignore);
            return 'unavailable';
          }
          this.#held.set(name, revision);
          return 'ok';
        }
        const entry = await names.get(key);
        if (entry !== null && entry.operation === 'PUT') {
          const holder = decodeId(entry.value);
          if (!this.#dead.has(holder) || holder === id) return 'taken';
          // Its holder is gone and no sweep has freed it yet: free this very claim, then try once more.
          await names.delete(key, { previousSeq: entry.revision }).catch(ignore);
        }
      }
      return 'taken';
    } catch (error) {
      this.#log.warn('cluster-claim-failed', { error: (error as Error).message });
      return 'unavailable';
    }
  }

  release(name: string): Promise<void> {
    const revision = this.#held.get(name);
    if (revision === undefined || this.#names === undefined) return Promise.resolve();
    this.#held.delete(name);
    const done = this.#names.delete(nameToKey(name), { previousSeq: revision }).catch(ignore);
    this.#releases.add(done);
    void done.then(() => this.#releases.delete(done));
    return done;
  }

  holder(name: string): string | undefined {
    const node = this.#mirror.get(name)?.node;
    return node === undefined || node === this.#id || this.#dead.has(node) ? undefined : node;
  }

  async locate(name: string): Promise<string | undefined> {
    const entry = await this.#entry(name);
    if (entry === undefined) return undefined;
    const node = decodeId(entry.value);
    return node === this.#id || this.#dead.has(node) ? undefined : node;
  }

  async isOnline(name: string): Promise<boolean> {
    const entry = await this.#entry(name);
    return entry !== undefined && !this.#dead.has(decodeId(entry.value));
  }

  async onlineNames(): Promise<string[]> {
    if (!this.#ready || this.#names === undefined) throw new ClusterUnavailableError('the cluster is unavailable');
    const names: string[] = [];
    for await (const key of await this.#names.keys()) names.push(keyToName(key));
    // Names are ASCII, so UTF-16 order is byte order.
    return names.sort();
  }

  deliver(node: string, name: string, prefix: Buffer, message: Buffer, start: number, end: number, sink: DeliverySink, ticket: number): void {
    const nc = this.#nc;
    if (!this.#ready || nc === undefined) {
      sink.settle(ticket, 'error');
      return;
    }
    const sequence = ++this.#sequence;
    const payload = Buffer.allocUnsafe(1 + name.length + prefix.length + (end - start));
    payload[0] = name.length;
    payload.write(name, 1, 'latin1');
    prefix.copy(payload, 1 + name.length);
    message.copy(payload, 1 + name.length + prefix.length, start, end);
    this.#pending.set(sequence, { sink, ticket, node, sentAt: this.#now });
    nc.publish(`${this.#keys.subjectPrefix}.${node}.d`, payload, { reply: `${this.#keys.subjectPrefix}.${this.#id}.a.${sequence}` });
  }

  /** Leaves the cluster: waits for names being freed, gives up the lease, closes the NATS connection. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    const wasReady = this.#ready;
    // Without a broker nothing can be freed: the other nodes sweep this one's names once it is gone.
    if (wasReady) await Promise.all(this.#releases);
    this.#ready = false;
    this.#stopServing();
    if (wasReady) await this.#leases?.delete(this.#id).catch(ignore);
    await (wasReady ? this.#nc?.drain() : this.#nc?.close())?.catch(ignore);
  }

  async #entry(name: string): Promise<KvEntry | undefined> {
    if (!this.#ready || this.#names === undefined) throw new ClusterUnavailableError('the cluster is unavailable');
    const entry = await this.#names.get(nameToKey(name));
    return entry !== null && entry.operation === 'PUT' ? entry : undefined;
  }

  /** Becomes a new incarnation: buckets made if missing (a restarted broker lost them), lease, subjects, watch. */
  async #join(): Promise<void> {
    const js = this.#js!;
    const nc = this.#nc!;
    const id = randomBytes(6).toString('hex');
    const names = await js.views.kv(this.#keys.namesBucket, { history: 1, storage: StorageType.Memory });
    const leases = await js.views.kv(this.#keys.leasesBucket, { history: 1, storage: StorageType.Memory, ttl: this.#leaseMs });
    const renewedAt = performance.now();
    await leases.put(id, EMPTY);
    const prefix = `${this.#keys.subjectPrefix}.${id}`;
    this.#subscriptions = [
      nc.subscribe(`${prefix}.d`, { callback: (error, msg) => this.#onDelivery(id, error, msg) }),
      nc.subscribe(`${prefix}.a.>`, { callback: (error, msg) => this.#onAck(id, error, msg) }),
      nc.subscribe(`${prefix}.p`, { callback: (error, msg) => this.#onPing(id, error, msg) }),
    ];
    this.#names = names;
    this.#leases = leases;
    this.#id = id;
    this.#lastRenewal = renewedAt;
    this.#mirror.clear();
    this.#watch = await names.watch({ key: '>' });
    void this.#follow(this.#watch, id);
    this.#ready = true;
    this.#log.info('cluster-joined', { node: id, cluster: this.#keys.subjectPrefix });
  }

  #rejoin(): void {
    if (this.#ready || this.#joining !== undefined || this.#closing || this.#nc?.isClosed()) return;
    this.#joining = this.#join()
      .catch((error: unknown) => {
        this.#stopServing();
        this.#log.warn('cluster-rejoin-failed', { error: (error as Error).message, retryInMs: REJOIN_RETRY_MS });
        this.#timers.push(setTimeout(() => this.#rejoin(), REJOIN_RETRY_MS));
      })
      .finally(() => {
        this.#joining = undefined;
      });
  }

  /** This incarnation may no longer serve its names: every connection is dropped, and a new one joins when it can. */
  #fence(reason: string): void {
    if (!this.#ready) return;
    this.#ready = false;
    this.#log.warn('cluster-fenced', { node: this.#id, reason, names: this.#held.size });
    // Its names are freed by whichever node sweeps this incarnation away, this one included once it rejoins.
    this.#held.clear();
    this.#stopServing();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const delivery of pending) delivery.sink.settle(delivery.ticket, 'error');
    this.#local?.dropAll(reason);
  }

  #stopServing(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
    this.#subscriptions = [];
    this.#watch?.stop();
    this.#watch = undefined;
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (this.#closing) return;
      if (status.type === 'disconnect') {
        this.#log.warn('cluster-broker-lost', { server: String(status.data) });
        this.#fence('broker-lost');
      } else if (status.type === 'reconnect') {
        this.#log.info('cluster-broker-back', { server: String(status.data) });
        this.#rejoin();
      }
    }
  }

  async #follow(watch: QueuedIterator<KvEntry>, id: string): Promise<void> {
    try {
      for await (const entry of watch) {
        if (this.#id !== id) return;
        const name = keyToName(entry.key);
        const node = entry.operation === 'PUT' ? decodeId(entry.value) : undefined;
        this.#mirror.apply(name, node, entry.revision);
        const held = this.#held.get(name);
        if (held !== undefined && entry.revision > held) {
          // Another node freed or took a name this one still serves: it was thought gone. Stop serving it.
          this.#held.delete(name);
          this.#log.warn('cluster-name-lost', { node: id });
          this.#local?.lost(name);
        }
      }
    } catch (error) {
      if (this.#id === id && this.#ready) this.#log.warn('cluster-watch-failed', { error: (error as Error).message });
    }
  }

  #isFenceDue(): boolean {
    return performance.now() - this.#lastRenewal > this.#fenceAfterMs;
  }

  #renew(): void {
    this.#now = performance.now();
    if (!this.#ready) {
      this.#rejoin();
      return;
    }
    if (this.#isFenceDue()) {
      this.#fence('lease-lapsed');
      this.#rejoin();
      return;
    }
    const id = this.#id;
    const sentAt = performance.now();
    this.#leases!.put(id, EMPTY).then(
      () => {
        if (this.#id === id) this.#lastRenewal = Math.max(this.#lastRenewal, sentAt);
      },
      (error: unknown) => this.#log.warn('cluster-lease-renewal-failed', { error: (error as Error).message }),
    );
  }

  #sweep(): void {
    const now = (this.#now = performance.now());
    if (!this.#ready) return;
    for (const [sequence, delivery] of this.#pending) {
      if (now - delivery.sentAt < DELIVERY_TIMEOUT_MS) break;
      this.#pending.delete(sequence);
      delivery.sink.settle(delivery.ticket, 'error');
    }
    for (const node of this.#mirror.nodes()) {
      if (node !== this.#id && !this.#probing.has(node)) void this.#probe(node);
    }
  }

  /** Pings a node that holds names: gone when nobody answers twice in a row, or when it answers nothing and its lease has lapsed. */
  async #probe(node: string): Promise<void> {
    this.#probing.add(node);
    try {
      if (this.#dead.has(node) || (await this.#isGone(node))) this.#bury(node);
    } finally {
      this.#probing.delete(node);
    }
  }

  async #isGone(node: string): Promise<boolean> {
    try {
      await this.#nc!.request(`${this.#keys.subjectPrefix}.${node}.p`, EMPTY, { timeout: PROBE_TIMEOUT_MS });
      this.#silentSince.delete(node);
      return false;
    } catch (error) {
      const code = (error as NatsError).code;
      if (code === ErrorCode.NoResponders) {
        const since = this.#silentSince.get(node);
        if (since === undefined) this.#silentSince.set(node, performance.now());
        return since !== undefined && performance.now() - since >= SWEEP_EVERY_MS;
      }
      if (code !== ErrorCode.Timeout || !this.#ready) return false;
      const lease = await this.#leases!.get(node).catch(() => undefined);
      return lease === null || (lease !== undefined && lease.operation !== 'PUT');
    }
  }

  /** Frees every name a gone node held, and answers 104 for the sends still waiting on it. */
  #bury(node: string): void {
    if (!this.#ready) return;
    const holdings = this.#mirror.holdingsOf(node);
    if (!this.#dead.has(node)) {
      this.#dead.add(node);
      this.#silentSince.delete(node);
      this.#log.info('cluster-node-gone', { node, names: holdings.length });
      for (const [sequence, delivery] of this.#pending) {
        if (delivery.node !== node) continue;
        this.#pending.delete(sequence);
        delivery.sink.settle(delivery.ticket, false);
      }
    }
    const names = this.#names!;
    for (const [name, { revision }] of holdings) void names.delete(nameToKey(name), { previousSeq: revision }).catch(ignore);
  }

  #onDelivery(id: string, error: NatsError | null, msg: Msg): void {
    if (error !== null || this.#id !== id || !this.#ready) return;
    // Woken from a freeze: the lease may have lapsed and the names been swept; deliver nothing until checked.
    if (this.#isFenceDue()) {
      this.#fence('lease-lapsed');
      this.#rejoin();
      return;
    }
    const data = msg.data;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const nameEnd = 1 + bytes[0]!;
    const delivered = this.#local!.deliver(bytes.toString('latin1', 1, nameEnd), bytes, nameEnd, bytes.length);
    if (msg.reply) this.#acks!.add(msg.reply, delivered);
  }

  #onAck(id: string, error: NatsError | null, msg: Msg): void {
    if (error !== null || this.#id !== id) return;
    const subject = msg.subject;
    if (subject.endsWith('.b')) {
      readAcks(msg.data, (sequence, delivered) => this.#settle(sequence, delivered));
      return;
    }
    // A no-responders answer from the broker: the holder's delivery subject has no subscriber, it is gone.
    if (msg.headers?.code === 503) this.#settle(Number(subject.slice(subject.lastIndexOf('.') + 1)), false);
  }

  #settle(sequence: number, delivered: boolean): void {
    const delivery = this.#pending.get(sequence);
    if (delivery === undefined) return;
    this.#pending.delete(sequence);
    delivery.sink.settle(delivery.ticket, delivered);
  }

  #onPing(id: string, error: NatsError | null, msg: Msg): void {
    if (error !== null || this.#id !== id || !this.#ready || this.#isFenceDue()) return;
    msg.respond(EMPTY);
  }
}

/** The revision of a new claim, or undefined when the key is held (or was freed after a claim). */
async function createIfAbsent(names: KV, key: string, id: string): Promise<number | undefined> {
  try {
    return await names.create(key, Buffer.from(id, 'latin1'));
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === 10071) return undefined;
    if (/wrong last sequence/.test((error as Error).message)) return undefined;
    throw error;
  }
}

function decodeId(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
}

function ignore(): void {}
