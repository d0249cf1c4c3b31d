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

/** A markdown table of the series, with Parley's ratio to each reference (median over median). */
export function table(series: readonly Series[], unit: string, subject = 'parley'): string {
  const parley = series.find((s) => s.name === subject);
  const rows = series.map((s) => {
    const ratio = parley && s.name !== subject ? `${(parley.summary.median / s.summary.median).toFixed(2)}×` : '—';
    const f = (v: number) => (Number.isFinite(v) ? Math.round(v).toString() : '—');
    return `| ${s.label} | ${s.summary.runs} | ${f(s.summary.min)} | ${f(s.summary.median)} | ${f(s.summary.p95)} | ${ratio} |`;
  });
  return [`| system | runs | min ${unit} | median ${unit} | p95 ${unit} | Parley ÷ this |`, '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** A horizontal bar chart of medians with p95 whiskers, as a standalone SVG. */
export function barChart(title: string, series: readonly Series[], unit: string): string {
  const width = 720;
  const rowHeight = 44;
  const left = 320;
  const top = 40;
  const height = top + series.length * rowHeight + 30;
  const max = Math.max(...series.map((s) => s.summary.p95)) * 1.1 || 1;
  const x = (value: number) => left + ((width - left - 30) * value) / max;
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const rows = series.map((s, i) => {
    const y = top + i * rowHeight;
    const color = s.name === 'parley' ? '#4f8cff' : '#8a93a6';
    return [
      `<text x="${left - 10}" y="${y + 22}" text-anchor="end" font-size="13">${escape(s.label)}</text>`,
      `<rect x="${left}" y="${y + 8}" width="${Math.max(1, x(s.summary.median) - left)}" height="22" fill="${color}" rx="3"/>`,
      `<line x1="${x(s.summary.min)}" x2="${x(s.summary.p95)}" y1="${y + 19}" y2="${y + 19}" stroke="#222" stroke-width="1.5"/>`,
      `<text x="${x(s.summary.median) + 6}" y="${y + 4}" font-size="12" fill="#333">${Math.round(s.summary.median)} ${unit}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="600">${escape(title)}</text>`,
    ...rows,
    `<text x="${left}" y="${height - 8}" font-size="11" fill="#666">bar: median; line: min to p95 (${unit})</text>`,
    '</svg>',
  ].join('\n');
}
