/* eslint-disable @typescript-eslint/no-deprecated -- on purpose, see below */
import { DashboardBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * The SDK marks the classic dashboard model deprecated in favour of `dashboardv2`, but the classic JSON
 * (schemaVersion 4x) is what Grafana's file provisioning loads and what every Grafana from 9 to 12
 * imports; v2 needs Grafana 12 with its new dashboard API. The deprecation stays contained here.
 */
export type ClassicDashboard = Dashboard;

export function classicDashboard(title: string): DashboardBuilder {
  return new DashboardBuilder(title);
}
