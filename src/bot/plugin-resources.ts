import type { Deadline } from './deadline.js';
import type { BotLogger } from './logger.js';
import type { Disposer } from './plugin.js';
import type { JsonFileStore } from './store.js';

/** What the plugins' setups left to release: their disposers and their stores. */
export class PluginResources {
  readonly #disposers: Array<{ plugin: string; dispose: Disposer }> = [];
  readonly #stores: JsonFileStore[] = [];
  readonly #logger: BotLogger;

  constructor(logger: BotLogger) {
    this.#logger = logger;
  }

  addStore(store: JsonFileStore): void {
    this.#stores.push(store);
  }

  addDisposer(plugin: string, dispose: Disposer): void {
    this.#disposers.push({ plugin, dispose });
  }

  /** Runs the disposers in reverse order of setup, each bounded by `deadline`; each runs once. */
  async dispose(deadline: Deadline): Promise<void> {
    for (const { plugin, dispose } of this.#disposers.splice(0).reverse()) {
      try {
        const done = Promise.resolve(dispose());
        if (!(await deadline.race(done))) {
          done.catch(() => {});
          this.#logger.warn('shutdown-timeout', { phase: 'dispose', plugin });
        }
      } catch (error) {
        this.#logger.error('dispose-failed', { plugin, error });
      }
    }
  }

  async flushStores(): Promise<void> {
    for (const store of this.#stores) {
      // Failures were already logged by onWriteError.
      await store.flush().catch(() => {});
    }
  }
}
