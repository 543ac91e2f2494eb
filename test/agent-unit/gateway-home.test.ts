// A gateway's home: created, and owned by the gateway's user when the agent runs as root.
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareHome } from '../../src/agent/gateway-home.js';

const isRoot = process.getuid?.() === 0;

describe('prepareHome', () => {
  it('creates the directory (and its parents)', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'gwhome-')), 'a', 'GWF01');
    await prepareHome({ home, user: undefined });
    expect(statSync(home).isDirectory()).toBe(true);
  });

  it.runIf(isRoot)('gives it to the gateway user (by name or uid) when the agent is root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwhome-'));
    const passwd = join(dir, 'passwd');
    writeFileSync(
      passwd,
      'root:x:0:0:root:/root:/bin/sh\ngw:x:4321:4322:gateway:/var/lib/gw:/usr/sbin/nologin\n',
    );
    await prepareHome({ home: join(dir, 'byname'), user: 'gw' }, passwd);
    await prepareHome({ home: join(dir, 'byuid'), user: '4321' }, passwd);
    for (const d of ['byname', 'byuid']) {
      const st = statSync(join(dir, d));
      expect([st.uid, st.gid]).toEqual([4321, 4322]);
    }
  });

  it('leaves an unknown user to the supervisor (directory created, owner unchanged)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwhome-'));
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\n');
    await prepareHome({ home: join(dir, 'h'), user: 'nosuchuser' }, passwd);
    expect(statSync(join(dir, 'h')).uid).toBe(process.getuid?.());
  });
});
