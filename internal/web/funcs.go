package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/forsok/forsok/internal/trial"
)

// oslo is the calendar dates are shown in.
var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// funcs are the templates' functions. Those that take a page use its language.
var funcs = template.FuncMap{
	"t": func(p page, key string) string {
		t, ok := phrases[key]
		if !ok {
			panic("web: no phrase " + key)
		}
		return t.in(p.Lang)
	},
	"tf":        func(p page, key string, args ...any) string { return fmt.Sprintf(phrases[key].in(p.Lang), args...) },
	"label":     func(p page, v any) string { return label(p.Lang, fmt.Sprint(v)) },
	"milestone": func(p page, k trial.MilestoneKind) string { return milestoneLabel(p.Lang, k) },
	"county":    countyName,
	"date": func(p page, v any) string {
		switch d := v.(type) {
		case time.Time:
			return longDate(p.Lang, d.In(oslo))
		case string:
			t, err := trial.ParseDate(d)
			if err != nil {
				return d
			}
			return longDate(p.Lang, t)
		}
		return fmt.Sprint(v)
	},
	"isodate": func(t time.Time) string { return t.In(oslo).Format(time.DateOnly) },
	// link returns path with the query pairs (key, value, …) and the page's language.
	"link": func(p page, path string, pairs ...string) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] != "" {
				q.Set(pairs[i], pairs[i+1])
			}
		}
		return template.URL(withLang(p.Lang, path, q))
	},
	// switchLang is this page in the other language.
	"switchLang": func(p page) template.URL {
		other := English
		if p.Lang == English {
			other = Bokmal
		}
		return template.URL(withLang(other, p.Path, p.Query))
	},
	"otherLang": func(p page) Lang {
		if p.Lang == English {
			return Bokmal
		}
		return English
	},
	"join": strings.Join,
	// dict passes several values to a sub-template: key, value, ….
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"keyLabel": func(p page, kind, key string) string {
		switch kind {
		case "county":
			return countyName(key)
		case "enum":
			return label(p.Lang, key)
		}
		return key
	},
	"currentEnd": trial.CurrentEnd,
	"add":        func(a, b int) int { return a + b },
	"lines":      func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
}

// withLang returns path?query with lang=en added for English (bokmål is the default).
func withLang(l Lang, path string, q url.Values) string {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	if l == English {
		q2.Set("lang", "en")
	}
	if len(q2) == 0 {
		return path
	}
	return path + "?" + q2.Encode()
}
