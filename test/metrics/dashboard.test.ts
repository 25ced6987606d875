// grafana/embly.json as Grafana reads it: every panel on the Prometheus data
// source the dashboard's $datasource names, panels laid out on the grid
// without overlapping, and each query valid PromQL naming only variables the
// dashboard defines. Whether its metrics exist: prometheus.test.ts.
import test from 'ava';
import { dashboardExpressions, readDashboard, substitute, syntaxError, variablesIn, type DashboardPanel } from './expressions.js';

const GRAFANA_VARIABLES = ['__rate_interval', '__interval', '__range'];
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const overlap = (a: DashboardPanel['gridPos'], b: DashboardPanel['gridPos']) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

test('every panel queries the $datasource variable\'s Prometheus, and the panels do not overlap', (t) => {
  const dashboard = readDashboard();
  t.is(dashboard.uid, 'embly');
  t.true(dashboard.schemaVersion >= 39);
  const ids = dashboard.panels.map((p) => p.id);
  t.is(new Set(ids).size, ids.length, 'panel ids are unique');
  const titles = dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.title);
  t.is(new Set(titles).size, titles.length, 'panel titles are unique');
  const datasource = dashboard.templating.list.find((v) => v.name === 'datasource');
  t.like(datasource, { type: 'datasource', query: 'prometheus' });
  for (const panel of dashboard.panels) {
    const { x, w } = panel.gridPos;
    t.true(x >= 0 && w > 0 && x + w <= 24, `"${panel.title}" fits the 24 columns`);
    for (const other of dashboard.panels) {
      if (other !== panel) t.false(overlap(panel.gridPos, other.gridPos), `"${panel.title}" and "${other.title}" overlap`);
    }
    if (panel.type === 'row') continue;
    t.deepEqual(panel.datasource, DATASOURCE, `"${panel.title}" datasource`);
    t.true((panel.targets ?? []).length > 0, `"${panel.title}" has queries`);
    const refIds = (panel.targets ?? []).map((target) => target.refId);
    t.is(new Set(refIds).size, refIds.length, `"${panel.title}" refIds are unique`);
    for (const target of panel.targets ?? []) t.deepEqual(target.datasource, DATASOURCE, `"${panel.title}" ${target.refId} datasource`);
  }
});

test('every query of the dashboard is valid PromQL naming only variables the dashboard defines', (t) => {
  const dashboard = readDashboard();
  const defined = [...dashboard.templating.list.map((v) => v.name), ...GRAFANA_VARIABLES];
  const values = Object.fromEntries(defined.map((name) => [name, name.startsWith('__') ? '5m' : 'a|b']));
  const expressions = dashboardExpressions(dashboard);
  t.true(expressions.length > 0);
  for (const { source, expr } of expressions) {
    t.deepEqual(variablesIn(expr).filter((v) => !defined.includes(v)), [], `${source}: undefined variables`);
    t.is(syntaxError(substitute(expr, values)), undefined, source);
  }
});
