// The agent's own PVs under $(P): GW_CNT, GW_RUNNING, the configuration's state (CONFIG_OK, CONFIG_MSG,
// CONFIG_ERR), LABEL, and the RELOAD and READACF buttons. Creates the records and sets their values;
// what a button does is the agent's (passed in). Owns no timers or sockets.
import { MAJOR_ALARM, NO_ALARM, SOFT_ALARM } from '../ca/constants.js';
import type { AgentConfig } from '../gwconfig/index.js';
import { CONTROL_ASG, type RecordDatabase, type RecordHandle } from '../ioc/index.js';

export interface AgentButtons {
  /** RELOAD: re-read the configuration. */
  reload(): Promise<void>;
  /** READACF (devIocStats' name): re-read the access rules, derived from the configuration's [access]. */
  readAcf(): Promise<void>;
}

export class AgentPvs {
  private readonly gwCount: RecordHandle;
  private readonly gwRunning: RecordHandle;
  private readonly configOk: RecordHandle;
  private readonly configMsg: RecordHandle;
  private readonly configErr: RecordHandle;
  /** Every problem of the last refused reload ('' after a good one), for the reload command's answer. */
  private problem = '';

  constructor(db: RecordDatabase, c: AgentConfig, buttons: AgentButtons) {
    const p = c.agent.prefix;
    this.gwCount = db.createRecord('longin', `${p}GW_CNT`, {
      DESC: 'Configured gateways',
      VAL: c.gateways.length,
    });
    this.gwRunning = db.createRecord('longin', `${p}GW_RUNNING`, { DESC: 'Gateways running', VAL: 0 });
    this.configOk = db.createRecord('bi', `${p}CONFIG_OK`, {
      DESC: 'Last config load succeeded',
      ZNAM: 'No',
      ONAM: 'Yes',
      ZSV: 'MAJOR',
      VAL: 1,
    });
    this.configMsg = db.createRecord('stringin', `${p}CONFIG_MSG`, {
      DESC: 'Last config problem (short)',
      VAL: '',
    });
    this.configErr = db.createRecord('waveform', `${p}CONFIG_ERR`, {
      DESC: 'Last config problem (full)',
      FTVL: 'CHAR',
      NELM: 4096,
    });
    db.createRecord('stringin', `${p}LABEL`, { DESC: 'Container function', VAL: c.agent.label.slice(0, 39) });
    const button = (suffix: string, desc: string, onam: string, action: () => Promise<void>): void => {
      const r = db.createRecord('bo', p + suffix, {
        DESC: desc,
        ZNAM: 'Idle',
        ONAM: onam,
        ASG: CONTROL_ASG,
        VAL: 0,
      });
      r.onWrite(async (v) => {
        if (Number(v) !== 1) return;
        await action();
        r.set(0);
      });
    };
    button('RELOAD', 'Reload the configuration', 'Reload', () => buttons.reload());
    button('READACF', 'Re-read the access security rules', 'Read', () => buttons.readAcf());
    // CONFIG_ERR/CONFIG_MSG start empty and NO_ALARM: this configuration loaded fine
    this.setConfigProblem('');
  }

  get isConfigOk(): boolean {
    return this.configOk.get() === 1;
  }

  get configProblem(): string {
    return this.problem;
  }

  /** '' for a configuration that loaded; otherwise every problem (CONFIG_ERR) and a 39-character
   * summary (CONFIG_MSG, MAJOR). */
  setConfigProblem(text: string, short = text.split('\n')[0] ?? ''): void {
    const isOk = text === '';
    this.problem = text;
    this.configOk.set(isOk ? 1 : 0);
    this.configMsg.set(short.slice(0, 39), isOk ? {} : { severity: MAJOR_ALARM, status: SOFT_ALARM });
    this.configErr.set([...Buffer.from(text.slice(0, 4095), 'latin1'), 0]);
    if (isOk) this.configMsg.setAlarm(NO_ALARM, NO_ALARM);
  }

  setGatewayCount(n: number): void {
    this.gwCount.set(n);
  }

  setRunning(n: number): void {
    this.gwRunning.set(n);
  }
}
