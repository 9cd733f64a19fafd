// The analytics dashboard (/admin): asks for the admin key (kept in sessionStorage only),
// reads GET /admin/analytics, and draws its charts as SVG built here: no external script.
'use strict';
(() => {
  const KEY = 'himsearch.adminKey';
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    node.append(...children);
    return node;
  }

  const percent = (part, whole) => (whole ? `${Math.round((part / whole) * 1000) / 10}%` : '0%');

  function status(message, error) {
    $('status').textContent = message;
    $('status').classList.toggle('error', Boolean(error));
  }

  function fillTable(id, rows, columns) {
    const body = $(id).tBodies[0];
    if (!rows.length) {
      body.replaceChildren(el('tr', {}, el('td', { colspan: String(columns), class: 'empty' }, 'Nothing in this period.')));
      return;
    }
    body.replaceChildren(...rows.map((cells) => el('tr', {}, ...cells)));
  }

  // A link that opens the search page on `query`.
  function queryLink(query) {
    const url = new URL('/', location.href);
    url.searchParams.set('q', query);
    return el('a', { href: url.pathname + url.search }, query);
  }

  // Drawn at the figure's width, so that text keeps its size on a phone and a wide screen.
  function chartWidth(figure, least) {
    const style = getComputedStyle(figure);
    const inner = figure.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.max(least, Math.floor(inner) || least);
  }

  function perDayChart(days) {
    const width = chartWidth($('per-day'), Math.min(280, days.length * 22));
    const height = 180;
    const top = 16;
    const bottom = 28;
    const left = 36;
    const max = Math.max(1, ...days.map((d) => Math.max(d.searches, d.clicks)));
    const slot = (width - left) / days.length;
    const bar = Math.max(3, Math.min(16, slot * 0.42));
    const y = (n) => height - bottom - ((height - bottom - top) * n) / max;
    const chart = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': `Searches per day, ${days[0].date} to ${days[days.length - 1].date}: `
        + days.map((d) => `${d.date} ${d.searches}`).join(', '),
    });
    chart.append(svg('line', { class: 'axis', x1: left, x2: width, y1: height - bottom, y2: height - bottom }));
    chart.append(svg('text', { x: left - 6, y: top + 4, 'text-anchor': 'end' }, String(max)));
    chart.append(svg('text', { x: left - 6, y: height - bottom, 'text-anchor': 'end' }, '0'));
    days.forEach((day, i) => {
      const x = left + i * slot + (slot - 2 * bar) / 2;
      const group = svg('g', { class: 'day', 'data-date': day.date },
        svg('title', {}, `${day.date}: ${day.searches} searches, ${day.zero_results} found nothing, ${day.clicks} clicks`));
      group.append(svg('rect', { class: 'bar-searches', x, y: y(day.searches), width: bar, height: y(0) - y(day.searches) }));
      group.append(svg('rect', { class: 'bar-zero', x, y: y(day.zero_results), width: bar, height: y(0) - y(day.zero_results) }));
      group.append(svg('rect', { class: 'bar-clicks', x: x + bar, y: y(day.clicks), width: bar, height: y(0) - y(day.clicks) }));
      chart.append(group);
      const every = Math.ceil(days.length / 7);
      if (i % every === 0 || i === days.length - 1) {
        chart.append(svg('text', { x: x + bar, y: height - 8, 'text-anchor': 'middle' }, day.date.slice(5)));
      }
    });
    const legend = el('ul', { class: 'legend' },
      el('li', {}, el('span', { class: 'searches' }), 'Searches'),
      el('li', {}, el('span', { class: 'zero' }), 'Found nothing'),
      el('li', {}, el('span', { class: 'clicks' }), 'Clicks'));
    $('per-day').replaceChildren(chart, legend);
  }

  function positionsChart(positions, clicks) {
    if (!positions.length) {
      $('positions').replaceChildren(el('p', { class: 'hint' }, 'No clicks in this period.'));
      return;
    }
    const rowHeight = 22;
    const width = Math.min(chartWidth($('positions'), 240), 560);
    const left = 34;
    const right = 70;
    const height = positions.length * rowHeight + 8;
    const max = Math.max(1, ...positions.map((p) => p.clicks));
    const chart = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': 'Clicks by position: ' + positions.map((p) => `${p.position}: ${p.clicks}`).join(', '),
    });
    positions.forEach((p, i) => {
      const yTop = 4 + i * rowHeight;
      const length = ((width - left - right) * p.clicks) / max;
      chart.append(svg('g', { class: 'position' },
        svg('title', {}, `Position ${p.position}: ${p.clicks} clicks (${percent(p.clicks, clicks)})`),
        svg('text', { x: left - 8, y: yTop + 14, 'text-anchor': 'end' }, `#${p.position}`),
        svg('rect', { class: 'bar-clicks', x: left, y: yTop + 3, width: Math.max(1, length), height: rowHeight - 8 }),
        svg('text', { x: left + length + 6, y: yTop + 14 }, `${p.clicks} (${percent(p.clicks, clicks)})`)));
    });
    $('positions').replaceChildren(chart);
  }

  let shown = null;

  function drawCharts() {
    perDayChart(shown.per_day);
    positionsChart(shown.clicks_by_position, shown.clicks);
  }

  function render(report) {
    shown = report;
    $('report').hidden = false;
    $('searches').textContent = report.searches.toLocaleString();
    $('zero-share').textContent = percent(report.zero_result_searches, report.searches);
    $('clicks').textContent = report.clicks.toLocaleString();
    const withClick = report.top_queries.reduce((n, q) => n + Math.round(q.click_rate * q.count), 0);
    const counted = report.top_queries.reduce((n, q) => n + q.count, 0);
    $('click-share').textContent = percent(withClick, counted);
    fillTable('top-queries', report.top_queries.map((q) => [
      el('td', {}, queryLink(q.query)), el('td', { class: 'num' }, String(q.count)),
      el('td', { class: 'num' }, percent(q.click_rate, 1))]), 3);
    fillTable('zero-queries', report.zero_result_queries.map((q) => [
      el('td', {}, queryLink(q.query)), el('td', { class: 'num' }, String(q.count))]), 2);
    const kinds = { typo: 'Misspelled', synonym: 'Another form', uncovered: 'Not covered', filtered: 'Filtered out' };
    fillTable('gaps', report.content_gaps.map((g) => [
      el('td', {}, queryLink(g.query)),
      el('td', {}, el('span', { class: 'gap-kind' }, kinds[g.kind] || g.kind), g.advice,
        g.suggestion ? el('br') : null, g.suggestion ? queryLink(g.suggestion) : null),
      el('td', { class: 'num' }, String(g.count))]), 3);
    drawCharts();
    fillTable('top-clicked', report.top_clicked.map((p) => [
      el('td', {}, p.title || p.id, el('br'), el('small', {}, p.id)),
      el('td', { class: 'num' }, String(p.count))]), 2);
    fillTable('facets', report.facets_used.map((f) => [
      el('td', {}, f.facet), el('td', {}, f.value), el('td', { class: 'num' }, String(f.count))]), 3);
  }

  async function load() {
    const key = sessionStorage.getItem(KEY);
    if (!key) {
      $('key-form').hidden = false;
      $('controls').hidden = true;
      $('report').hidden = true;
      return;
    }
    $('key-form').hidden = true;
    $('controls').hidden = false;
    status('Loading…');
    document.body.setAttribute('aria-busy', 'true');
    try {
      const url = `/admin/analytics?days=${encodeURIComponent($('days').value)}`;
      const response = await fetch(url, { headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
      const body = await response.json().catch(() => null);
      if (response.status === 401) {
        sessionStorage.removeItem(KEY);
        $('key-form').hidden = false;
        $('controls').hidden = true;
        $('report').hidden = true;
        status('That key was refused. Enter the admin key the server was started with.', true);
        return;
      }
      if (!response.ok) {
        status(`The report could not be read: ${body && body.error ? body.error.message : `HTTP ${response.status}`}`, true);
        return;
      }
      render(body);
      status(`${body.from} to ${body.to} (UTC)`);
    } catch (error) {
      status('The server could not be reached.', true);
    } finally {
      document.body.removeAttribute('aria-busy');
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY, $('key').value.trim());
      $('key').value = '';
      load();
    });
    $('days').addEventListener('change', load);
    let pending = 0;
    window.addEventListener('resize', () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => { if (shown && !$('report').hidden) drawCharts(); });
    });
    $('forget').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      status('The key is forgotten in this tab.');
      load();
    });
    load();
  });
})();
