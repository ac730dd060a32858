/**
 * PartitionKey and RowKey rules shared by the repositories. Azure forbids `/ \ # ?` and
 * control characters in keys and compares them as strings, so keys are lowercased and
 * checked here, and time-ordered keys are fixed-width numbers.
 */
import { ValidationError } from '../errors';

const tenantPattern = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** The tenant as it appears in keys: a tenant id GUID or a domain, lowercased. */
export function tenantKey(tenantId: string): string {
  const t = typeof tenantId === 'string' ? tenantId.trim().toLowerCase() : '';
  if (!tenantPattern.test(t)) throw ValidationError.of('tenantId', `must be a tenant id or domain (letters, digits, . _ -), got "${String(tenantId)}"`);
  return t;
}

/** A device guid as its RowKey: lowercased, so lookups do not depend on Exchange's casing. */
export function deviceKey(deviceGuid: string): string {
  const g = typeof deviceGuid === 'string' ? deviceGuid.trim().toLowerCase() : '';
  if (!idPattern.test(g)) throw ValidationError.of('deviceGuid', `must be a device guid, got "${String(deviceGuid)}"`);
  return g;
}

/** Run ids, action ids, checkpoint kinds: safe inside a RowKey. */
export function idKey(field: string, value: string): string {
  if (typeof value !== 'string' || !idPattern.test(value)) throw ValidationError.of(field, `must hold letters, digits, . _ : - only (at most 200), got "${String(value)}"`);
  return value;
}

/** Largest 13-digit millisecond time (year 2286): inverted keys stay fixed width. */
const MAX_MS = 9_999_999_999_999;

/** RowKeys sort ascending; an inverted time makes the newest entry come first. */
export function invertedTime(at: string | number, field = 'at'): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_MS) throw ValidationError.of(field, `must be an ISO 8601 time, got "${String(at)}"`);
  return String(MAX_MS - ms).padStart(13, '0');
}

/** 32-bit FNV-1a: cheap, stable across platforms and well spread for GUID strings. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const MIN_BUCKETS = 16;
export const MAX_BUCKETS = 256;
export const DEFAULT_BUCKETS = 64;

export function checkBucketCount(count: number): number {
  if (!Number.isInteger(count) || count < MIN_BUCKETS || count > MAX_BUCKETS) {
    throw ValidationError.of('bucketCount', `must be a whole number from ${MIN_BUCKETS} to ${MAX_BUCKETS}, got ${count}`);
  }
  return count;
}

/** Two lowercase hex characters: `00` .. `ff` (only the first `count` values are used). */
export function bucketOf(deviceGuidKey: string, count: number): string {
  return (fnv1a(deviceGuidKey) % count).toString(16).padStart(2, '0');
}
