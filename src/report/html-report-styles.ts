// The HTML report's one stylesheet. The file's Content-Security-Policy allows exactly this text by its SHA-256 hash
// (html-report.ts), so the page needs no 'unsafe-inline' and no style attribute: classes only.
export const HTML_REPORT_CSS = `
:root{--fg:#1b1f24;--muted:#5b6471;--line:#d8dde4;--bg:#f6f8fa;--card:#fff;--critical:#8b0000;--high:#c2410c;--medium:#a16207;--low:#4d7c0f;--ok:#166534;--warn:#92400e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.top{background:#0f2741;color:#fff;padding:12px 24px}
header.top h1{margin:0;font-size:18px}
header.top .sub{color:#c9d6e3;font-size:13px}
main{padding:16px 24px;display:grid;gap:16px}
section.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;overflow-x:auto}
h2{font-size:16px;margin:0 0 8px}
h3{font-size:14px;margin:12px 0 6px}
.overview{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.kpi-label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.kpi-value{font-size:28px;font-weight:600}
.kpi-note{color:var(--muted);font-size:12px}
.gate{border-left:6px solid var(--muted)}
.gate-fail{border-left-color:var(--critical)}
.gate-unverified{border-left-color:var(--warn)}
.gate-pass{border-left-color:var(--ok)}
.warn{color:var(--warn)}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.pill{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}.sev-low{background:var(--low)}
.status{font-weight:600}
.status-fail{color:var(--critical)}.status-unknown,.status-error{color:var(--warn)}.status-pass{color:var(--ok)}.status-notApplicable{color:var(--muted)}
.badge{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0 4px;font-size:12px;margin-left:4px}
.exc-applied{background:#e0f2fe}.exc-expired{background:#fee2e2}.exc-notNeeded{background:#f1f5f9}
.meta{color:var(--muted);font-size:12px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
dl.evidence{margin:0;display:grid;grid-template-columns:auto 1fr;gap:0 8px}
dl.evidence dt{color:var(--muted);font-size:12px}
dl.evidence dd{margin:0;font-size:12px;word-break:break-word}
.msg{max-width:40em;word-break:break-word}
footer{color:var(--muted);font-size:12px;padding:8px 24px 24px}
`;
