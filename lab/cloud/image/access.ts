// Who sees a Glance image: public and community ones everyone, private and
// shared ones their owner (members are not modelled), admins all.
import type { Identity } from '../auth.ts';
import type { ImageRecord } from '../model.ts';

export function imageVisible(img: ImageRecord, who: Identity): boolean {
  const vis = img.base.visibility;
  return who.isAdmin || vis === 'public' || vis === 'community' || img.base.owner === who.projectId;
}

export function imageWritable(img: ImageRecord, who: Identity): boolean {
  return who.isAdmin || img.base.owner === who.projectId;
}
