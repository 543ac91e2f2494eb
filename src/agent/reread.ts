// Makes a running gateway re-read its pvlist and access file, and checks that it did: the gateway logs
// "Reading access security files" when it rereads (ca-gateway.md §8). First through its newAsFlag PV
// (written with the agent's own CA identity, the only one its access file lets write), then, if that
// cannot be confirmed, through SIGUSR1 (its command file holds `AS`).
import type { CaClient } from '../ca/client/index.js';
import type { Supervisor } from '../supervisor/index.js';

export const REREAD_LOG_LINE = 'Reading access security files';

export interface RereadOptions {
  client: CaClient;
  supervisor: Supervisor;
  gateway: string;
  /** `host:port` of the gateway's CA server. */
  server: string;
  timeoutMs?: number;
}

export interface RereadOutcome {
  isVerified: boolean;
  via: 'newAsFlag' | 'SIGUSR1' | 'none';
  detail: string;
}

function waitForLine(
  supervisor: Supervisor,
  name: string,
  timeoutMs: number,
): { seen: Promise<boolean>; cancel: () => void } {
  let stop = () => undefined as void;
  const seen = new Promise<boolean>((resolve) => {
    let buffered = '';
    const off = supervisor.followLog(name, (data) => {
      buffered = (buffered + data).slice(-4096);
      if (buffered.includes(REREAD_LOG_LINE)) finish(true);
    });
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok: boolean) {
      clearTimeout(timer);
      off();
      resolve(ok);
    }
    stop = () => finish(false);
  });
  return { seen, cancel: stop };
}

export async function requestReread(o: RereadOptions): Promise<RereadOutcome> {
  const timeoutMs = o.timeoutMs ?? 5000;
  let detail = '';
  const first = waitForLine(o.supervisor, o.gateway, timeoutMs);
  const ch = o.client.channel(`${o.gateway}:newAsFlag`, { server: o.server });
  try {
    await ch.connected(Math.min(timeoutMs, 3000));
    await ch.put(1, { wait: true, timeoutMs });
  } catch (err) {
    detail = `newAsFlag: ${(err as Error).message}`;
    first.cancel();
  } finally {
    ch.close();
  }
  if (await first.seen) return { isVerified: true, via: 'newAsFlag', detail: '' };
  const second = waitForLine(o.supervisor, o.gateway, timeoutMs);
  if (!o.supervisor.sendSignal(o.gateway, 'SIGUSR1')) {
    second.cancel();
    return {
      isVerified: false,
      via: 'none',
      detail: `${detail || 'newAsFlag not confirmed'}; gateway not running`,
    };
  }
  if (await second.seen) return { isVerified: true, via: 'SIGUSR1', detail };
  return {
    isVerified: false,
    via: 'none',
    detail: `${detail || 'newAsFlag not confirmed'}; no re-read seen after SIGUSR1`,
  };
}
