import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { Summary } from './stats.js';

export interface Series {
  name: string;
  label: string;
  summary: Summary;
}

/** What the figures were measured on: they mean nothing without it. */
export function machineLine(): string {
  const chromium = (() => {
    try {
      return execFileSync('chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'Chromium (version unknown)';
    }
  })();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 1024 ** 3)} GiB; Node ${process.version}; ${chromium}; ${new Date().toISOString().slice(0, 10)}`;
}

/** A markdown table; cells are written as given. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** A markdown table of the series, with Parley's ratio to each reference (median over median). */
export function table(series: readonly Series[], unit: string, subject = 'parley', digits = 0): string {
  const parley = series.find((s) => s.name === subject);
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
  const rows = series.map((s) => {
    const ratio = parley && s.name !== subject ? `${(parley.summary.median / s.summary.median).toFixed(2)}×` : '—';
    return [s.label, String(s.summary.runs), f(s.summary.min), f(s.summary.median), f(s.summary.p95), ratio];
  });
  return markdownTable(['system', 'runs', `min ${unit}`, `median ${unit}`, `p95 ${unit}`, 'Parley ÷ this'], rows);
}

/**
 * Puts `content` between the markers of section `id` in a markdown document
 * (appended, with its markers, when absent), so one benchmark run alone
 * rewrites only its own part of docs/benchmarks.md.
 */
export function replaceSection(markdown: string, id: string, content: string): string {
  const start = `<!-- ${id}:start -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${start}\n${content.trim()}\n${end}`;
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from >= 0 && to > from) return markdown.slice(0, from) + block + markdown.slice(to + end.length);
  return `${markdown.trimEnd()}\n\n${block}\n`;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A horizontal bar chart of medians with p95 whiskers, as a standalone SVG. */
export function barChart(title: string, series: readonly Series[], unit: string, digits = 0): string {
  const width = 720;
  const rowHeight = 44;
  const left = 320;
  const top = 40;
  const height = top + series.length * rowHeight + 30;
  const max = Math.max(...series.map((s) => s.summary.p95)) * 1.1 || 1;
  const x = (value: number) => left + ((width - left - 30) * value) / max;
  const rows = series.map((s, i) => {
    const y = top + i * rowHeight;
    const color = s.name === 'parley' ? '#4f8cff' : '#8a93a6';
    return [
      `<text x="${left - 10}" y="${y + 22}" text-anchor="end" font-size="13">${escapeXml(s.label)}</text>`,
      `<rect x="${left}" y="${y + 8}" width="${Math.max(1, x(s.summary.median) - left)}" height="22" fill="${color}" rx="3"/>`,
      `<line x1="${x(s.summary.min)}" x2="${x(s.summary.p95)}" y1="${y + 19}" y2="${y + 19}" stroke="#222" stroke-width="1.5"/>`,
      `<text x="${x(s.summary.median) + 6}" y="${y + 4}" font-size="12" fill="#333">${s.summary.median.toFixed(digits)} ${unit}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    ...rows,
    `<text x="${left}" y="${height - 8}" font-size="11" fill="#666">bar: median; line: min to p95 (${unit})</text>`,
    '</svg>',
  ].join('\n');
}

/** One group of a grouped bar chart: a label (e.g. a client count) and a bar per system. */
export interface BarGroup {
  label: string;
  bars: { name: string; value: number }[];
}

/** Colours per system name; Parley always blue, as in barChart. */
const PALETTE: Record<string, string> = { parley: '#4f8cff', 'parley-3': '#1f4fa8', 'parley-semi2': '#7fb0ff', floor: '#8a93a6', peerjs: '#e0a040', socketio: '#c0504d' };

/**
 * Vertical bars grouped by label, one colour per series name, as a fragment
 * placed at (x, y) — several panels make one SVG with `svgDocument`.
 */
export function groupedBarPanel(title: string, groups: readonly BarGroup[], unit: string, at: { x: number; y: number; width: number; height: number }): string {
  const top = at.y + 28;
  const bottom = at.y + at.height - 24;
  const max = Math.max(...groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)))) * 1.15 || 1;
  const groupWidth = at.width / Math.max(1, groups.length);
  const parts = [`<text x="${at.x}" y="${at.y + 16}" font-size="14" font-weight="600">${escapeXml(title)}</text>`, `<line x1="${at.x}" x2="${at.x + at.width}" y1="${bottom}" y2="${bottom}" stroke="#999"/>`];
  groups.forEach((group, g) => {
    const barWidth = (groupWidth * 0.8) / Math.max(1, group.bars.length);
    const x0 = at.x + g * groupWidth + groupWidth * 0.1;
    group.bars.forEach((bar, b) => {
      const value = Number.isFinite(bar.value) ? bar.value : 0;
      const h = ((bottom - top) * value) / max;
      const x = x0 + b * barWidth;
      parts.push(`<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${Math.max(0.5, h).toFixed(1)}" fill="${PALETTE[bar.name] ?? '#666'}"><title>${escapeXml(`${bar.name}: ${bar.value.toPrecision(3)} ${unit}`)}</title></rect>`);
      parts.push(`<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(bottom - h - 3).toFixed(1)}" font-size="9" text-anchor="middle" fill="#333">${formatValue(value)}</text>`);
    });
    parts.push(`<text x="${(x0 + groupWidth * 0.4).toFixed(1)}" y="${bottom + 15}" font-size="11" text-anchor="middle" fill="#333">${escapeXml(group.label)}</text>`);
  });
  return parts.join('\n');
}

function formatValue(value: number): string {
  return value >= 100 ? Math.round(value).toString() : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A standalone SVG of panels, with a legend of the series names. */
export function svgDocument(width: number, height: number, panels: readonly string[], legend: readonly { name: string; label: string }[]): string {
  const items = legend.map((item, i) => `<rect x="${20 + i * 170}" y="${height - 22}" width="12" height="12" fill="${PALETTE[item.name] ?? '#666'}"/><text x="${36 + i * 170}" y="${height - 12}" font-size="12">${escapeXml(item.label)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels,
    ...items,
    '</svg>',
  ].join('\n');
}
