/* eslint-disable @typescript-eslint/no-deprecated -- on purpose, see below */
import { DashboardBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * The SDK marks the classic dashboard model deprecated in favour of `dashboardv2`, but the classic JSON
 * (schemaVersion 4x) is what Grafana's file provisioning loads and what every Grafana from 9 to 12
 * imports; v2 needs Grafana 12 with its new dashboard API. The deprecation stays contained here.
 */
export type ClassicDashboard = Dashboard;

/** A Loa dashboard: tagged `loa`, the browser's time zone, ending now and refreshed on its own. */
export function classicDashboard(
  title: string,
  { uid, from, refresh = '1m' }: { uid: string; from: string; refresh?: string },
): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .tags(['loa'])
    .time({ from, to: 'now' })
    .refresh(refresh)
    .timezone('browser');
}
