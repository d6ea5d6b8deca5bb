/**
 * Watches the mesh file while the mesh runs: every saved edit is read, validated and handed
 * on, or reported with `file:line:col path: reason`. The directory is watched, not the file:
 * editors save by writing a new file and renaming it over the old one.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseMeshText } from '../model/load';
import type { MeshModel } from '../model/model';
import type { Problem } from '../model/problem';

export interface MeshWatcherHandlers {
  readonly onModel: (model: MeshModel, locate: (p: Problem) => Problem) => void | Promise<void>;
  readonly onInvalid: (problems: readonly Problem[]) => void;
}

const SETTLE_MS = 100;

export class MeshWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private lastText: string,
    private readonly handlers: MeshWatcherHandlers,
  ) {}

  start(): void {
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      // Editors write in several steps: read once things settle.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.chain = this.chain.then(() => this.reload());
      }, SETTLE_MS);
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async reload(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return; // Between an editor's delete and rename: the next event brings the new file.
    }
    if (text === this.lastText) return;
    this.lastText = text;
    const loaded = parseMeshText(text, this.file);
    if (!loaded.model || loaded.problems.length > 0) {
      this.handlers.onInvalid(loaded.problems);
      return;
    }
    await this.handlers.onModel(loaded.model, loaded.locate);
  }
}
