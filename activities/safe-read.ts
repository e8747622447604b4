import * as fs from 'node:fs';

/**
 * Reading a file that a repository or a command controls: only a regular file, of bounded size. A plain read
 * of a FIFO blocks forever (the worker's event loop with it, when it is `readFileSync`), one of `/dev/zero`
 * never ends, and one of a 10 GB file takes the worker's memory. So the file is opened without following a
 * last-component symlink (`O_NOFOLLOW`) and without waiting for a writer (`O_NONBLOCK`), `fstat`ed on that
 * same descriptor (no swap between the check and the read), refused unless it is a regular file, and read
 * up to a cap. Errors say why, in a message a run can show (`code`: ENOTREG, EFBIG, ELOOP, or the system's).
 */

/** Reads of repository files cap here unless the caller says otherwise. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

export class UnreadableFile extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    /** What is wrong with it, without its name ("is a FIFO, not a regular file: not read"). */
    readonly why: string,
  ) {
    super(`${file} ${why}`);
    this.name = 'UnreadableFile';
  }
}

function kind(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

const mb = (n: number) => `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;

function refuse(file: string, st: fs.Stats, maxBytes: number): UnreadableFile | null {
  if (!st.isFile())
    return new UnreadableFile(
      file,
      st.isDirectory() ? 'EISDIR' : 'ENOTREG',
      `is ${kind(st)}, not a regular file: not read`,
    );
  if (st.size > maxBytes)
    return new UnreadableFile(file, 'EFBIG', `is ${mb(st.size)}, more than the ${mb(maxBytes)} read at most`);
  return null;
}

function opened(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return new UnreadableFile(file, 'ELOOP', 'is a symlink: not followed');
  // A socket cannot be opened at all.
  if (code === 'ENXIO') return new UnreadableFile(file, 'ENOTREG', 'is a socket, not a regular file: not read');
  return err as Error;
}

const tooBig = (file: string, maxBytes: number) =>
  new UnreadableFile(file, 'EFBIG', `grew past the ${mb(maxBytes)} read at most`);

/** The file's bytes (see above); for the event loop. */
export async function readSafe(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Buffer> {
  const fh = await fs.promises.open(file, FLAGS).catch((e: unknown) => {
    throw opened(file, e);
  });
  try {
    const refused = refuse(file, await fh.stat(), maxBytes);
    if (refused) throw refused;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      total += bytesRead;
      if (total > maxBytes) throw tooBig(file, maxBytes);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

/** The file's text, UTF-8 (see above). */
export async function readTextSafe(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<string> {
  return (await readSafe(file, maxBytes)).toString('utf8');
}

/** The same, synchronously: for code that is synchronous already (the editor tool, `flotilla discover`); never waits on a writer. */
export function readTextSafeSync(file: string, maxBytes = DEFAULT_MAX_BYTES): string {
  let fd: number;
  try {
    fd = fs.openSync(file, FLAGS);
  } catch (e) {
    throw opened(file, e);
  }
  try {
    const refused = refuse(file, fs.fstatSync(fd), maxBytes);
    if (refused) throw refused;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - total));
      const bytesRead = fs.readSync(fd, buf, 0, buf.length, null);
      if (!bytesRead) break;
      total += bytesRead;
      if (total > maxBytes) throw tooBig(file, maxBytes);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
