// POST /servers/{id}/action: the power actions the harness and Trove send
// (reboot, os-start, os-stop), with Nova's 409 when the state forbids them,
// and os-getConsoleOutput (console-output.ts).
import type { Cloud } from '../cloud.ts';
import { ApiError, badRequest, conflict } from '../errors.ts';
import { isoSeconds } from '../ids.ts';
import { isObj } from '../input.ts';
import { empty, type Router } from '../router.ts';
import { consoleOutputAction } from './console-output.ts';
import { powerAction } from './lifecycle.ts';
import { findServer } from './servers.ts';

const UNSUPPORTED = new Set(['resize', 'confirmResize', 'revertResize', 'rebuild', 'createImage', 'migrate', 'os-migrateLive', 'evacuate', 'shelve', 'unshelve', 'rescue', 'unrescue', 'pause', 'unpause', 'suspend', 'resume', 'attachInterface']);

export function registerServerActions(router: Router, cloud: Cloud): void {
  router.add('POST', '/v2.1/servers/:id/action', (ctx) => {
    const body = isObj(ctx.body) ? ctx.body : {};
    const [action] = Object.keys(body);
    if (!action) throw badRequest('Malformed request body');
    const id = ctx.params.id!;
    const need = (name: string, vmStates: string[]) => {
      const s = findServer(cloud.store.state, id, ctx.identity);
      if (s.taskState !== null || !vmStates.includes(s.vmState)) {
        const what = s.taskState !== null ? `task_state ${s.taskState}` : `vm_state ${s.vmState}`;
        throw conflict(`Cannot '${name}' instance ${id} while it is in ${what}`);
      }
    };
    const begin = (status: string, taskState: string) =>
      cloud.store.mutate((st) => {
        const s = findServer(st, id, ctx.identity);
        Object.assign(s, { status, taskState, updated: isoSeconds() });
      });
    switch (action) {
      case 'reboot': {
        const type = isObj(body.reboot) && typeof body.reboot.type === 'string' ? body.reboot.type.toUpperCase() : '';
        if (type !== 'SOFT' && type !== 'HARD') throw badRequest("Invalid input for field/attribute type. Value: " + type + ". 'type' must be one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']");
        need('reboot', type === 'HARD' ? ['active', 'stopped', 'error'] : ['active']);
        begin(type === 'HARD' ? 'HARD_REBOOT' : 'REBOOT', type === 'HARD' ? 'rebooting_hard' : 'rebooting');
        void powerAction(cloud, id, type === 'HARD' ? 'reboot-hard' : 'reboot-soft');
        return empty(202);
      }
      case 'os-stop':
        need('stop', ['active', 'error']);
        begin(findServer(cloud.store.state, id, ctx.identity).status, 'powering-off');
        void powerAction(cloud, id, 'stop');
        return empty(202);
      case 'os-start':
        need('start', ['stopped']);
        begin('SHUTOFF', 'powering-on');
        void powerAction(cloud, id, 'start');
        return empty(202);
      case 'os-getConsoleOutput':
        return consoleOutputAction(cloud, ctx, id, body['os-getConsoleOutput']);
      default:
        findServer(cloud.store.state, id, ctx.identity);
        if (UNSUPPORTED.has(action)) throw new ApiError(501, `The lab cloud does not implement the server action ${action}.`);
        throw badRequest(`There is no such action: ${action}`);
    }
  });
}
