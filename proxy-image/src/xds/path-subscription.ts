/**
 * A file config source (`path` / `path_config_source`): the file holds a DiscoveryResponse
 * (JSON or YAML) and is read again whenever it changes. Writers should replace the file
 * atomically (write elsewhere, then rename), as Envoy expects; a half-written file is just
 * an invalid update, rejected while the last good config keeps serving.
 */

import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { isObject, type Json } from '../config/fields';
import { ConfigLoadError, checkSchema, parseDocument } from '../config/load';
import { log } from '../log';
import type { Subscription, SubscriptionCallbacks } from './subscription';

const DEBOUNCE_MS = 50;
/** Belt and braces: some filesystems (overlay, network) drop events. */
const POLL_MS = 1000;

export class PathSubscription implements Subscription {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private lastText: string | undefined;
  private stopped = false;
  private reading = false;
  private again = false;

  constructor(
    private readonly path: string,
    private readonly typeUrl: string,
    private readonly cb: SubscriptionCallbacks,
  ) {}

  start(): void {
    try {
      this.watcher = watch(dirname(this.path), (_event, file) => {
        if (!file || file === basename(this.path)) this.schedule();
      });
      this.watcher.on('error', () => {});
    } catch (e) {
      log.warn(`cannot watch ${dirname(this.path)}: ${(e as Error).message}; polling instead`);
    }
    this.poll = setInterval(() => this.schedule(), POLL_MS);
    this.poll.unref();
    void this.read();
  }

  updateNames(): void {}

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.read(), DEBOUNCE_MS);
  }

  private async read(): Promise<void> {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      let text: string;
      try {
        text = await readFile(this.path, 'utf8');
      } catch (e) {
        if (this.lastText === undefined) this.cb.onFailure(`cannot read ${this.path}: ${(e as Error).message}`, false);
        return;
      }
      if (text === this.lastText || this.stopped) return;
      this.lastText = text;
      let doc: unknown;
      let resources: Json[];
      try {
        doc = parseDocument(text, this.path);
        checkSchema('envoy.service.discovery.v3.DiscoveryResponse', doc, this.path);
        resources = isObject(doc) && Array.isArray(doc.resources) ? (doc.resources as Json[]) : [];
        for (const [i, r] of resources.entries()) {
          if (r['@type'] !== this.typeUrl) {
            throw new ConfigLoadError([
              `${this.path}: resources[${i}]: expected ${this.typeUrl}, got ${String(r['@type'])}`,
            ]);
          }
        }
      } catch (e) {
        this.cb.onFailure((e as Error).message, true);
        return;
      }
      const version = isObject(doc) && typeof doc.version_info === 'string' ? doc.version_info : '';
      this.cb.onUpdate(resources, version);
    } catch {
      // Rejected by the subscriber, which logged and counted it; the last good config stays.
    } finally {
      this.reading = false;
      if (this.again) {
        this.again = false;
        void this.read();
      }
    }
  }
}
