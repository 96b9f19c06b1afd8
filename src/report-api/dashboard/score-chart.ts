// The estate score over the recent runs as inline SVG: a line for the score (0–100) above stacked bars of failures
// per severity. Native <title> elements give each run a tooltip; no script, no external assets.
import type { RunRecord } from "../../audit/audit-store";
import { SEVERITIES, type Severity } from "../../rules/rule";
import { html, join, type SafeHtml } from "./html";

export const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: "#b42318",
  high: "#e0590b",
  medium: "#c99a06",
  low: "#2f80c9",
};

const WIDTH = 760;
const LEFT = 40;
const RIGHT = 14;
const SCORE_TOP = 14;
const SCORE_HEIGHT = 150;
const BARS_TOP = 196;
const BARS_HEIGHT = 70;
const HEIGHT = 300;

export function scoreChart(runs: readonly RunRecord[]): SafeHtml {
  if (runs.length === 0) return html`<p class="empty">No completed run yet.</p>`;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const step = plotWidth / runs.length;
  const x = (i: number): number => LEFT + step * i + step / 2;
  // The axis starts at a round number below the lowest score (never above 50), so small changes stay visible while
  // the labels keep the scale honest.
  const scores = runs.map((r) => r.estateScore).filter((s): s is number => typeof s === "number");
  const floor = Math.min(50, Math.max(0, Math.floor((Math.min(100, ...scores) - 5) / 10) * 10));
  const yScore = (score: number): number => SCORE_TOP + SCORE_HEIGHT * (1 - (score - floor) / (100 - floor));
  const totals = runs.map((r) => SEVERITIES.reduce((n, s) => n + (r.failuresBySeverity?.[s] ?? 0), 0));
  const maxFailures = Math.max(1, ...totals);
  const barScale = BARS_HEIGHT / maxFailures;
  const barWidth = Math.max(3, Math.min(18, step * 0.6));

  const tickStep = 100 - floor <= 50 ? 10 : 25;
  const ticks = Array.from({ length: Math.floor((100 - floor) / tickStep) + 1 }, (_, k) => floor + k * tickStep);
  const grid = ticks.map(
    (v) =>
      html`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${yScore(v).toFixed(1)}" y2="${yScore(v).toFixed(1)}"/><text class="axis" x="${LEFT - 6}" y="${(yScore(v) + 4).toFixed(1)}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`,
  );
  const scored = runs.map((r, i) => ({ r, i })).filter(({ r }) => typeof r.estateScore === "number");
  const path = scored
    .map(({ r, i }, n) => `${n === 0 ? "M" : "L"}${x(i).toFixed(1)},${yScore(r.estateScore as number).toFixed(1)}`)
    .join(" ");
  const area =
    scored.length > 1
      ? `${path} L${x(scored.at(-1)!.i).toFixed(1)},${yScore(floor).toFixed(1)} L${x(scored[0]!.i).toFixed(1)},${yScore(floor).toFixed(1)} Z`
      : "";

  const columns = runs.map((run, i) => {
    let top = BARS_TOP + BARS_HEIGHT;
    const segments = SEVERITIES.map((severity) => {
      const count = run.failuresBySeverity?.[severity] ?? 0;
      if (count === 0) return html``;
      const h = count * barScale;
      top -= h;
      return html`<rect class="bar bar-${severity}" x="${(x(i) - barWidth / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${SEVERITY_COLOURS[severity]}"/>`;
    });
    const score = typeof run.estateScore === "number" ? run.estateScore.toFixed(1) : "not assessed";
    const failures = SEVERITIES.map((s) => `${run.failuresBySeverity?.[s] ?? 0} ${s}`).join(", ");
    const point =
      typeof run.estateScore === "number"
        ? html`<circle class="point" cx="${x(i).toFixed(1)}" cy="${yScore(run.estateScore).toFixed(1)}" r="${i === runs.length - 1 ? 4.5 : 3}"/>`
        : html``;
    // A transparent full-height column carries the tooltip, so hovering anywhere above a run explains it.
    return html`<g class="run" data-run-id="${run.runId}"><title>${shortDate(run.startedAt ?? run.runId)} · score ${score} · failures: ${failures}</title><rect class="hit" x="${(x(i) - step / 2).toFixed(1)}" y="${SCORE_TOP}" width="${step.toFixed(1)}" height="${BARS_TOP + BARS_HEIGHT - SCORE_TOP}" fill="transparent"/>${segments}${point}</g>`;
  });

  // Dates under the bars: about six on a wide screen; on a narrow one CSS hides the minor ones (first, middle, last stay).
  const lastIndex = runs.length - 1;
  const labelEvery = Math.max(1, Math.ceil(runs.length / 6));
  const middle = Math.round(lastIndex / 2 / labelEvery) * labelEvery;
  const labels = runs.map((run, i) => {
    const major = i === 0 || i === lastIndex || i === middle;
    const shown = i === lastIndex || (i % labelEvery === 0 && lastIndex - i >= labelEvery);
    if (!shown) return html``;
    const anchor = i === lastIndex && runs.length > 1 ? "end" : i === 0 && runs.length > 1 ? "start" : "middle";
    const at =
      i === lastIndex && runs.length > 1 ? x(i) + step / 2 : i === 0 && runs.length > 1 ? x(i) - step / 2 : x(i);
    return html`<text class="axis x-label${major ? "" : " x-minor"}" x="${at.toFixed(1)}" y="${HEIGHT - 8}" text-anchor="${anchor}">${shortDate(run.startedAt ?? "")}</text>`;
  });
  const last = scored.at(-1);
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" preserveAspectRatio="xMidYMid meet">
<title id="chart-title">Estate score over the last ${runs.length} runs</title>
<desc id="chart-desc">Line: estate score (axis ${floor} to 100)${last !== undefined ? `, latest ${(last.r.estateScore as number).toFixed(1)}` : ""}. Bars: failures per run, stacked by severity (critical, high, medium, low), highest ${maxFailures}.</desc>
${join(grid)}
<text class="axis label" x="${LEFT}" y="${BARS_TOP - 10}">Failures by severity (max ${maxFailures})</text>
<line class="baseline" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${BARS_TOP + BARS_HEIGHT}" y2="${BARS_TOP + BARS_HEIGHT}"/>
${area === "" ? html`` : html`<path class="area" d="${area}"/>`}
${path === "" ? html`` : html`<path class="line" d="${path}"/>`}
${join(columns)}
${join(labels)}
</svg>`;
}

export function shortDate(iso: string): string {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso) ?? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})/.exec(iso);
  return match === null ? iso : `${match[2]}-${match[3]} ${match[4]}:${match[5]}`;
}
