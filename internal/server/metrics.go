package server

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/forsok/forsok/internal/boltstore"
	"github.com/forsok/forsok/internal/trial"
)

// caseCollector reports the cases by state, the cases flagged for attention and the
// open and overdue consultations, counted from the store's indexes on every scrape
// (boltstore.Store.Counts reads keys only), so the numbers are never stale and nothing
// has to keep them up to date.
type caseCollector struct {
	counts func(today string) (boltstore.Counts, error)
	today  func() string

	cases, flagged, open, overdue *prometheus.Desc
}

func newCaseCollector(counts func(string) (boltstore.Counts, error), today func() string) *caseCollector {
	return &caseCollector{
		counts: counts,
		today:  today,
		cases: prometheus.NewDesc("forsok_cases", "Cases by workflow state.",
			[]string{"state"}, nil),
		flagged: prometheus.NewDesc("forsok_cases_flagged", "Cases carrying a flag that needs someone's attention (an overdue interim reply, consultation or evaluation, a missing publication).",
			[]string{"flag"}, nil),
		open: prometheus.NewDesc("forsok_consultations_open", "Consultations awaiting a ministry's answer.",
			nil, nil),
		overdue: prometheus.NewDesc("forsok_consultations_overdue", "Open consultations past their due date.",
			nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *caseCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.cases, c.flagged, c.open, c.overdue} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. Every state and flag is reported, zero
// included, so that a query need not guess whether a series is missing or zero.
func (c *caseCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.counts(c.today())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.cases, err)
		return
	}
	states := slices.Clone(trial.States)
	for s := range counts.States {
		if !slices.Contains(states, s) {
			states = append(states, s)
		}
	}
	for _, s := range states {
		ch <- prometheus.MustNewConstMetric(c.cases, prometheus.GaugeValue, float64(counts.States[s]), string(s))
	}
	flags := slices.Clone(trial.CaseFlags)
	for f := range counts.Flags {
		if !slices.Contains(flags, f) {
			flags = append(flags, f)
		}
	}
	for _, f := range flags {
		ch <- prometheus.MustNewConstMetric(c.flagged, prometheus.GaugeValue, float64(counts.Flags[f]), string(f))
	}
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(counts.OpenConsultations))
	ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue, float64(counts.OverdueConsultations))
}

// newRegistry returns the registry /metrics serves: the process and Go runtime
// collectors, build information and the case collector; the gRPC server adds the
// request metrics.
func newRegistry(cases prometheus.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
		cases,
	)
	return reg
}
