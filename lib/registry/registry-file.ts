/**
 * The registry's file-backed mode: instances survive a restart and can be edited by hand or
 * by a script while the mesh runs. Every change is written atomically (temp file + rename);
 * an edit from outside is read back, checked, and applied in full, or reported and ignored.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RegistryError } from './instance';
import type { Registry, RegistryData } from './registry';

export interface RegistryFileOptions {
  /** Told about an outside edit that could not be applied. */
  readonly onError?: (message: string) => void;
}

/** Parses a registry file; errors name the file and the field. */
export function parseRegistryFile(text: string, file: string): RegistryData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RegistryError('InvalidInput', `${file}: not JSON (${(e as Error).message})`);
  }
  const namespaces = (data as { namespaces?: unknown } | null)?.namespaces;
  if (!namespaces || typeof namespaces !== 'object' || Array.isArray(namespaces)) {
    throw new RegistryError('InvalidInput', `${file}: namespaces: must be an object of namespaces`);
  }
  for (const [ns, v] of Object.entries(namespaces as Record<string, unknown>)) {
    const services = (v as { services?: unknown } | null)?.services;
    if (!services || typeof services !== 'object' || Array.isArray(services)) {
      throw new RegistryError('InvalidInput', `${file}: namespaces.${ns}.services: must be an object of services`);
    }
    for (const [svc, s] of Object.entries(services as Record<string, unknown>)) {
      const instances = (s as { instances?: unknown } | null)?.instances;
      if (!instances || typeof instances !== 'object' || Array.isArray(instances)) {
        throw new RegistryError(
          'InvalidInput',
          `${file}: namespaces.${ns}.services.${svc}.instances: must be an object of instances`,
        );
      }
    }
  }
  return data as RegistryData;
}

export class RegistryFile {
  private watcher: FSWatcher | undefined;
  private lastWritten = '';
  private writing: Promise<void> = Promise.resolve();
  private readonly onChange = () => this.save();
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly registry: Registry,
    private readonly options: RegistryFileOptions = {},
  ) {}

  /** Loads the file when it exists (a bad file is an error: nothing is overwritten), then keeps it in sync. */
  async open(): Promise<void> {
    let text: string | undefined;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (text !== undefined) {
      try {
        this.registry.replaceAll(parseRegistryFile(text, this.file));
      } catch (e) {
        throw new RegistryError('InvalidInput', prefixed(this.file, (e as Error).message));
      }
      this.lastWritten = text;
    }
    this.registry.on('change', this.onChange);
    await this.save();
    // Watch the directory: editors replace files, which ends a watch on the file itself.
    this.watcher = watch(dirname(this.file), (_event, name) => {
      if (name !== null && name.toString() !== basename(this.file)) return;
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload(), 50);
    });
  }

  /** Waits for pending writes. */
  flush(): Promise<void> {
    return this.writing;
  }

  close(): Promise<void> {
    this.registry.off('change', this.onChange);
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
    this.watcher = undefined;
    return this.writing;
  }

  private save(): Promise<void> {
    const text = `${JSON.stringify(this.registry.toJSON(), null, 2)}\n`;
    // Writes are chained so the file always ends with the latest state.
    this.writing = this.writing.then(async () => {
      if (text === this.lastWritten) return;
      this.lastWritten = text;
      const tmp = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.tmp`);
      await writeFile(tmp, text);
      await rename(tmp, this.file);
    });
    return this.writing;
  }

  private async reload(): Promise<void> {
    await this.writing;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return; // Mid-rename or deleted: the next event or save puts it back.
    }
    if (text === this.lastWritten) return;
    try {
      const data = parseRegistryFile(text, this.file);
      this.lastWritten = text;
      this.registry.replaceAll(data);
    } catch (e) {
      this.options.onError?.(`${prefixed(this.file, (e as Error).message)}; the registry keeps its instances`);
    }
  }
}

function prefixed(file: string, message: string): string {
  return message.startsWith(`${file}:`) ? message : `${file}: ${message}`;
}
