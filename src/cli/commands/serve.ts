/**
 * `tunebook serve [--port 8471] [--host 127.0.0.1]`: the local, read-only dashboard (see
 * src/report/dashboard/server.ts). Runs until Ctrl-C.
 */
import * as lab from '../../lab/index.js';
import * as report from '../../report/index.js';
import type { Command } from '../command.js';
import { DB_FLAG, dbPath } from '../db.js';
import { augmentationPreview } from './report.js';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'tunebook serve [--port 8471] [--host 127.0.0.1] [--db file]',
  flags: {
    ...DB_FLAG,
    port: {
      type: 'int',
      min: 0,
      max: 65535,
      help: 'port to listen on (default 8471; 0: any free)',
    },
    host: {
      type: 'string',
      help: 'address to bind (default 127.0.0.1; anything else exposes the studies)',
    },
  },
  async run({ flags, out }) {
    const db = dbPath(flags);
    const host = (flags.host as string | undefined) ?? '127.0.0.1';
    const dashboard = await report.startDashboard({
      db,
      host,
      port: (flags.port as number | undefined) ?? 8471,
      previews: augmentationPreview,
      notebook: async (store) =>
        lab.notebookEntries(await store.allVerdicts(), await store.notes()),
      log: (line) => process.stderr.write(`tunebook serve: ${line}\n`),
    });
    out(`tunebook dashboard on ${dashboard.url} (read-only view of ${db}; Ctrl-C to stop)`);
    if (!['127.0.0.1', 'localhost', '::1'].includes(host))
      out(`note: bound to ${host}: anyone who can reach this address can read the studies`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
  },
};
