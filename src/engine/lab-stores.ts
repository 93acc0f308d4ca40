// Where a lab's records live: its manifest and the stacks provision recorded, side by side in a local folder or
// under one S3 prefix beside the state.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { parseManifest, type LabManifest, type ManifestStore } from './manifest.ts';
import { parseStackBundle, type StackBundle, type StackBundleStore } from './stack-bundle.ts';

/** Both records of a lab: what the sweeper and conflict checks read, and what teardown restores. */
export type LabStore = ManifestStore & StackBundleStore;

// Lab ids become path segments and object keys: refuse anything that could climb out of its folder.
/** What a stored lab id looks like: it names a folder and an S3 key prefix, so nothing in it may climb out. */
const LAB_ID = '[a-z][a-z0-9-]*';
const isLabId = (name: string): boolean => new RegExp(`^${LAB_ID}$`).test(name);

function assertLabId(lab: string): void {
  if (!isLabId(lab)) throw new Error(`'${lab}' is not a lab id`);
}

function serialize(manifest: LabManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** `<dir>/<lab>/manifest.json`, written atomically (temp file + rename) so a killed run never leaves half a file. */
export class LocalLabStore implements LabStore {
  constructor(private readonly dir: string) {}

  async saveStacks(lab: string, bundle: StackBundle): Promise<void> {
    assertLabId(lab);
    await mkdir(join(this.dir, lab), { recursive: true });
    await writeAtomically(join(this.dir, lab, 'stacks.json'), JSON.stringify(bundle));
  }

  async loadStacks(lab: string): Promise<StackBundle | undefined> {
    assertLabId(lab);
    const file = join(this.dir, lab, 'stacks.json');
    try {
      return parseStackBundle(await readFile(file, 'utf8'), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async read(lab: string): Promise<LabManifest | undefined> {
    const file = this.file(lab);
    try {
      return parseManifest(await readFile(file, 'utf8'), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(manifest: LabManifest): Promise<void> {
    assertLabId(manifest.lab);
    await mkdir(join(this.dir, manifest.lab), { recursive: true });
    await writeAtomically(this.file(manifest.lab), serialize(manifest));
  }

  async delete(lab: string): Promise<void> {
    await rm(this.file(lab), { force: true });
    await rm(join(this.dir, lab, 'stacks.json'), { force: true });
    // Leave the folder if anything else lives there (a state dir shared with it, say).
    await rmdir(join(this.dir, lab)).catch(() => undefined);
  }

  async list(): Promise<LabManifest[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const manifests: LabManifest[] = [];
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!isLabId(entry.name)) continue;
      const manifest = await this.read(entry.name);
      if (manifest) manifests.push(manifest);
    }
    return manifests;
  }

  private file(lab: string): string {
    assertLabId(lab);
    return join(this.dir, lab, 'manifest.json');
  }
}

/** Temp file + rename: a killed run never leaves half a file for teardown to choke on. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

export const S3_PREFIX = 'tslab';

/** `tslab/<lab>/manifest.json` in the state bucket, beside the stacks' `tslab/<lab>/<stack>.tfstate`. */
export class S3LabStore implements LabStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  static stacksKey(lab: string): string {
    assertLabId(lab);
    return `${S3_PREFIX}/${lab}/stacks.json`;
  }

  async saveStacks(lab: string, bundle: StackBundle): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: S3LabStore.stacksKey(lab),
        Body: JSON.stringify(bundle),
        ContentType: 'application/json',
      }),
    );
  }

  async loadStacks(lab: string): Promise<StackBundle | undefined> {
    const key = S3LabStore.stacksKey(lab);
    const body = await this.getText(key);
    return body === undefined ? undefined : parseStackBundle(body, `s3://${this.bucket}/${key}`);
  }

  private async getText(key: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = await response.Body?.transformToString('utf8');
      if (body === undefined) throw new Error(`s3://${this.bucket}/${key} has no body`);
      return body;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  static key(lab: string): string {
    assertLabId(lab);
    return `${S3_PREFIX}/${lab}/manifest.json`;
  }

  async read(lab: string): Promise<LabManifest | undefined> {
    const key = S3LabStore.key(lab);
    const body = await this.getText(key);
    return body === undefined ? undefined : parseManifest(body, `s3://${this.bucket}/${key}`);
  }

  async write(manifest: LabManifest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: S3LabStore.key(manifest.lab),
        Body: serialize(manifest),
        ContentType: 'application/json',
      }),
    );
  }

  async delete(lab: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: S3LabStore.stacksKey(lab) }));
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: S3LabStore.key(lab) }));
  }

  async list(): Promise<LabManifest[]> {
    const labs: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${S3_PREFIX}/`,
          ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        const match = new RegExp(`^${S3_PREFIX}/(${LAB_ID})/manifest\\.json$`).exec(object.Key ?? '');
        if (match?.[1]) labs.push(match[1]);
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    const manifests: LabManifest[] = [];
    // A manifest deleted between list and get (a teardown finishing) is simply gone.
    for (const lab of labs.sort()) {
      const manifest = await this.read(lab);
      if (manifest) manifests.push(manifest);
    }
    return manifests;
  }
}
