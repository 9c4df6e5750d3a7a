package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/forsok/forsok/internal/trial"
)

// statisticsData is the statistics page: the report and its charts.
type statisticsData struct {
	Report trial.Report
	Charts map[string]template.HTML
}

func (h *Handler) report(r *http.Request) (trial.Report, error) {
	s, err := h.reads.GetStatistics(r.Context())
	if err != nil {
		return trial.Report{}, err
	}
	return s.Report(), nil
}

func (h *Handler) statistics(w http.ResponseWriter, r *http.Request) {
	rep, err := h.report(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	l := langOf(r.URL.Query().Get("lang"))
	labelled := func(rows []trial.Count, name func(string) string) []bar {
		out := make([]bar, len(rows))
		for i, c := range rows {
			out[i] = bar{Label: name(c.Key), Value: c.Count}
		}
		return out
	}
	enum := func(k string) string { return label(l, k) }
	plain := func(k string) string { return k }
	data := statisticsData{Report: rep, Charts: map[string]template.HTML{
		"apps-state":  barChart("chart-apps-state", phrases["stats.apps"].in(l)+" "+phrases["stats.bystate"].in(l), labelled(rep.Applications.ByState, enum)),
		"apps-county": barChart("chart-apps-county", phrases["stats.apps"].in(l)+" "+phrases["stats.bycounty"].in(l), labelled(rep.Applications.ByCounty, countyName)),
		"apps-year":   barChart("chart-apps-year", phrases["stats.apps"].in(l)+" "+phrases["stats.byyear"].in(l), labelled(rep.Applications.ByYear, plain)),
		"outcomes":    barChart("chart-outcomes", phrases["stats.outcomes"].in(l), labelled(rep.Outcomes, enum)),
	}}
	var median, share []bar
	for _, p := range rep.ProcessingTimes {
		median = append(median, bar{Label: strconv.Itoa(p.Year), Value: p.MedianDays})
	}
	for _, a := range rep.Answers {
		share = append(share, bar{Label: strconv.Itoa(a.Year), Value: a.Percent, Unit: "%"})
	}
	data.Charts["processing"] = barChart("chart-processing", phrases["stats.processing"].in(l)+", "+strings.ToLower(phrases["col.median"].in(l)), median)
	data.Charts["answers"] = barChart("chart-answers", phrases["stats.answers"].in(l), share)
	h.render(w, r, http.StatusOK, "statistics", "stats.title", data)
}

// statisticsCSV is every figure of the page as one CSV table: section, key, and the
// section's values.
func (h *Handler) statisticsCSV(w http.ResponseWriter, r *http.Request) {
	rep, err := h.report(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write([]string{"section", "key", "value1", "value2", "value3"})
	tally := func(name string, t trial.TallyReport) {
		_ = cw.Write([]string{name + ".total", "", strconv.Itoa(t.Total)})
		for _, part := range []struct {
			by   string
			rows []trial.Count
		}{{"state", t.ByState}, {"category", t.ByCategory}, {"county", t.ByCounty}, {"year", t.ByYear}} {
			for _, c := range part.rows {
				_ = cw.Write([]string{name + ".by_" + part.by, c.Key, strconv.Itoa(c.Count)})
			}
		}
	}
	tally("applications", rep.Applications)
	tally("trials", rep.Trials)
	for _, p := range rep.ProcessingTimes {
		_ = cw.Write([]string{"processing_days:decisions;median;p90", strconv.Itoa(p.Year), strconv.Itoa(p.Decisions), strconv.Itoa(p.MedianDays), strconv.Itoa(p.P90Days)})
	}
	for _, a := range rep.Answers {
		_ = cw.Write([]string{"answered_within_month:on_time;late;percent", strconv.Itoa(a.Year), strconv.Itoa(a.OnTime), strconv.Itoa(a.Late), strconv.Itoa(a.Percent)})
	}
	for _, c := range rep.Consultations {
		_ = cw.Write([]string{"consultations:answered;on_time;percent", c.Ministry, strconv.Itoa(c.Answered), strconv.Itoa(c.OnTime), strconv.Itoa(c.Percent)})
	}
	for _, o := range rep.Outcomes {
		_ = cw.Write([]string{"outcomes", o.Key, strconv.Itoa(o.Count)})
	}
	cw.Flush()
	w.Header().Set("Content-Disposition", `attachment; filename="forsok-statistikk.csv"`)
	write(w, r, http.StatusOK, "text/csv; charset=utf-8", pageCache, buf.Bytes())
}

// bar is one bar of a chart.
type bar struct {
	Label string
	Value int
	Unit  string
}

// barChart draws a horizontal bar chart as inline SVG with its text alternative: a
// title, and a description that reads every value. The page shows the same data as a
// table next to it. No style attributes: the CSP allows no inline styles.
func barChart(id, title string, bars []bar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	const rowH, labelW, barW, valueW = 28, 200, 360, 70
	maxV := 1
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	height := rowH*len(bars) + 8
	var desc []string
	for _, b := range bars {
		desc = append(desc, fmt.Sprintf("%s: %d%s", b.Label, b.Value, b.Unit))
	}
	esc := template.HTMLEscapeString
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`,
		id, id, id, labelW+barW+valueW, height)
	fmt.Fprintf(&s, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(strings.Join(desc, "; ")))
	for i, b := range bars {
		y := 4 + i*rowH
		w := b.Value * barW / maxV
		fmt.Fprintf(&s, `<text x="%d" y="%d" text-anchor="end" class="chart-label">%s</text>`, labelW-8, y+18, esc(b.Label))
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" class="chart-bar"></rect>`, labelW, y+4, max(w, 1), rowH-8)
		fmt.Fprintf(&s, `<text x="%d" y="%d" class="chart-value">%d%s</text>`, labelW+w+6, y+18, b.Value, esc(b.Unit))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}
