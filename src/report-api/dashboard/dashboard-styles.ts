// The dashboard's stylesheet, inlined under a CSP nonce (no external stylesheet, no style attributes).
export const DASHBOARD_CSS = `
:root{--bg:#f4f6f9;--card:#fff;--ink:#1b2433;--muted:#5d6b82;--line:#e3e7ee;--brand:#0f2a4a;--accent:#1f6feb;
--critical:#b42318;--high:#e0590b;--medium:#c99a06;--low:#2f80c9;--good:#1a7f37;--fair:#b7791f;--poor:#b42318}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
header.top{display:flex;align-items:center;justify-content:space-between;gap:16px;flex-wrap:wrap;background:var(--brand);color:#fff;padding:10px 24px}
.brand{font-weight:600;font-size:16px;letter-spacing:.2px}.logo{color:#7cc4ff;margin-right:6px}
header.top nav{display:flex;gap:18px;flex-wrap:wrap}header.top nav a{color:#cfe3ff;font-size:13px}
main{max-width:1320px;margin:0 auto;padding:18px 24px 8px}
footer{max-width:1320px;margin:0 auto;padding:8px 24px 24px;color:var(--muted);font-size:12px}
h2{font-size:15px;margin:0 0 12px;font-weight:600}h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:14px 0 6px;font-weight:600}
.sub{font-weight:400;color:var(--muted);font-size:12px;margin-left:6px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin-bottom:16px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card-head{display:flex;align-items:center;justify-content:space-between;gap:12px;flex-wrap:wrap;margin-bottom:8px}.card-head h2{margin:0}
.overview{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:16px;margin-bottom:16px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;min-width:0}
.kpi-label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.06em}
.kpi-value{font-size:30px;font-weight:650;line-height:1.2;margin:2px 0}
.kpi-note{color:var(--muted);font-size:12px;overflow-wrap:anywhere}.kpi-note.warn{color:var(--high)}
.verify-banner{background:#fff4e5;border:1px solid #f5c27a;border-left:4px solid var(--high);border-radius:8px;padding:10px 14px;margin-bottom:16px;color:#5c3a00;overflow-wrap:anywhere}
.scope{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.run-id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;margin:6px 0 2px;overflow-wrap:anywhere}
.score-good{color:var(--good)}.score-fair{color:var(--fair)}.score-poor{color:var(--poor)}
.score-good-fill{fill:var(--good)}.score-fair-fill{fill:var(--fair)}.score-poor-fill{fill:var(--poor)}
.sev-chips{display:flex;gap:6px;flex-wrap:wrap;margin-top:4px}
.chip{font-size:11px;border-radius:10px;padding:1px 8px;border:1px solid currentColor}
.chip-critical{color:var(--critical)}.chip-high{color:var(--high)}.chip-medium{color:#8a6a00}.chip-low{color:var(--low)}
.badge{font-family:-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:11px;border-radius:4px;padding:1px 6px;background:#eef2f7;color:var(--muted);vertical-align:middle}
.badge-completed{background:#e7f5ec;color:var(--good)}.badge-partial{background:#fff4e5;color:var(--fair)}.badge-failed{background:#fdecea;color:var(--poor)}
.grid-2{display:grid;grid-template-columns:minmax(0,1.55fr) minmax(0,1fr);gap:16px}
.chart{width:100%;height:auto;display:block}
.chart .grid{stroke:#edf0f4;stroke-width:1}.chart .baseline{stroke:#cfd6e0}
.chart .axis{fill:#7a879b;font-size:11px}.chart .label{font-size:11px;fill:#5d6b82}
.chart .line{fill:none;stroke:var(--accent);stroke-width:2.2;stroke-linejoin:round}
.chart .area{fill:rgba(31,111,235,.08);stroke:none}
.chart .point{fill:#fff;stroke:var(--accent);stroke-width:2}
.chart .run:hover .hit{fill:rgba(15,42,74,.05)}
.legend{display:flex;gap:14px;flex-wrap:wrap;align-items:center;color:var(--muted);font-size:12px;margin-top:6px}
.lg-line{display:inline-block;width:18px;height:0;border-top:2.5px solid var(--accent);vertical-align:middle}
.lg-swatch{display:inline-block;width:10px;height:10px;border-radius:2px;vertical-align:-1px}
.sw-critical{background:var(--critical)}.sw-high{background:var(--high)}.sw-medium{background:var(--medium)}.sw-low{background:var(--low)}
.delta-counts{display:grid;grid-template-columns:repeat(3,1fr);gap:8px}
.dc{background:#f6f8fb;border-radius:8px;padding:8px 10px;color:var(--muted);font-size:12px}.dc b{display:block;font-size:22px;color:var(--ink)}
.dc-new b{color:var(--critical)}.dc-res b{color:var(--good)}
.delta-list{list-style:none;margin:0;padding:0}
.delta-list li{display:flex;gap:8px;align-items:baseline;padding:5px 0;border-bottom:1px solid #f0f2f5;flex-wrap:wrap}
.delta-list li.more{color:var(--muted);font-size:12px;border:0}
.delta-title{color:var(--muted);font-size:12px;flex:1 1 200px}
.pill{display:inline-block;min-width:58px;text-align:center;font-size:11px;font-weight:600;color:#fff;border-radius:4px;padding:1px 6px;text-transform:uppercase;letter-spacing:.03em}
.pill-critical{background:var(--critical)}.pill-high{background:var(--high)}.pill-medium{background:var(--medium)}.pill-low{background:var(--low)}
.res{font-weight:600;overflow-wrap:anywhere}
.empty{color:var(--muted)}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%}
th{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);text-align:left;font-weight:600;padding:8px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
td{padding:9px 10px;border-bottom:1px solid #eef1f5;vertical-align:top}
tbody tr:hover{background:#fafbfd}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:#b3bccb}
td.has-critical{color:var(--critical);font-weight:600}td.has-high{color:var(--high);font-weight:600}td.has-medium{color:#8a6a00;font-weight:600}td.has-low{color:var(--low);font-weight:600}td.has-unassessed{color:var(--fair);font-weight:600}
.score-cell{display:inline-flex;align-items:center;gap:8px;justify-content:flex-end}.bar-svg{width:90px;height:8px}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end;background:#f7f9fc;border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin:4px 0 8px}
.filters label{display:flex;flex-direction:column;font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;gap:3px}
.filters label.grow{flex:1 1 180px}
select,input[type=search]{font:inherit;font-size:13px;color:var(--ink);border:1px solid #cdd5e0;border-radius:6px;padding:5px 8px;background:#fff;min-width:0;max-width:100%}
select{max-width:260px}
.actions{display:flex;gap:8px;align-items:center}
button,.button{font:inherit;font-size:13px;border-radius:6px;padding:6px 12px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;display:inline-block;white-space:nowrap}
.button.secondary{background:#fff;color:var(--accent)}.button.link{border-color:transparent;background:transparent;color:var(--accent);padding:6px 4px}
.count{color:var(--muted);font-size:12px;margin:4px 0}
table.findings{table-layout:fixed;min-width:980px}
table.findings td{font-size:13px;overflow-wrap:anywhere}
table.findings col.c-sev{width:96px}table.findings col.c-res{width:19%}table.findings col.c-find{width:27%}table.findings col.c-ev{width:27%}table.findings col.c-guide{width:27%}
.status{display:block;font-size:11px;color:var(--muted);margin-top:4px}.status-fail .status{color:var(--critical)}
.meta{color:var(--muted);font-size:12px;overflow-wrap:anywhere}
.f-title{font-weight:600}.f-msg{color:#34405a;margin:2px 0;overflow-wrap:anywhere}
.evidence{font-size:12px}.evidence>div{margin-bottom:3px;overflow-wrap:anywhere}
.ev-label{display:inline-block;color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em;margin-right:2px}
.ev-prio{color:var(--muted)}.ev-access{font-size:11px;border-radius:3px;padding:0 4px}.ev-allow{background:#fdecea;color:var(--critical)}.ev-deny{background:#e7f5ec;color:var(--good)}
.ev-desc q{font-style:italic;color:#34405a}.ev-muted{color:#98a2b3}
.guidance{font-size:12px}.remediation{margin-bottom:4px}
details summary{cursor:pointer;color:var(--accent);font-size:12px}
details p{margin:6px 0}
blockquote{margin:6px 0;padding:6px 10px;border-left:3px solid #cfd6e0;background:#f7f9fc;color:#34405a}blockquote p{margin:0}blockquote footer{color:var(--muted);font-size:11px;margin-top:4px}
.refs{margin:4px 0 0;padding-left:16px}.refs li{overflow-wrap:anywhere}
.tags{margin-top:4px;display:flex;gap:4px;flex-wrap:wrap}.tag{font-size:11px;background:#eef2f7;border-radius:3px;padding:0 5px;color:#34405a;overflow-wrap:anywhere}
.pager{margin:10px 0 0}
.crumbs{margin:0 0 10px;font-size:13px}
.resource-head .meta{margin-top:4px}
table.rules-table td{font-size:13px}td.date{white-space:nowrap;font-variant-numeric:tabular-nums}
.timeline li{font-size:13px}
.timeline{list-style:none;margin:0;padding:0}.timeline li{padding:6px 0;border-bottom:1px solid #f0f2f5;display:flex;gap:8px;flex-wrap:wrap;align-items:baseline}
.timeline .when{color:var(--muted);font-variant-numeric:tabular-nums;min-width:90px}
.to-fail{color:var(--critical)}.to-pass{color:var(--good)}.to-unknown,.to-error{color:var(--fair)}
td.status-fail .status{color:var(--critical);font-weight:600}td.status-pass .status{color:var(--good)}
.exc-badge{display:inline-block;margin-top:4px;font-weight:600}.exc-applied{background:#ece8fb;color:#5b3cc4}.exc-expired{background:#fdecea;color:var(--poor)}.exc-not-needed{background:#e7f5ec;color:var(--good)}
.exception{margin-top:6px;padding:6px 8px;border-radius:6px;border-left:3px solid #8b6fe0;background:#f6f4fd;font-size:12px;overflow-wrap:anywhere}
.exception.exc-expired{border-left-color:var(--poor);background:#fdf3f2}.exception.exc-notNeeded{border-left-color:var(--good);background:#f1f9f3}
.exception q,.exc-justification{font-style:italic;color:#34405a;overflow-wrap:anywhere}.exception q{display:block;margin-top:2px}
.both-scores b{color:var(--ink)}.both-scores .headline{font-weight:600;color:var(--ink)}
.standing{display:inline-block;font-size:11px;font-weight:600;border-radius:4px;padding:1px 6px}.standing-active{background:#e7f5ec;color:var(--good)}.standing-expiring{background:#fff4e5;color:var(--fair)}.standing-expired{background:#fdecea;color:var(--poor)}.standing-revoked{background:#eef2f7;color:var(--muted)}
.standing-filter{flex-wrap:wrap}
.outcome-counts{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:8px;margin-bottom:8px}
table.exceptions{min-width:980px}table.exceptions td{font-size:13px;overflow-wrap:anywhere}
dl.fields{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 14px;margin:0}dl.fields dt{color:var(--muted);font-size:12px}dl.fields dd{margin:0;overflow-wrap:anywhere}
@media (max-width:1100px){.grid-2{grid-template-columns:1fr}.overview{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (max-width:760px){
main{padding:12px}
.chart .axis{font-size:22px}.chart .label{font-size:20px}.chart .x-minor{display:none}.chart .line{stroke-width:3.5}header.top{padding:10px 12px}
.overview{grid-template-columns:1fr 1fr;gap:10px}.kpi-value{font-size:24px}
.delta-counts{grid-template-columns:1fr 1fr 1fr}
table.findings thead{display:none}
table.findings,table.findings tbody,table.findings tr,table.findings td{display:block;width:100%}
table.findings tr{border:1px solid var(--line);border-radius:8px;margin-bottom:10px;padding:6px 4px}
table.findings td{border:0;padding:4px 8px}
table.findings{min-width:0;table-layout:auto}table.findings colgroup{display:none}
table.findings td::before{content:attr(data-label);display:block;font-size:10px;text-transform:uppercase;letter-spacing:.06em;color:#98a2b3}
.filters label,.filters select{width:100%;max-width:none}.filters label{flex:1 1 100%}
}
`;
