// Per-node process supervision (Debian `supervisor`). Each lab node runs its own
// supervisord with /etc/supervisor/supervisord.conf bind-mounted from
// /etc/netns/<node>/supervisor/, so over SSH a node answers `supervisorctl status`
// like any host. Services are programs in /etc/supervisor/conf.d/<program>.conf
// on that node. Implemented by the nodes step (lab/steps/nodes.ts).

export interface ProgramSpec {
  /** Program name, as the environment file's `unit` (e.g. "keystone"). */
  name: string;
  /** Full command line; must stay in the foreground. */
  command: string;
  environment?: Record<string, string>;
  directory?: string;
  user?: string;
  /** Default TERM. */
  stopSignal?: 'TERM' | 'INT' | 'QUIT' | 'KILL';
  stopWaitSecs?: number;
  /** Where stdout+stderr go; default <node log dir>/<name>.log */
  logFile?: string;
  /** Start with supervisord (default true). */
  autostart?: boolean;
  /** Restart after an unexpected exit (default true, like Restart=on-failure). */
  restartOnCrash?: boolean;
}

export { addProgram, startProgram, stopProgram, programStatus } from './steps/nodes.ts';
