/**
 * The control operations around device actions: devices connecting (the wipe's pick-up
 * and answer, partnerships Remove-MobileDevice deleted coming back), removed
 * partnerships, wipe confirmation mails, and the variants the emulator plays where
 * Exchange's behaviour is not settled. Part of the control interface (control.ts).
 */
import { ValidationError } from '../../lib/errors';
import { DEFAULT_VARIANTS, type Variants } from './cmdlets/types';
import { notificationView, removedDeviceView } from './control-views';
import type { EmulatorCore } from './core';
import type { Device } from './store/model';
import type { CheckInOptions, EmulatorControl } from './types';

type ActionControl = Pick<EmulatorControl, 'checkIn' | 'removeDevice' | 'removedDevices' | 'wipeNotifications' | 'setVariants' | 'variants'>;

const CANCEL_VARIANTS: readonly Variants['cancelAfterPickUp'][] = ['error', 'warning'];
const RELEASE_VARIANTS: readonly Variants['releasedFromLists'][] = ['reevaluate', 'unknown'];

function checkVariants(v: Partial<Variants>): Variants {
  const out: Variants = { ...DEFAULT_VARIANTS, ...v };
  if (!CANCEL_VARIANTS.includes(out.cancelAfterPickUp)) throw ValidationError.of('cancelAfterPickUp', "'error' or 'warning'");
  if (!RELEASE_VARIANTS.includes(out.releasedFromLists)) throw ValidationError.of('releasedFromLists', "'reevaluate' or 'unknown'");
  const max = out.maxDeviceDeletesPerMonth;
  if (max !== null && (!Number.isInteger(max) || max < 0)) throw ValidationError.of('maxDeviceDeletesPerMonth', 'an integer >= 0, or null for unlimited');
  return out;
}

export function actionControl(core: EmulatorCore, device: (id: string) => Device): ActionControl {
  const sameCheckIn = (o: CheckInOptions | undefined) => ({ sameConnection: o?.sameCheckIn === true });
  return {
    checkIn(target, o) {
      const now = core.now();
      const org = core.org;
      if (typeof target === 'object' && target?.all === true) {
        let n = 0;
        for (const d of org.devices) if (org.checkIn(d, now, sameCheckIn(o))) n++;
        // Phones whose partnership Remove-MobileDevice deleted come back too (after the loop: they add partnerships).
        for (const r of org.removedPartnerships()) if (!r.recreatedAs && org.reconnect(r, now)) n++;
        return n;
      }
      const id = target as string;
      const live = typeof id === 'string' && id !== '' ? org.findDeviceLoosely(id) : undefined;
      if (live) return org.checkIn(live, now, sameCheckIn(o)) ? 1 : 0;
      const removed = typeof id === 'string' && id !== '' ? org.findRemoved(id) : undefined;
      if (!removed) device(id); // throws the usual not-found
      const back = org.reconnect(removed!, now);
      return back ? 1 : 0;
    },

    removeDevice(id) {
      const org = core.org;
      const live = typeof id === 'string' && id !== '' ? org.findDeviceLoosely(id) : undefined;
      const removed = live ? undefined : typeof id === 'string' && id !== '' ? org.findRemoved(id) : undefined;
      if (removed) {
        removed.stillConfigured = false; // the phone is gone: it will not re-create its partnership
        return;
      }
      org.removeDevice(device(id));
    },

    removedDevices: () => core.org.removedPartnerships().map((r) => removedDeviceView(core, r)),

    wipeNotifications: () => core.org.notifications().map((n) => notificationView(core, n)),

    setVariants(v) {
      if (v === null || typeof v !== 'object') throw ValidationError.of('variants', 'an object');
      core.variants = checkVariants(v);
      return { ...core.variants };
    },

    variants: () => ({ ...core.variants }),
  };
}
