package web

import (
	"encoding/xml"
	"net/http"
	"slices"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// feedSize is how many decisions the Atom feed holds, and how many recently changed
// trials it looks at for them.
const feedSize = 50

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

// atom is the feed of KDD's decisions on public trials (approvals, extensions,
// terminations, closures), newest first, taken from the public timeline of the most
// recently changed trials in the register.
func (h *Handler) atom(w http.ResponseWriter, r *http.Request) {
	apps, _, err := h.reads.ListApplications(r.Context(), anonymous, "", "update_time desc", feedSize, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	l := langOf(r.URL.Query().Get("lang"))
	base := h.opts.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	type decision struct {
		app *trial.Application
		m   trial.Milestone
	}
	var ds []decision
	for _, app := range apps {
		for _, m := range trial.PublicTimeline(app) {
			if m.Decision {
				ds = append(ds, decision{app, m})
			}
		}
	}
	slices.SortStableFunc(ds, func(a, b decision) int { return b.m.Time.Compare(a.m.Time) })
	ds = ds[:min(len(ds), feedSize)]
	feed := atomFeed{Lang: string(l), ID: base + "/forsok.atom", Title: phrases["site"].in(l) + ": " + phrases["trial.decision"].in(l),
		Link:   []atomLink{{Rel: "self", Href: base + withLang(l, "/forsok.atom", nil), Type: "application/atom+xml"}, {Rel: "alternate", Href: base + withLang(l, "/", nil), Type: "text/html"}},
		Author: atomAuthor{Name: "Kommunal- og distriktsdepartementet"}, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	for _, d := range ds {
		if feed.Updated < d.m.Time.UTC().Format(time.RFC3339) {
			feed.Updated = d.m.Time.UTC().Format(time.RFC3339)
		}
		href := base + withLang(l, "/forsok/"+d.app.ID, nil)
		feed.Entries = append(feed.Entries, atomEntry{
			ID:      "tag:forsok," + d.m.Time.UTC().Format(time.DateOnly) + ":" + d.app.ID + "/" + string(d.m.Kind),
			Title:   milestoneLabel(l, d.m.Kind) + ": " + d.app.Title,
			Updated: d.m.Time.UTC().Format(time.RFC3339),
			Link:    atomLink{Rel: "alternate", Href: href, Type: "text/html"},
			Summary: d.m.Detail,
		})
	}
	body, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	write(w, r, http.StatusOK, "application/atom+xml; charset=utf-8", pageCache, append([]byte(xml.Header), body...))
}
