package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Targets of the public pages with 100,000 cases (issue 13).
const targetWebP99ms = 50.0

// WebFigures are the public pages' figures: the register's first page, a register page
// filtered by county and state with a title search, the statistics page, and the
// statistics as JSON from the gateway.
type WebFigures struct {
	Register         Figure `json:"register"`
	RegisterFiltered Figure `json:"registerFiltered"`
	Statistics       Figure `json:"statistics"`
	StatisticsJSON   Figure `json:"statisticsJson"`
}

// webPages fetches each page over HTTP without a token, one caller at a time, for d
// each, as a browser without a cache would (no If-None-Match: every answer is rendered).
func webPages(ctx context.Context, client *http.Client, base, filtered string, d time.Duration) WebFigures {
	get := func(path string) Figure {
		return run(ctx, d, 1, func(ctx context.Context, _ int) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
			if err != nil {
				return err
			}
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				return err
			}
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: status %d", path, res.StatusCode)
			}
			return nil
		})
	}
	return WebFigures{
		Register:         get("/"),
		RegisterFiltered: get(filtered),
		Statistics:       get("/statistikk"),
		StatisticsJSON:   get("/v1/statistics"),
	}
}
