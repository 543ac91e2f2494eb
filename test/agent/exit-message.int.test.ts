// A gateway that exits at once (as ca-gateway does, with status 0, when its server address is on no
// interface): LAST_EXIT says how it ended, LOG_MSG what it printed last, and the agent keeps serving.
// The stand-in scripts the exit and its last line exactly; the real gateway's own failing start (-sip on
// no broadcast interface) is in real-gateway.int.test.ts.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentFixture } from './harness.js';

const agent = new AgentFixture('EM');

beforeAll(async () => {
  const quitter = join(agent.dir, 'bin', 'quitter');
  writeFileSync(
    quitter,
    '#!/bin/sh\necho "Gateway starting"\necho "server isnt attached to a network"\nexit 0\n',
  );
  chmodSync(quitter, 0o755);
  await agent.configure([{ name: 'GWQ', keys: { binary: quitter } }, { name: 'GWOK' }]);
  await agent.start();
});

afterAll(() => agent.dispose());

describe('a gateway that exits at once', () => {
  it('shows its reason in LAST_EXIT and its last line in LOG_MSG; the other gateway and the IOC serve on', async () => {
    // "exit 0: server isnt attached to a network" passes LAST_EXIT's 39 characters: the reason alone
    await agent.waitStr('GWQ:LAST_EXIT', (s) => s === 'server isnt attached to a network');
    await agent.waitStr('GWQ:LOG_MSG', (s) => s === 'server isnt attached to a network');
    await agent.waitStr('GWOK:STATE', (s) => s === 'RUNNING');
    expect(await agent.num('GW_CNT')).toBe(2);
    expect(await agent.str('GWOK:LOG_MSG')).toBe('');
    expect(['STARTING', 'BACKOFF', 'EXITED']).toContain(await agent.str('GWQ:STATE'));
  });
});
