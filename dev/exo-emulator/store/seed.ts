/**
 * A deterministic organisation for tests, benches and `npm start`: the same options give
 * the same mailboxes, groups and device partnerships (GUIDs, DeviceIds, times).
 *
 * It looks like a modern tenant (reference, "Filters, recipients and identities"): most
 * mailbox Names are the user's ExternalDirectoryObjectId (a GUID), and device Identities
 * start with them; some Names are the alias, some a display name with spaces, ~2% hold a
 * '/', a few differ from the alias otherwise. Outlook mobile partnerships are named
 * `Hx§Outlook§<id>` or `REST§Outlook§<id>`.
 *
 * Conventions (see SeedFixtures; the first three with devices >= 5 and mailboxes >= 3,
 * the next three with devices >= 8 and mailboxes >= 6):
 * - mailbox 0, "Alex Wilber" (Name = alias alex.wilber): two EAS iPhones (same
 *   DeviceType, so the connector's readable names collide) and one Outlook for iOS device;
 * - mailbox 1, "Megan Bowen": PrimarySmtpAddress m.bowen@<vanity domain> differs from the
 *   UPN megan.bowen@<tenant domain>; her Galaxy S8 (SM-G950F) is Quarantined by the
 *   seeded access rule "SM-G950F (DeviceModel)";
 * - mailbox 2, "Lee Gu": Name is a GUID (device Identities start with it); his iPad is
 *   Blocked through his ActiveSyncBlockedDeviceIDs (reason Individual);
 * - mailbox 3: Name "<Department>/<First> <Last>" (a '/'); one Hx Outlook device;
 * - mailbox 4: Name "<First> <Last>" (spaces); one REST Outlook device;
 * - mailbox 5: Name "<First><Last>" (neither alias nor GUID); one iPhone;
 * - mailbox 6 (when it has devices): HasActiveSyncDevicePartnership stale (False).
 * Devices are spread so that each of the first min(mailboxes, devices - 2) mailboxes has
 * at least one; later mailboxes have none. About 5% of other users have an SMTP address
 * that differs from the UPN; ~1.5% of devices are individually blocked, ~1% quarantined
 * by the rule, ~0.5% in DeviceDiscovery; Windows Mail partnerships do not support remote
 * wipe (choice), so a wipe asked of them ends as Status DeviceBlocked. Groups: "Mobile
 * Pilot" (security: fixture users + every 97th mailbox), "Sales" (~10%), "Engineering"
 * (security, ~15%), "Executives" (mailboxes 3-22, which get the "Restricted" mailbox
 * policy), "Empty Group", "Project Phoenix" (a Microsoft 365 group: mailbox 0 and every
 * 13th) and "Field Staff" (distribution, nested: the group "Mobile Pilot", the group
 * "Project Phoenix" and every 50th mailbox). Devices are created (and therefore listed)
 * in FirstSyncTime order.
 */
import { ValidationError } from '../../../lib/errors';
import type { SeedFixtures, SeedOptions, SeedSummary } from '../types';
import { DAY, MINUTE } from '../values';
import { chooseKind, DEPARTMENTS, type DeviceKind, deviceLook, FIRST_NAMES, LAST_NAMES, QUARANTINED_MODEL } from './catalog';
import { type AccessState, type Device, groupKind, type Mailbox } from './model';
import { Org } from './org';
import { defaultPolicySettings } from './policy-settings';
import { guid, mulberry32, pick, type Rng } from './prng';

// Module-local: global lookups are slow under jest's vm sandbox (see prng.ts).
const { floor, max, min } = Math;

const FIXTURE_USERS: readonly (readonly [string, string])[] = [
  ['Alex', 'Wilber'],
  ['Megan', 'Bowen'],
  ['Lee', 'Gu'],
];

type Special = 'blocked' | 'allowedIndividually' | 'discovery' | 'quarantineModel' | 'hx' | 'rest' | null;

interface PlannedDevice {
  mailbox: number;
  kind: DeviceKind;
  special: Special;
  fixture?: keyof SeedFixtures | 'outlook';
}

function parseTime(field: string, value: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw ValidationError.of(field, `'${value}' is not an ISO date`);
  return t;
}

function checkCount(field: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1_000_000) throw ValidationError.of(field, 'must be an integer from 0 to 1000000');
  return n;
}

export function seedOrganisation(o: SeedOptions, ctx: { domain: string; vanityDomain?: string; now: number }): { org: Org; summary: SeedSummary } {
  const nDevices = checkCount('devices', o.devices);
  const nMailboxes = checkCount('mailboxes', o.mailboxes);
  if (nDevices > 0 && nMailboxes === 0) throw ValidationError.of('mailboxes', 'devices need at least one mailbox');
  const outlookShare = o.outlookShare ?? 0.3;
  if (typeof outlookShare !== 'number' || outlookShare < 0 || outlookShare > 1) throw ValidationError.of('outlookShare', 'must be between 0 and 1');
  const asOf = o.asOf ? parseTime('asOf', o.asOf) : ctx.now;
  const start = o.startDate ? parseTime('startDate', o.startDate) : asOf - 3 * 365 * DAY;
  if (start >= asOf - DAY) throw ValidationError.of('startDate', 'must be at least a day before asOf');

  const rng = mulberry32(o.seed ?? 1);
  const between = (a: number, b: number) => a + floor(rng() * max(0, b - a));
  const org = new Org({ domain: ctx.domain, vanityDomain: ctx.vanityDomain, now: start });
  const fixturesOn = nDevices >= 5 && nMailboxes >= 3;
  const moreFixtures = nDevices >= 8 && nMailboxes >= 6;
  const fixtureMailboxes = moreFixtures ? 6 : fixturesOn ? FIXTURE_USERS.length : 0;

  org.addRule({ queryString: QUARANTINED_MODEL, characteristic: 'DeviceModel', accessLevel: 'Quarantine', now: start });
  const restrictedSettings = defaultPolicySettings();
  restrictedSettings.set('PasswordEnabled', true);
  restrictedSettings.set('MinPasswordLength', 6);
  restrictedSettings.set('AlphanumericPasswordRequired', true);
  restrictedSettings.set('MaxPasswordFailedAttempts', 8);
  restrictedSettings.set('MaxInactivityTimeLock', 5 * MINUTE);
  restrictedSettings.set('PasswordExpiration', 90 * DAY);
  restrictedSettings.set('RequireDeviceEncryption', true);
  const restricted = org.addPolicy({ name: 'Restricted', settings: restrictedSettings, now: start });

  // ---- mailboxes
  const mailboxes: Mailbox[] = [];
  const aliasCount = new Map<string, number>();
  for (let i = 0; i < nMailboxes; i++) {
    const [first, last] = fixturesOn && i < FIXTURE_USERS.length ? FIXTURE_USERS[i] : [pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)];
    const base = `${first}.${last}`.toLowerCase();
    const n = (aliasCount.get(base) ?? 0) + 1;
    aliasCount.set(base, n);
    const suffix = n === 1 ? '' : String(n);
    const alias = `${base}${suffix}`;
    const mailboxGuid = guid(rng);
    const edoid = guid(rng);
    const department = pick(rng, DEPARTMENTS);
    const r = rng();
    let name: string;
    if (fixturesOn && i < 2) name = alias;
    else if (fixturesOn && i === 2) name = edoid;
    else if (moreFixtures && i < fixtureMailboxes) name = [`${department}/${first} ${last}${suffix}`, `${first} ${last}${suffix}`, `${first}${last}${suffix}`][i - 3];
    else if (r < 0.7) name = edoid;
    else if (r < 0.82) name = alias;
    else if (r < 0.94) name = `${first} ${last}${suffix}`;
    else if (r < 0.96) name = `${department}/${first} ${last}${suffix}`;
    else name = `${first}${last}${suffix}`;
    // Names are unique in a tenant; a generated one that is taken falls back to the GUID.
    if (name !== edoid && org.findRecipient(name)) name = edoid;
    let primarySmtpAddress: string | undefined;
    if (fixturesOn && i === 1) primarySmtpAddress = `${first[0]}.${last}@${org.vanityDomain}`.toLowerCase();
    else if (rng() < 0.05 && !(fixturesOn && i < FIXTURE_USERS.length)) primarySmtpAddress = `${alias}@${org.vanityDomain}`;
    mailboxes.push(
      org.addMailbox({
        guid: mailboxGuid,
        externalDirectoryObjectId: edoid,
        alias,
        name,
        displayName: `${first} ${last}`,
        firstName: first,
        lastName: last,
        primarySmtpAddress,
        department,
        whenCreated: start - floor(rng() * 365 * DAY),
      }),
    );
  }

  // ---- groups
  const groupNow = start;
  const pilot = org.addGroup({ name: 'Mobile Pilot', recipientTypeDetails: 'MailUniversalSecurityGroup', guid: guid(rng), externalDirectoryObjectId: guid(rng), now: groupNow });
  const sales = org.addGroup({ name: 'Sales', recipientTypeDetails: 'MailUniversalDistributionGroup', guid: guid(rng), externalDirectoryObjectId: guid(rng), now: groupNow });
  const engineering = org.addGroup({ name: 'Engineering', recipientTypeDetails: 'MailUniversalSecurityGroup', guid: guid(rng), externalDirectoryObjectId: guid(rng), now: groupNow });
  const executives = org.addGroup({ name: 'Executives', recipientTypeDetails: 'MailUniversalDistributionGroup', guid: guid(rng), externalDirectoryObjectId: guid(rng), now: groupNow });
  const empty = org.addGroup({ name: 'Empty Group', recipientTypeDetails: 'MailUniversalDistributionGroup', guid: guid(rng), externalDirectoryObjectId: guid(rng), now: groupNow });
  const phoenix = org.addGroup({ name: 'Project Phoenix', recipientTypeDetails: 'GroupMailbox', guid: guid(rng), externalDirectoryObjectId: guid(rng), now: groupNow });
  const field = org.addGroup({ name: 'Field Staff', recipientTypeDetails: 'MailUniversalDistributionGroup', guid: guid(rng), externalDirectoryObjectId: guid(rng), now: groupNow });
  org.addMember(field, pilot);
  org.addMember(field, phoenix);
  mailboxes.forEach((mb, i) => {
    if (i < FIXTURE_USERS.length || i % 97 === 0) org.addMember(pilot, mb);
    if (rng() < 0.1) org.addMember(sales, mb);
    if (rng() < 0.15) org.addMember(engineering, mb);
    // Index-based, not drawn: the other groups' draws (and so every device) stay as they were.
    if (i === 0 || i % 13 === 1) org.addMember(phoenix, mb);
    if (i % 50 === 7) org.addMember(field, mb);
    if (i >= 3 && i < 23) {
      org.addMember(executives, mb);
      mb.policy = restricted;
    }
  });

  // ---- device plan: who gets which kind of device
  const plan: PlannedDevice[] = [];
  if (fixturesOn) {
    plan.push(
      { mailbox: 0, kind: 'iphone', special: null, fixture: 'twoSameTypeDevices' },
      { mailbox: 0, kind: 'iphone', special: null, fixture: 'twoSameTypeDevices' },
      { mailbox: 1, kind: 'samsung', special: 'quarantineModel', fixture: 'quarantinedDeviceGuid' },
      { mailbox: 2, kind: 'ipad', special: 'blocked', fixture: 'blockedDeviceGuid' },
      { mailbox: 0, kind: 'outlook-ios', special: null, fixture: 'outlook' },
    );
  }
  if (moreFixtures) {
    plan.push(
      { mailbox: 3, kind: 'outlook-android', special: 'hx', fixture: 'hxOutlookDeviceGuid' },
      { mailbox: 4, kind: 'outlook-ios', special: 'rest', fixture: 'restOutlookDeviceGuid' },
      { mailbox: 5, kind: 'iphone', special: null },
    );
  }
  const withDevices = fixturesOn ? min(nMailboxes, nDevices - 2) : min(nMailboxes, nDevices);
  const randomSpecial = (): Special => {
    const r = rng();
    if (r < 0.015) return 'blocked';
    if (r < 0.018) return 'allowedIndividually';
    if (r < 0.023) return 'discovery';
    return null;
  };
  for (let i = fixtureMailboxes; i < withDevices; i++) plan.push({ mailbox: i, kind: chooseKind(rng, outlookShare), special: randomSpecial() });
  while (plan.length < nDevices) plan.push({ mailbox: floor(rng() * withDevices), kind: chooseKind(rng, outlookShare), special: randomSpecial() });

  // ---- devices, created in FirstSyncTime order
  const built = plan.map((p, index) => buildDevice(p, index, mailboxes[p.mailbox], rng, between, start, asOf));
  built.sort((a, b) => a.firstSync - b.firstSync || a.index - b.index);
  const fixtures: SeedFixtures = {};
  const fixtureGuids: Record<string, string[]> = {};
  for (const b of built) {
    const mb = b.mailbox;
    if (b.plan.special === 'blocked') mb.blockedDeviceIds.push(b.look.deviceId);
    if (b.plan.special === 'allowedIndividually') mb.allowedDeviceIds.push(b.look.deviceId);
    const look = b.look;
    // Explicit properties, not a spread: spread copies here cost seconds at 100,000 devices.
    const device = org.addDevice({
      deviceId: look.deviceId,
      deviceType: look.deviceType,
      clientType: look.clientType,
      deviceModel: look.deviceModel,
      deviceOs: look.deviceOs,
      deviceOsLanguage: look.deviceOsLanguage,
      deviceUserAgent: look.deviceUserAgent,
      friendlyName: look.friendlyName,
      deviceImei: look.deviceImei,
      deviceMobileOperator: look.deviceMobileOperator,
      deviceTelephoneNumber: look.deviceTelephoneNumber,
      guid: b.guid,
      mailbox: mb,
      access: b.plan.special === 'discovery' ? { state: 'DeviceDiscovery' as AccessState, reason: 'Global', rule: null } : undefined,
      isManaged: b.managed,
      isCompliant: b.compliant,
      firstSyncTime: b.firstSync,
      whenCreated: b.firstSync,
      whenChanged: b.whenChanged,
      lastSuccessSync: b.lastSuccess,
      lastSyncAttemptTime: b.lastAttempt,
      lastPolicyUpdateTime: b.lastPolicyUpdate,
      policyApplicationStatus: b.policyStatus,
      numberOfFoldersSynced: b.folders,
      isRemoteWipeSupported: look.deviceType !== 'WindowsMail',
    });
    if (b.plan.fixture) (fixtureGuids[b.plan.fixture] ??= []).push(device.guid);
    if (device.accessState !== 'Allowed' && device.clientType === 'EAS' && device.lastSuccessSync !== null) {
      // A device that may not sync keeps trying: only the attempt time is recent.
      device.lastSyncAttemptTime = max(device.lastSuccessSync, asOf - floor(b.attemptJitter * DAY));
    }
  }
  if (fixturesOn) {
    const [alex, megan, lee] = mailboxes;
    const devicesOf = (mb: Mailbox) => mb.devices.view().map((d: Device) => d.guid);
    fixtures.twoSameTypeDevices = { upn: alex.upn, mailboxName: alex.name, deviceType: 'iPhone', deviceGuids: fixtureGuids.twoSameTypeDevices ?? [] };
    fixtures.smtpDiffersFromUpn = { upn: megan.upn, primarySmtpAddress: megan.primarySmtpAddress, deviceGuids: devicesOf(megan) };
    fixtures.guidNamedMailbox = { upn: lee.upn, mailboxName: lee.name, deviceGuids: devicesOf(lee) };
    fixtures.outlookDeviceGuid = fixtureGuids.outlook?.[0];
    fixtures.blockedDeviceGuid = fixtureGuids.blockedDeviceGuid?.[0];
    fixtures.quarantinedDeviceGuid = fixtureGuids.quarantinedDeviceGuid?.[0];
  }
  if (moreFixtures) {
    const [slash, spaces, differs] = mailboxes.slice(3, 6);
    const devicesOf = (mb: Mailbox) => mb.devices.view().map((d: Device) => d.guid);
    fixtures.slashNamedMailbox = { upn: slash.upn, mailboxName: slash.name, deviceGuids: devicesOf(slash) };
    fixtures.spaceNamedMailbox = { upn: spaces.upn, mailboxName: spaces.name, deviceGuids: devicesOf(spaces) };
    fixtures.nameDiffersFromAlias = { upn: differs.upn, alias: differs.alias, mailboxName: differs.name, deviceGuids: devicesOf(differs) };
    fixtures.hxOutlookDeviceGuid = fixtureGuids.hxOutlookDeviceGuid?.[0];
    fixtures.restOutlookDeviceGuid = fixtureGuids.restOutlookDeviceGuid?.[0];
    const stale = mailboxes[6];
    if (stale && stale.devices.size > 0) {
      stale.partnershipFlag = false;
      fixtures.stalePartnershipFlag = { upn: stale.upn, mailboxName: stale.name, deviceGuids: devicesOf(stale) };
    }
  }

  return {
    org,
    summary: {
      devices: org.devices.size,
      mailboxes: org.mailboxes.size,
      mailboxesWithDevices: withDevices,
      groups: [pilot, sales, engineering, executives, empty, phoenix, field].map((g) => ({ name: g.name, distinguishedName: g.distinguishedName, members: g.members.size, kind: groupKind(g) })),
      policies: org.policies.view().map((p) => p.name),
      accessRules: org.accessRules.view().map((r) => r.name),
      fixtures,
      asOf: new Date(asOf).toISOString(),
    },
  };
}

function buildDevice(
  plan: PlannedDevice,
  index: number,
  mailbox: Mailbox,
  rng: Rng,
  between: (a: number, b: number) => number,
  start: number,
  asOf: number,
) {
  const look = deviceLook(rng, plan.kind, {
    samsungModel: plan.special === 'quarantineModel' ? QUARANTINED_MODEL : undefined,
    outlookClient: plan.special === 'hx' ? 'Outlook' : plan.special === 'rest' ? 'REST' : undefined,
  });
  const deviceGuid = guid(rng);
  const firstSync = between(start, asOf - DAY);
  const r = rng();
  const age = r < 0.8 ? rng() * 2 * DAY : r < 0.9 ? (2 + rng() * 28) * DAY : (30 + rng() * 370) * DAY;
  const lastSuccess = max(firstSync, floor(asOf - age));
  const lastAttempt = min(asOf, lastSuccess + floor(rng() * 10 * MINUTE));
  const managed = rng() < 0.25;
  const policyRoll = rng();
  return {
    index,
    plan,
    mailbox,
    look,
    guid: deviceGuid,
    firstSync,
    lastSuccess,
    lastAttempt,
    whenChanged: between(firstSync, asOf),
    lastPolicyUpdate: between(firstSync, lastSuccess),
    managed,
    compliant: managed && rng() < 0.9,
    policyStatus: policyRoll < 0.85 ? 'AppliedInFull' : policyRoll < 0.95 ? 'PartiallyApplied' : 'NotApplied',
    folders: 5 + floor(rng() * 25),
    attemptJitter: rng(),
  };
}
