import { reportTable } from '../../lib/app/reports/table';
import type { ReportAnswer } from '../../lib/app/reports/schemas';

describe("a report's CSV columns", () => {
  test('When a report has no rows, then its CSV still has the columns of its row shape', () => {
    const wipes = { report: 'wipes', generatedAt: 'x', windowDays: 30, since: 'y', pending: 0, recent: 0, rows: [] } as ReportAnswer;
    expect(reportTable(wipes).columns).toEqual(['actionId', 'state', 'pending', 'mode', 'requestedBy', 'requestedAt', 'reason', 'deviceGuid', 'deviceId', 'name', 'user', 'mailbox', 'updatedAt', 'note']);
    const os = { report: 'devices-by-os', generatedAt: 'x', runId: 'r', total: 0, rows: [] } as ReportAnswer;
    expect(reportTable(os).columns).toEqual(['value', 'count']);
  });

  test('When rows hold calls of different cmdlets, then each cmdlet is a column after the fixed ones, in the order first seen', () => {
    const run = (calls: Record<string, number>) => ({ runId: 'r', kind: 'full', outcome: 'succeeded', startedAt: 's', endedAt: null, durationMs: null, activeMs: null, invocations: 1, exchangeCalls: 0, throttled: 0, retries: 0, seen: 0, new: 0, changed: 0, removed: 0, stale: 0, statisticsUnavailable: 0, mailboxesWithoutStatistics: 0, error: null, callsByCmdlet: calls });
    const health = { report: 'sync-health', generatedAt: 'x', failedRuns: 0, mailboxesWithoutStatistics: null, rows: [run({ 'Get-MobileDevice': 1 }), run({ 'Get-Mailbox': 2, 'Get-MobileDevice': 1 })] } as ReportAnswer;
    const { columns } = reportTable(health);
    expect(columns.slice(-2)).toEqual(['callsByCmdlet.Get-MobileDevice', 'callsByCmdlet.Get-Mailbox']);
    expect(columns[columns.length - 3]).toBe('error');
  });
});
